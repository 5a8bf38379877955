"""The contact address of the algorithm register (`contact_email` of the Haarlem questionnaire)
must be an e-mail address: on the section page and through the API, with a clear message."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import answering
from app.assessments.lifecycle import create_assessment
from app.config import ROOT
from app.i18n import use_locale
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.loader import load_file
from app.questionnaires.registry import find_version, sync_questionnaires
from tests.conftest import on_both_databases

engine = on_both_databases()

NOT_AN_ADDRESS = "vroegsignalering haarlem"
DUTCH = "Vul een e-mailadres in, zoals team@voorbeeld.nl."
ENGLISH = "Enter an e-mail address, such as team@example.nl."
HAARLEM = ROOT / "questionnaires" / "haarlem-datawaarden" / "v1.yaml"


def _contact_question():
    q = load_file(HAARLEM).definition
    return next(x for s in q.sections for x in s.questions if x.id == "contact_email")


@pytest.mark.parametrize(
    "value", [NOT_AN_ADDRESS, "vroegsignalering@", "@haarlem.nl", "a@b@haarlem.nl", "team@haarlem"]
)
def test_it_refuses_a_contact_address_that_is_no_e_mail_address(value):
    with use_locale("nl"), pytest.raises(AnswerInvalid) as nl:
        validate_answer(_contact_question(), value)
    with use_locale("en"), pytest.raises(AnswerInvalid) as en:
        validate_answer(_contact_question(), value)
    assert nl.value.message == DUTCH and en.value.message == ENGLISH


def test_it_keeps_a_real_contact_address_and_an_empty_answer():
    question = _contact_question()
    assert (
        validate_answer(question, " vroegsignalering@haarlem.nl ") == "vroegsignalering@haarlem.nl"
    )
    assert validate_answer(question, "") is None


@pytest.fixture
def haarlem_assessment(db, personas):
    sync_questionnaires(db, ROOT / "questionnaires")
    assessment = create_assessment(
        db,
        actor=personas["lead"],
        title="Vroegsignalering schulden",
        department="Sociaal domein",
        description="Signalen van betalingsachterstanden.",
        questionnaire=find_version(db, "haarlem-datawaarden"),
    )
    db.commit()
    return assessment


def test_it_shows_the_message_next_to_the_field_on_the_section_page(login, haarlem_assessment, db):
    a = haarlem_assessment
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/sections/profile",
        {"a-contact_email": NOT_AN_ADDRESS, "go": "stay"},
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "lxml")
    field = page.select_one("#a-contact_email")
    assert field["aria-invalid"] == "true" and field["value"] == NOT_AN_ADDRESS
    link = page.select_one("#error-summary a[href='#a-contact_email']")
    assert link is not None and DUTCH in link.get_text(" ", strip=True)
    assert "contact_email" not in page.select_one("#error-summary").get_text(" ")
    assert "contact_email" not in answering.answer_values(db, a)


def test_it_answers_the_api_with_a_422_problem_naming_the_field(api, haarlem_assessment, db):
    a = haarlem_assessment
    response = api("lead").put(
        f"/api/v1/assessments/{a.id}/answers/contact_email",
        json={"value": NOT_AN_ADDRESS, "base_version": 0},
        headers={"Accept-Language": "nl"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert DUTCH in (body["detail"], *(e["message"] for e in body.get("errors", [])))
    ok = api("lead").put(
        f"/api/v1/assessments/{a.id}/answers/contact_email",
        json={"value": "vroegsignalering@haarlem.nl", "base_version": 0},
    )
    assert ok.status_code == 200, ok.text
    assert answering.answer_values(db, a)["contact_email"] == "vroegsignalering@haarlem.nl"
