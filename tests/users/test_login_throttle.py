"""Login throttling slows guessing without locking anybody out: delays per (account, address)
pair that double per failure, a looser limit per address, and failed logins summarised in the
audit log as one event per account and window. Time is the throttle's clock, moved by the
tests (never slept)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.audit.service import event_details
from app.i18n import gettext, use_locale
from app.users.service import SESSION_COOKIE
from app.web.middleware import LANG_COOKIE
from tests.conftest import PASSWORD, PERSONAS, Client, on_both_databases, page_text

engine = on_both_databases()

ATTACKER = "198.51.100.66"
OFFICE = "192.0.2.10"  # everybody behind the office's NAT or the reverse proxy
HOME = "203.0.113.5"
CHAIR = PERSONAS["chair"].email
ADMIN = PERSONAS["admin"].email


class Clock:
    """The throttle's notion of now."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def quick_wrong_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong passwords fail without argon2's tenth of a second; the right one is checked."""
    from app.users import service

    real = service.verify_password

    def verify(password_hash: str | None, password: str) -> bool:
        return False if password != PASSWORD else real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", verify)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from app.timeutil import utcnow

    c = Clock(utcnow())
    monkeypatch.setattr("app.users.throttle.utcnow", lambda: c.now)
    return c


@pytest.fixture
def from_address(app) -> Iterator:  # type: ignore[no-untyped-def]
    """A browser at a client address (one per address, English pages)."""
    made: dict[str, Client] = {}

    def _client(address: str) -> Client:
        if address not in made:
            c = Client(
                app, base_url="http://testserver", follow_redirects=False, client=(address, 50000)
            )
            c.cookies.set(LANG_COOKIE, "en")
            made[address] = c
        return made[address]

    yield _client
    for c in made.values():
        c.close()


def attempt(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    client.cookies.delete(SESSION_COOKIE)
    return client.post_form("/login", {"email": email, "password": password})


def logged_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 303 and any(
        c.startswith(f"{SESSION_COOKIE}=") for c in response.headers.get_list("set-cookie")
    )


def failure_events(db: Session) -> list[AuditEvent]:
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["auth.login_failed", "auth.login_locked"]))
            .order_by(AuditEvent.id)
        ).all()
    )


def event_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent)).one()


# --- nobody is locked out ---------------------------------------------------------------------


def test_it_lets_the_chair_and_the_admin_in_after_many_failures_from_their_shared_address(
    from_address,
):
    office = from_address(OFFICE)
    # A guesser trying 25 accounts, and colleagues' typos, all behind the one address.
    emails = [f"guess{i}@example.org" for i in range(25)] + [PERSONAS["lead"].email] * 2
    for email in emails:
        assert attempt(office, email, "not-the-password-1").status_code == 401
    assert logged_in(attempt(from_address(OFFICE), CHAIR, PASSWORD))
    assert logged_in(attempt(from_address(OFFICE), ADMIN, PASSWORD))


def test_it_lets_the_chair_in_from_another_address_after_five_wrong_passwords(from_address):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        assert attempt(attacker, CHAIR, "not-the-password-1").status_code == 401
    # The attacker's pair waits, even with the right password...
    assert attempt(attacker, CHAIR, PASSWORD).status_code == 429
    # ...but the chair at her own address gets in at once, and so do others at the attacker's.
    assert logged_in(attempt(from_address(OFFICE), CHAIR, PASSWORD))
    assert logged_in(attempt(from_address(ATTACKER), ADMIN, PASSWORD))


def test_it_lets_the_chair_in_from_elsewhere_during_a_long_attack(from_address, clock):
    attacker = from_address(ATTACKER)
    for _ in range(40):
        attempt(attacker, CHAIR, "not-the-password-1")
        clock.advance(minutes=16)  # past every delay: each of these is a checked failure
    assert logged_in(attempt(from_address(HOME), CHAIR, PASSWORD))


# --- the attacker's pair waits longer and longer ----------------------------------------------


def test_it_makes_an_attackers_pair_wait_twice_as_long_after_every_further_failure(
    from_address, clock
):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        assert attempt(attacker, CHAIR, "not-the-password-1").status_code == 401
    waits = []
    for _ in range(8):
        refused = attempt(attacker, CHAIR, PASSWORD)  # even the right password waits
        assert refused.status_code == 429 and not logged_in(refused)
        wait = int(refused.headers["retry-after"])
        waits.append(wait)
        clock.advance(seconds=wait - 1)
        assert attempt(attacker, CHAIR, "not-the-password-1").status_code == 429  # not yet
        clock.advance(seconds=1)
        assert attempt(attacker, CHAIR, "not-the-password-1").status_code == 401
    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]  # doubling, capped at 15 minutes


def test_it_says_how_long_to_wait_in_the_users_language(from_address, clock):
    attacker = from_address(ATTACKER)
    for _ in range(5):
        attempt(attacker, CHAIR, "not-the-password-1")
    refused = attempt(attacker, CHAIR, "not-the-password-1")
    assert "Too many failed attempts. Wait 30 seconds before you try again." in page_text(
        refused.text
    )
    clock.advance(seconds=28)  # what is left is rounded up, never down
    refused = attempt(attacker, CHAIR, "not-the-password-1")
    assert refused.headers["retry-after"] == "2"
    assert "Wait 5 seconds before you try again." in page_text(refused.text)
    clock.advance(seconds=2)
    attempt(attacker, CHAIR, "not-the-password-1")  # the sixth failure: 60 seconds
    clock.advance(seconds=60)
    attempt(attacker, CHAIR, "not-the-password-1")  # the seventh: 2 minutes
    attacker.cookies.set(LANG_COOKIE, "nl")
    refused = attempt(attacker, CHAIR, "not-the-password-1")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "120"
    with use_locale("nl"):
        expected = gettext(
            "Too many failed attempts. Wait %(minutes)s minutes before you try again.", minutes=2
        )
    assert expected in page_text(refused.text)
    assert refused.headers["content-language"] == "nl"


def test_it_refuses_an_unknown_account_exactly_like_a_real_one(from_address):
    attacker = from_address(ATTACKER)
    pages = {}
    for email in (CHAIR, "nobody@example.org"):
        for _ in range(5):
            assert attempt(attacker, email, "not-the-password-1").status_code == 401
        refused = attempt(attacker, email, "not-the-password-1")
        pages[email] = (
            refused.status_code,
            refused.headers["retry-after"],
            page_text(refused.text).replace(email, "EMAIL"),
        )
    assert pages[CHAIR] == pages["nobody@example.org"]
    assert pages[CHAIR][0] == 429


def test_it_clears_the_pair_after_a_successful_login(from_address):
    home = from_address(HOME)
    for _ in range(4):
        assert attempt(home, CHAIR, "not-the-password-1").status_code == 401
    assert logged_in(attempt(home, CHAIR, PASSWORD))
    for _ in range(4):
        assert attempt(home, CHAIR, "not-the-password-1").status_code == 401


def test_it_slows_an_address_that_sprays_many_accounts_but_not_the_others(app, from_address, clock):
    app.state.settings = app.state.settings.model_copy(update={"login_address_max_failures": 10})
    attacker = from_address(ATTACKER)
    for i in range(10):
        assert attempt(attacker, f"user{i}@example.org", "Summer2026!").status_code == 401
    refused = attempt(attacker, "user10@example.org", "Summer2026!")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
    assert logged_in(attempt(from_address(OFFICE), CHAIR, PASSWORD))
    clock.advance(seconds=30)
    assert attempt(attacker, "user11@example.org", "Summer2026!").status_code == 401
    assert attempt(attacker, "user12@example.org", "Summer2026!").headers["retry-after"] == "60"
    # A new window starts once the address has been quiet for the window.
    clock.advance(minutes=16)
    assert attempt(attacker, "user13@example.org", "Summer2026!").status_code == 401
    assert attempt(attacker, "user14@example.org", "Summer2026!").status_code == 401


# --- the audit log gets one summary per account and window ------------------------------------


def test_it_summarises_100_failed_logins_from_many_addresses_in_one_audit_event(db, personas):
    from app.config import get_settings
    from app.users.service import authenticate
    from app.users.throttle import sweep

    settings = get_settings()
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    before = event_count(db)
    for i in range(100):
        result = authenticate(
            db,
            email=CHAIR.upper(),
            password="wrong",
            client=f"10.0.{i // 250}.{i % 250}",
            settings=settings,
            now=start + timedelta(seconds=5 * i),
        )
        assert result.user is None and result.retry_after == 0  # one try per address
    assert event_count(db) == before  # no audit write per attempt
    assert sweep(db, settings=settings, now=start + timedelta(minutes=14)) == 0  # still open
    assert sweep(db, settings=settings, now=start + timedelta(minutes=15)) == 1
    assert sweep(db, settings=settings, now=start + timedelta(minutes=30)) == 0
    (event,) = failure_events(db)
    details = event_details(event)
    assert details["email"] == CHAIR
    assert details["count"] == 100 and details["refused"] == 0
    assert details["first_at"] == start.isoformat()
    assert details["last_at"] == (start + timedelta(seconds=495)).isoformat()
    assert len(details["clients"]) == 5 and details["more_clients"] is True


def test_it_summarises_a_hammering_client_in_one_event_with_the_right_counts(
    db, from_address, clock
):
    from app.config import get_settings
    from app.users.throttle import sweep

    attacker = from_address(ATTACKER)
    before = event_count(db)
    statuses = [attempt(attacker, CHAIR, f"guess-{i}").status_code for i in range(100)]
    assert statuses == [401] * 5 + [429] * 95
    assert event_count(db) == before
    clock.advance(minutes=15)
    assert sweep(db, settings=get_settings(), now=clock.now) == 1
    (event,) = failure_events(db)
    details = event_details(event)
    assert (details["email"], details["count"], details["refused"]) == (CHAIR, 5, 95)
    assert details["clients"] == [ATTACKER] and details["more_clients"] is False


def test_it_writes_the_summary_at_the_next_attempt_after_the_window(db, from_address, clock):
    home = from_address(HOME)
    for _ in range(3):
        attempt(home, CHAIR, "not-the-password-1")
    clock.advance(minutes=20)
    assert failure_events(db) == []
    attempt(home, CHAIR, "not-the-password-1")  # closes the old window, opens a new one
    (event,) = failure_events(db)
    assert event_details(event)["count"] == 3
    # A success ends the open window at once: its summary comes before the login.
    assert logged_in(attempt(home, CHAIR, PASSWORD))
    events = db.exec(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["auth.login_failed", "auth.login"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["auth.login_failed", "auth.login_failed", "auth.login"]
    assert event_details(events[1])["count"] == 1


def test_it_never_loses_a_window_of_an_account_nobody_tries_again(db, from_address, clock):
    attempt(from_address(ATTACKER), "board@example.org", "not-the-password-1")
    attempt(from_address(ATTACKER), "nobody@example.org", "not-the-password-1")
    clock.advance(minutes=15)
    # Any later login attempt, of anybody, writes the summaries of windows that have closed.
    assert logged_in(attempt(from_address(OFFICE), ADMIN, PASSWORD))
    summaries = {event_details(e)["email"]: event_details(e)["count"] for e in failure_events(db)}
    assert summaries == {"board@example.org": 1, "nobody@example.org": 1}


def test_it_sweeps_closed_windows_from_the_command_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import app as cli
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.migrate import upgrade_to_head
    from app.users.service import authenticate

    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    monkeypatch.setenv("DATAWAARDEN_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        swept = make_engine(url)
        upgrade_to_head(swept)
        long_ago = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        with session_scope(swept) as session:
            authenticate(
                session,
                email="someone@example.org",
                password="x",
                client=ATTACKER,
                settings=get_settings(),
                now=long_ago,
            )
        result = CliRunner().invoke(cli, ["users", "sweep-logins"])
        assert result.exit_code == 0, result.output
        assert "1 summary of failed logins written" in result.output
        with session_scope(swept) as session:
            (event,) = failure_events(session)
            assert event_details(event) | {"clients": None} == {
                "email": "someone@example.org",
                "count": 1,
                "refused": 0,
                "first_at": long_ago.isoformat(),
                "last_at": long_ago.isoformat(),
                "clients": None,
                "more_clients": False,
            }
        swept.dispose()
    finally:
        get_settings.cache_clear()
