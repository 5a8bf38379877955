"""What a lead sees of a "don't know" that decides obligations: the panel says what to find
out and links to the question, the review page lists it, and submitting is refused with it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import answering, lifecycle
from app.questionnaires.registry import find_version
from tests.conftest import on_both_databases

engine = on_both_databases()


@pytest.fixture
def draft(db, personas):
    a = lifecycle.create_assessment(
        db,
        actor=personas["lead"],
        title="Vragenbot afvalkalender",
        department="Stadsbeheer",
        description="Beantwoordt vragen over de afvalkalender.",
        questionnaire=find_version(db, "deciding"),
    )
    answers = {
        "ai": "unknown",
        "kind": "rules",
        "hosting": "inside",
        "criteria": ["scoring", "matching"],
        "forbidden": "no",
    }
    for qid, value in answers.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    db.commit()
    return a


def soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


def test_the_panel_says_what_to_find_out_links_to_the_question_and_names_what_fired(login, draft):
    page = soup(login("lead").get(f"/assessments/{draft.id}/sections/facts"))
    [clarify] = page.select("#decision-support .obligation--clarify")
    text = clarify.get_text(" ", strip=True)
    assert text.startswith("Uitzoeken: Zoek uit of het AI is")
    assert "Bij ‘Ja’ zou hieruit volgen: AI-geletterdheid; Registreer" in text
    assert "Vraag het de algoritme-adviseur." in text
    assert clarify.select_one("a.obligation__find")["href"] == f"/assessments/{draft.id}/find/ai"
    [assessment] = [
        o for o in page.select("#decision-support .obligation") if "Effectbeoordeling" in o.text
    ]
    because = assessment.select_one("ul.because").get_text(" ", strip=True)
    assert "Criterium: scoren." in because and "Criterium: koppelen." in because
    assert "Criterium: kwetsbaar." not in because


def test_the_review_page_lists_what_is_still_to_find_out(login, draft):
    page = soup(login("lead").get(f"/assessments/{draft.id}/review"))
    links = page.select("#to-find-out a")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [
        ("Zoek uit of het AI is", f"/assessments/{draft.id}/find/ai")
    ]


def test_submitting_is_refused_with_what_to_find_out_and_nothing_is_submitted(login, draft, db):
    lead = login("lead")
    response = lead.post_form(f"/assessments/{draft.id}/submit", {})
    assert response.status_code == 422
    page = soup(response)
    assert "Eén antwoord moet nog worden uitgezocht" in page.get_text(" ", strip=True)
    assert page.select_one("#to-find-out a")["href"].endswith("/find/ai")
    db.refresh(draft)
    assert draft.state == "draft"
