"""A draft advice asks each member for an opinion, and the last opinion tells the chair and the
rapporteur: in the app and by e-mail through a real SMTP server on loopback (aiosmtpd), once."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.config import get_settings
from app.notifications.models import Notification
from app.notifications.service import notify
from app.reviews import advising, intake
from app.users.models import Role
from tests.conftest import free_port, on_both_databases
from tests.notifications.test_email import Inbox

engine = on_both_databases()

BOARD = frozenset({Role.board})
CHAIR = frozenset({Role.chair, Role.board})
KINDS = ("opinion_requested", "opinions_complete")


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("DATAWAARDEN_SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    monkeypatch.delenv("DATAWAARDEN_SMTP_URL")
    get_settings.cache_clear()


def notices(db, assessment) -> list[tuple[str, str]]:
    """(recipient's e-mail, kind) of the opinion notices, in order."""
    from app.users.models import User

    rows = db.exec(
        select(User.email, Notification.kind)
        .join(User, col(User.id) == Notification.user_id)
        .where(Notification.assessment_id == assessment.id, col(Notification.kind).in_(KINDS))
        .order_by(col(Notification.id))
    ).all()
    return [(email, kind) for email, kind in rows]


def draft(db, assessment, actor, roles, summary="Ga door."):
    advising.save_advice(
        db,
        assessment=assessment,
        actor=actor,
        roles=roles,
        outcome="positive",
        summary=summary,
        rationale={},
        conditions=[],
        reassess_on="",
    )
    db.commit()


def opine(db, assessment, actor, roles, stance="agree", note=""):
    advising.record_opinion(
        db, assessment=assessment, actor=actor, roles=roles, stance=stance, note=note
    )
    db.commit()


def mails_until_sentinel(smtp, db, personas, expected: int) -> list[tuple[str, str]]:
    """The e-mails sent, once the expected ones and a last one sent after them have arrived."""
    notify(db, recipients=[personas["auditor"]], kind="signed", assessment_id=None, params=SENTINEL)
    db.commit()
    messages = smtp.wait_for(expected + 1)
    found = [(m["To"], str(m["Subject"])) for m in messages]
    return [m for m in found if m[0] != personas["auditor"].email]


SENTINEL = {"ref": "SENTINEL", "title": "", "actor": ""}


def test_it_asks_each_member_once_for_an_opinion_on_a_draft_advice(db, submitted, personas, smtp):
    board, chair = personas["board"], personas["chair"]
    draft(db, submitted, chair, CHAIR)
    assert notices(db, submitted) == [(board.email, "opinion_requested")]
    draft(db, submitted, chair, CHAIR, summary="Ga door, met zorg.")  # nobody had an opinion yet
    assert notices(db, submitted) == [(board.email, "opinion_requested")]
    mails = mails_until_sentinel(smtp, db, personas, 1)
    assert [to for to, _subject in mails] == [board.email]
    assert submitted.reference in mails[0][1]
    # The lead is no member, so is never asked.
    assert personas["lead"].email not in [to for to, _s in mails]


def test_it_asks_again_only_the_members_whose_opinion_a_changed_draft_cleared(
    db, submitted, personas
):
    board, chair = personas["board"], personas["chair"]
    draft(db, submitted, board, BOARD)
    assert notices(db, submitted) == [(chair.email, "opinion_requested")]
    opine(db, submitted, chair, CHAIR)
    draft(db, submitted, board, BOARD, summary="Herzien.")
    assert notices(db, submitted) == [
        (chair.email, "opinion_requested"),
        (chair.email, "opinion_requested"),
    ]


def test_it_tells_the_chair_once_when_all_opinions_are_in(db, submitted, personas, smtp):
    board, chair = personas["board"], personas["chair"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    draft(db, submitted, board, BOARD)
    opine(db, submitted, board, BOARD)
    assert ("chair@example.org", "opinions_complete") not in notices(db, submitted)
    opine(db, submitted, chair, CHAIR, stance="disagree", note="Te vroeg.")
    # The rapporteur hears it; the chair gave the last opinion and knows.
    assert notices(db, submitted)[-1] == (board.email, "opinions_complete")
    opine(db, submitted, chair, CHAIR, stance="abstain")  # a changed opinion tells nobody again
    opine(db, submitted, board, BOARD, stance="abstain")
    assert notices(db, submitted) == [
        (chair.email, "opinion_requested"),
        (board.email, "opinions_complete"),
    ]
    mails = mails_until_sentinel(smtp, db, personas, 2)
    assert sorted(to for to, _s in mails) == sorted([chair.email, board.email])


def test_it_tells_the_chair_when_the_rapporteur_gives_the_last_opinion(db, submitted, personas):
    board, chair = personas["board"], personas["chair"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    draft(db, submitted, chair, CHAIR)
    opine(db, submitted, chair, CHAIR)
    opine(db, submitted, board, BOARD)
    assert notices(db, submitted)[-1] == (chair.email, "opinions_complete")
    assert [k for _e, k in notices(db, submitted)].count("opinions_complete") == 1


def test_it_does_not_wait_for_a_member_who_declared_a_conflict(db, submitted, personas):
    board, chair = personas["board"], personas["chair"]
    intake.declare_conflict(db, assessment=submitted, actor=board, roles=BOARD, reason="Familie")
    draft(db, submitted, chair, CHAIR)
    assert notices(db, submitted) == []  # nobody else to ask
    opine(db, submitted, chair, CHAIR)
    assert notices(db, submitted) == []  # the chair is the only member and gave it


def test_it_links_each_notice_to_the_page_where_its_reader_acts(
    db, submitted, personas, smtp, login
):
    board, chair = personas["board"], personas["chair"]
    draft(db, submitted, chair, CHAIR)
    notify(db, recipients=[personas["auditor"]], kind="signed", assessment_id=None, params=SENTINEL)
    db.commit()
    messages = smtp.wait_for(2)
    asked = next(m for m in messages if m["To"] == board.email)
    body = (
        asked.get_payload(decode=True).decode()
        if not asked.is_multipart()
        else (asked.get_payload(0).get_payload(decode=True).decode())
    )
    assert body.rstrip().endswith(f"/committee/assessments/{submitted.id}/advice")
    # The notifications page links to the same places.
    page = BeautifulSoup(login("board").get("/notifications").text, "lxml")
    hrefs = [a["href"] for a in page.select("main li a[href]")]
    assert f"/committee/assessments/{submitted.id}/advice" in hrefs
    assert f"/committee/assessments/{submitted.id}" in hrefs  # the submission: the review page
