"""The committee's feedback as the authors see it on their own pages: the message sent with a
request for changes (while the assessment is back with them, and later in its history) and the
verdict per section. Through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import coauthoring
from tests.conftest import PERSONAS, on_both_databases

engine = on_both_databases()

MESSAGE = "Beschrijf <b>wie</b> de restrisico's accepteert.\nEn noem de bronnen."
TO_CORRECT = "Moet worden gecorrigeerd"  # the Dutch label of Verdict.to_correct
ACCEPTABLE = "Acceptabel"


def soup(response):
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


@pytest.fixture
def sent_back(login, submitted):
    """A board member commented, judged the profile 'to correct' and asked for changes with
    a message, all through the committee's pages."""
    board = login("board")
    base = f"/committee/assessments/{submitted.id}"
    assert (
        board.post_form(
            f"/assessments/{submitted.id}/comments",
            {"body": "Bronnen ontbreken", "question_id": "name"},
        ).status_code
        == 303
    )
    assert board.post_form(f"{base}/verdicts/profile", {"verdict": "to_correct"}).status_code == 303
    assert board.post_form(f"{base}/request-changes", {"note": MESSAGE}).status_code == 303
    return submitted


def _notice(page):
    return page.select_one("section.change-request")


def test_it_shows_the_committees_message_to_the_lead_while_the_assessment_is_back(login, sent_back):
    lead = login("lead")
    for url in (f"/assessments/{sent_back.id}", f"/assessments/{sent_back.id}/sections/profile"):
        notice = _notice(soup(lead.get(url)))
        assert notice is not None, url
        note = notice.select_one(".change-request__note").get_text()
        assert note.strip() == MESSAGE  # the whole message, as text
        assert notice.select_one(".change-request__note b") is None  # escaped, not markup
        assert PERSONAS["board"].name in notice.get_text()
        assert notice.select_one(f'a[href="/assessments/{sent_back.id}/comments"]') is not None


def test_it_shows_the_section_verdict_next_to_the_comments_on_the_section_page(login, sent_back):
    lead = login("lead")
    section = soup(lead.get(f"/assessments/{sent_back.id}/sections/profile"))
    verdict = section.select_one(".section-verdict--to_correct")
    assert verdict is not None and verdict.strong.get_text(strip=True) == TO_CORRECT
    assert "Bronnen ontbreken" in section.select_one("#comments-name").get_text()
    overview = soup(lead.get(f"/assessments/{sent_back.id}"))
    item = overview.select_one(
        f'.section-list li:has(a[href="/assessments/{sent_back.id}/sections/profile"])'
    )
    assert item.select_one(".section-verdict--to_correct").get_text(strip=True) == TO_CORRECT
    # A section without a verdict says nothing about one.
    other = soup(lead.get(f"/assessments/{sent_back.id}/sections/transparency"))
    assert other.select_one(".section-verdict") is None


def test_it_shows_the_same_feedback_to_a_coauthor(login, sent_back, db, personas):
    coauthoring.add_coauthor(
        db, assessment=sent_back, email=PERSONAS["lead2"].email, actor=personas["lead"]
    )
    db.commit()
    coauthor = login("lead2")
    page = soup(coauthor.get(f"/assessments/{sent_back.id}/sections/profile"))
    assert _notice(page).select_one(".change-request__note").get_text().strip() == MESSAGE
    assert page.select_one(".section-verdict--to_correct") is not None


def test_it_keeps_the_message_in_the_history_after_the_lead_submits_again(login, sent_back):
    lead = login("lead")
    assert lead.post_form(f"/assessments/{sent_back.id}/submit").status_code == 303
    page = soup(lead.get(f"/assessments/{sent_back.id}"))
    assert _notice(page) is None  # no longer back with the lead
    history = page.select_one("ul.change-requests")
    assert history is not None
    assert MESSAGE.splitlines()[0] in history.get_text()
    assert PERSONAS["board"].name in history.get_text()
    # The verdicts of the judged submission stay visible until the committee judges again.
    assert page.select_one(".section-verdict--to_correct") is not None
    board = login("board")
    assert (
        board.post_form(
            f"/committee/assessments/{sent_back.id}/verdicts/profile", {"verdict": "acceptable"}
        ).status_code
        == 303
    )
    page = soup(lead.get(f"/assessments/{sent_back.id}/sections/profile"))
    assert page.select_one(".section-verdict--to_correct") is None
    assert page.select_one(".section-verdict--acceptable strong").get_text() == ACCEPTABLE


def test_it_says_so_when_the_committee_sent_it_back_without_a_message(login, submitted):
    board = login("board")
    board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Zie hier", "question_id": "name"}
    )
    assert (
        board.post_form(f"/committee/assessments/{submitted.id}/request-changes", {}).status_code
        == 303
    )
    notice = _notice(soup(login("lead").get(f"/assessments/{submitted.id}")))
    assert notice is not None and notice.select_one(".change-request__note") is None
    assert PERSONAS["board"].name in notice.get_text()


def test_it_shows_nothing_of_the_feedback_to_another_lead(login, sent_back):
    other = login("lead2")
    for url in (f"/assessments/{sent_back.id}", f"/assessments/{sent_back.id}/sections/profile"):
        response = other.get(url)
        assert response.status_code == 403, url
        assert "restrisico" not in response.text
        assert TO_CORRECT not in response.text


@pytest.mark.parametrize("persona", ["board", "auditor"])
def test_it_shows_the_feedback_to_readers_of_the_assessment(login, sent_back, persona):
    page = soup(login(persona).get(f"/assessments/{sent_back.id}"))
    assert _notice(page).select_one(".change-request__note").get_text().strip() == MESSAGE
