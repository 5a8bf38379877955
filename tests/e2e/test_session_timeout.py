"""A session that times out in Chromium: the page warns before it expires and the warning can
be answered by keyboard; an answer typed and a comment sent after expiry are saved once the
user logs in again, and the user is back on their page. The session is aged with plain SQL on
the server's database (outside the app), the page's clock with Playwright's clock."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import (
    _LOG_KEY,
    PERSONAS,
    LiveServer,
    Persona,
    assert_accessible,
    login_as,
    screenshot,
)
from .test_full_journey import Actors, Journey, flash, lead_starts_and_fills, lead_submits
from .test_lead_journey import new_title, question, settled, start_assessment

pytestmark = pytest.mark.e2e

PARKED = "wordt dan alsnog opgeslagen"
RESUMED = "U bent weer ingelogd, en wat u eerder verstuurde, is opgeslagen."


def _db(live_server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(live_server.data_dir / "datawaarden.db")


def age_sessions(live_server: LiveServer, persona: Persona, *, by: timedelta) -> None:
    """Move the last activity of the persona's sessions back, in the format stored."""
    with _db(live_server) as db:
        rows = db.execute(
            "SELECT s.id, s.last_seen_at FROM web_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = ? AND s.ended_at IS NULL",
            (persona.email,),
        ).fetchall()
        assert rows, f"{persona.email} has no open session"
        for session_id, stored in rows:
            moved = datetime.fromisoformat(stored) - by
            text = moved.isoformat(sep="T" if "T" in stored else " ")
            db.execute("UPDATE web_sessions SET last_seen_at = ? WHERE id = ?", (text, session_id))


def last_seen(live_server: LiveServer, persona: Persona) -> datetime:
    with _db(live_server) as db:
        (stored,) = db.execute(
            "SELECT max(s.last_seen_at) FROM web_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = ? AND s.ended_at IS NULL",
            (persona.email,),
        ).fetchone()
    return datetime.fromisoformat(stored)


def log_in_on_this_page(page: Page, persona: Persona) -> None:
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mailadres").fill(persona.email)
    page.get_by_label("Wachtwoord").fill(persona.password)
    page.get_by_role("button", name="Inloggen", exact=True).click()


@pytest.fixture
def people(
    browser: Browser, base_url: str, live_server: LiveServer, request: pytest.FixtureRequest
):  # type: ignore[no-untyped-def]
    request.node.stash[_LOG_KEY] = (live_server.log_path, live_server.log_path.stat().st_size)
    opened = Actors(browser, base_url)
    yield opened
    opened.close()


def test_it_saves_an_answer_typed_after_the_session_expired_once_the_lead_logs_in_again(
    page: Page, base_url: str, live_server: LiveServer
) -> None:
    lead = PERSONAS["lead"]
    login_as(page, base_url, lead)
    assessment_id = start_assessment(page, base_url, new_title("Na de lunch"))
    section_url = f"{base_url}/assessments/{assessment_id}/sections/profile"
    page.goto(section_url)
    block = question(page, "plain_description")
    settled(block)
    age_sessions(live_server, lead, by=timedelta(hours=3))

    typed = "Getypt nadat de sessie was verlopen, en toch bewaard."
    field = block.locator("textarea")
    field.fill(typed)
    field.press("Tab")  # the change sends the autosave, which finds the session expired
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(flash(page)).to_contain_text(PARKED)
    assert_accessible(page, context_name="login page after the session expired (nl)")
    log_in_on_this_page(page, lead)

    expect(page).to_have_url(section_url)
    expect(flash(page)).to_have_text(RESUMED)
    expect(question(page, "plain_description").locator("textarea")).to_have_value(typed)
    with _db(live_server) as db:
        (stored,) = db.execute(
            "SELECT value_json FROM answers WHERE assessment_id = ? AND question_id = ?",
            (assessment_id, "plain_description"),
        ).fetchone()
    assert typed in stored


def test_it_saves_a_comment_sent_after_the_session_expired_once_the_member_logs_in_again(
    people: Actors, base_url: str, live_server: LiveServer
) -> None:
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, people.open("lead"))
    lead_submits(j)
    board = people.open("board")
    board.goto(j.review_url)
    qid = board.locator(".review-section .answers dt").first.evaluate("(el) => el.id.slice(2)")
    block = board.locator(f"#comments-{qid}")
    block.locator("details.add-comment > summary").click()
    text = "Een opmerking die na het verlopen van de sessie is verstuurd."
    block.locator(f"#new-comment-{qid}").fill(text)
    age_sessions(live_server, PERSONAS["board"], by=timedelta(hours=3))
    block.locator("form.comment-form button[type=submit]").click()

    log_in_on_this_page(board, PERSONAS["board"])
    expect(board).to_have_url(j.review_url)
    expect(flash(board)).to_have_text(RESUMED)
    thread = board.locator(f"#comments-{qid} .thread").filter(has_text=text)
    expect(thread).to_have_count(1)


def test_it_warns_before_the_session_expires_and_extends_it_by_keyboard(
    page: Page, base_url: str, live_server: LiveServer
) -> None:
    lead = PERSONAS["lead"]
    page.clock.install()
    login_as(page, base_url, lead)
    page.goto(f"{base_url}/assessments")
    warning = page.get_by_role("alertdialog", name="Uw sessie verloopt bijna")
    expect(warning).to_be_hidden()
    expires_in = int(page.locator("#session-warning").get_attribute("data-expires-in") or 0)
    warn_before = int(page.locator("#session-warning").get_attribute("data-warn-before") or 0)

    # The lead was away: shortly before expiry the warning appears with the focus on its button.
    page.clock.run_for((expires_in - warn_before + 10) * 1000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"om \d\d:\d\d"))
    stay = warning.get_by_role("button", name="Ingelogd blijven")
    expect(stay).to_be_focused()
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "session-warning-390", lang="nl")
    assert_accessible(page, context_name="session warning (nl, 390 px)")
    page.set_viewport_size({"width": 1280, "height": 900})
    stay.focus()  # axe's run may have moved it

    # On the server the session is nearly idle too long; Enter on the button extends it.
    age_sessions(live_server, lead, by=timedelta(minutes=50))
    before = last_seen(live_server, lead)
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    assert last_seen(live_server, lead) > before

    # Nobody answers the next warning: at expiry the page says so and offers the login.
    page.clock.run_for(expires_in * 1000 + 10_000)
    expired = page.get_by_role("alertdialog", name="U bent afgemeld")
    expect(expired).to_be_visible()
    expect(expired.get_by_role("link", name="Opnieuw inloggen")).to_be_focused()
    expect(expired.get_by_role("link", name="Opnieuw inloggen")).to_have_attribute(
        "href", "/login?next=/assessments"
    )


def test_it_keeps_a_busy_typist_logged_in_without_interrupting(
    page: Page, base_url: str, live_server: LiveServer
) -> None:
    lead = PERSONAS["lead"]
    page.clock.install()
    login_as(page, base_url, lead)
    page.goto(f"{base_url}/assessments/new")
    expires_in = int(page.locator("#session-warning").get_attribute("data-expires-in") or 0)
    warn_before = int(page.locator("#session-warning").get_attribute("data-warn-before") or 0)
    title = page.locator("main form input[type=text]").first
    page.clock.run_for((expires_in - warn_before - 30) * 1000)
    title.focus()
    page.keyboard.type("Schuldhulp")  # busy on the page, but nothing sent to the server yet
    before = last_seen(live_server, lead)
    page.clock.run_for(60_000)
    expect(page.locator("#session-warning")).to_be_hidden()
    expect(title).to_be_focused()
    expect(title).to_have_value("Schuldhulp")
    deadline = 200
    while last_seen(live_server, lead) <= before and deadline:
        page.wait_for_timeout(50)  # polling the database for a condition, not a fixed wait
        deadline -= 1
    assert last_seen(live_server, lead) > before
