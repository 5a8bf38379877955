"""Page titles that say where one is (WCAG 2.4.2) and read-only views that offer no changes."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.assessments import answering, lifecycle
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, on_both_databases

engine = on_both_databases()


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "lxml")


def test_it_names_the_page_and_datawaarden_in_every_title(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    titles = [
        _page(lead.get(url)).title.get_text()
        for url in ("/", "/assessments", f"/assessments/{a.id}", f"/assessments/{a.id}/audit")
    ]
    assert all(t.count("Datawaarden") == 1 for t in titles), titles
    assert titles[3].startswith("Audittrail · ")
    missing = _page(lead.get("/no-such-page"))
    assert "Datawaarden" in missing.title.get_text()
    assert missing.title.get_text() != titles[0]


def test_it_shows_a_submitted_assessment_read_only_without_change_links(
    login, make_assessment, db, personas
):
    a = make_assessment()
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    before = _page(login("lead").get(f"/assessments/{a.id}/review"))
    assert before.h1.get_text().startswith("Controleren en indienen")
    assert before.select("h2 a[href*='/sections/']")
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    db.commit()
    for persona in ("lead", "auditor"):
        page = _page(login(persona).get(f"/assessments/{a.id}/review"))
        assert page.h1.get_text().startswith("Alle antwoorden"), persona
        assert page.title.get_text().startswith("Alle antwoorden")
        assert page.select("h2 a[href*='/sections/']") == []
        assert page.select_one("form.submit-form") is None
        assert page.select_one("h1 [lang]")["lang"] == a.locale
