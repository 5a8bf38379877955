"""What the project lead sees of the committee's work once the advice is signed: the outcome,
the summary, the conditions with owner and due date, a link to download the signed report and
its verification page, from the notification to the assessment's own page; and no more
co-authors on an archived assessment. Signed for real through the chair's page, on SQLite and
PostgreSQL (a committed database of its own per engine, as signing needs real commits)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlmodel import func, select

from app.assessments.models import Assessment, AssessmentEditor, State
from app.formatting import day
from app.reports.models import Report
from tests.conftest import (
    PASSWORD,
    PERSONAS,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import CONDITIONS, World, build_world, drive_to_advice

CONDITIONAL = "Positief onder voorwaarden"  # the Dutch label of Outcome.conditional
SUMMARY = "De commissie adviseert positief onder voorwaarden."  # as drive_to_advice writes it


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def lead_world(request, tmp_path_factory, pki) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    world = build_world(Path(tmp_path_factory.mktemp("lead-advice")), url)
    yield world
    world.engine.dispose()
    if url:
        drop_postgres_database(url)


@pytest.fixture(scope="module")
def archived(lead_world: World) -> tuple[int, str]:
    """An assessment whose conditional advice the chair signed through the advice page."""
    assessment_id = drive_to_advice(lead_world, title="Lead ziet het advies")
    with lead_world.login("chair") as chair:
        response = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
    assert response.status_code == 303, response.text
    with lead_world.session() as session:
        a = session.get(Assessment, assessment_id)
        assert a is not None and a.state == State.archived
        return assessment_id, a.reference


def page_of(client, url: str) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "lxml")


def test_it_shows_the_lead_the_outcome_summary_and_conditions(lead_world, archived):
    assessment_id, _reference = archived
    with lead_world.login("lead") as lead:
        advice = page_of(lead, f"/assessments/{assessment_id}").select_one("section.advice-summary")
    assert advice is not None
    assert advice.select_one(".advice-outcome").get_text(strip=True) == CONDITIONAL
    assert SUMMARY in advice.get_text()
    items = [li.get_text(" ", strip=True) for li in advice.select("ol.conditions li")]
    (text1, owner1, due1), (text2, owner2, _no_due) = CONDITIONS
    assert items == [
        f"{text1} — eigenaar: {owner1}, uiterlijk {day(due1, 'nl')}",
        f"{text2} — eigenaar: {owner2}",
    ]
    assert "1 januari 2028" in advice.get_text()  # re-assess on


def test_it_lets_the_lead_download_the_signed_report_from_the_page(lead_world, archived):
    assessment_id, reference = archived
    with lead_world.session() as session:
        stored = session.exec(select(Report).where(Report.assessment_id == assessment_id)).one()
    with lead_world.login("lead") as lead:
        page = page_of(lead, f"/assessments/{assessment_id}")
        link = page.select_one("section.advice-summary a[href$='report.pdf']")
        assert link is not None
        response = lead.get(link["href"])
        assert response.status_code == 200
        assert response.content == bytes(stored.pdf)
        assert f'filename="{reference}-advies.pdf"' in response.headers["content-disposition"]
        verify = page.select_one("section.advice-summary a.verify-link")
        assert verify["href"] == f"/verify?reference={reference}"
        assert verify.get_text(strip=True).endswith(f"/verify?reference={reference}")
        assert lead.get(verify["href"]).status_code == 200


def test_it_links_the_notification_of_the_signed_advice_to_this_page(lead_world, archived):
    assessment_id, reference = archived
    with lead_world.login("lead") as lead:
        notifications = page_of(lead, "/notifications")
        link = notifications.find("a", string=f"Advies over {reference} is ondertekend")
        assert link is not None and link["href"] == f"/assessments/{assessment_id}"
        target = page_of(lead, link["href"])
    assert target.select_one("section.advice-summary .advice-outcome") is not None


def test_it_offers_no_coauthor_form_and_refuses_a_coauthor_on_an_archived_assessment(
    lead_world, archived
):
    assessment_id, _reference = archived
    with lead_world.login("lead") as lead:
        page = page_of(lead, f"/assessments/{assessment_id}")
        assert page.select_one(f'form[action="/assessments/{assessment_id}/coauthors"]') is None
        assert page.select_one("#f-coauthor") is None
        refused = lead.post_form(
            f"/assessments/{assessment_id}/coauthors", {"email": PERSONAS["lead2"].email}
        )
        assert refused.status_code == 409
        assert "Traceback" not in refused.text
        message = BeautifulSoup(refused.text, "lxml").get_text(" ", strip=True)
        assert "Medeauteurs kunt u alleen wijzigen zolang de beoordeling een concept is" in message
        json_refusal = lead.post_form(
            f"/assessments/{assessment_id}/coauthors",
            {"email": PERSONAS["lead2"].email},
            headers={"Accept": "application/json"},
        )
        assert json_refusal.status_code == 409
    with lead_world.session() as session:
        editors = session.exec(
            select(func.count()).where(AssessmentEditor.assessment_id == assessment_id)
        ).one()
    assert editors == 0


def test_it_keeps_the_advice_from_another_lead(lead_world, archived):
    assessment_id, _reference = archived
    with lead_world.login("lead2") as other:
        response = other.get(f"/assessments/{assessment_id}")
        assert response.status_code == 403
        assert SUMMARY not in response.text and CONDITIONS[0][0] not in response.text
        assert other.get(f"/assessments/{assessment_id}/report.pdf").status_code == 403


@pytest.mark.parametrize("persona", ["board", "chair", "auditor"])
def test_it_shows_the_advice_to_the_committee_and_auditors(lead_world, archived, persona):
    assessment_id, _reference = archived
    with lead_world.login(persona) as reader:
        advice = page_of(reader, f"/assessments/{assessment_id}").select_one(
            "section.advice-summary"
        )
    assert advice is not None and SUMMARY in advice.get_text()


def test_it_shows_a_final_advice_before_it_is_signed_without_a_download(lead_world):
    assessment_id = drive_to_advice(lead_world, title="Nog niet ondertekend", comment=None)
    with lead_world.login("lead") as lead:
        advice = page_of(lead, f"/assessments/{assessment_id}").select_one("section.advice-summary")
    assert advice is not None
    assert advice.select_one(".advice-outcome").get_text(strip=True) == CONDITIONAL
    assert advice.select_one("a[href$='report.pdf']") is None
