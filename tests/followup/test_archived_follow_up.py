"""On a report signed through the page (the real signing path): the follow-up starts, the
archive shows it next to the report as signed, the signed report and its binding stay intact
while conditions move, and the archive shows the chain of the project's assessments."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.assessments.models import Assessment
from app.db import session_scope
from app.reviews.models import AdviceCondition, ConditionFollowUp
from tests.conftest import PASSWORD
from tests.reports.conftest import build_world, drive_to_advice


@pytest.fixture(scope="module")
def world(tmp_path_factory, dev_pki):  # type: ignore[no-untyped-def]
    built = build_world(tmp_path_factory.mktemp("follow-up-db"))
    assessment_id = drive_to_advice(built, title="Tellingen met voorwaarden")
    with built.login("chair") as chair:
        signed = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
        assert signed.status_code == 303
    built.assessment_id = assessment_id  # type: ignore[attr-defined]
    yield built
    built.engine.dispose()


def test_it_follows_up_every_condition_of_a_report_signed_through_the_page(world):
    with session_scope(world.engine) as session:
        a = session.get(Assessment, world.assessment_id)
        rows = session.exec(
            select(ConditionFollowUp).where(ConditionFollowUp.assessment_id == a.id)
        ).all()
        conditions = session.exec(select(AdviceCondition)).all()
    assert a.state == "archived"
    assert len(rows) == 2 and {r.status for r in rows} == {"open"}
    assert {r.condition_id for r in rows} <= {c.id for c in conditions}


def test_the_archive_shows_the_follow_up_beside_the_signed_report_and_the_chain(world):
    with session_scope(world.engine) as session:
        first = session.exec(
            select(ConditionFollowUp.condition_id)
            .where(ConditionFollowUp.assessment_id == world.assessment_id)
            .order_by(ConditionFollowUp.condition_id)
        ).first()
    follow_up = f"/assessments/{world.assessment_id}/follow-up"
    with world.login("lead") as lead:
        reported = lead.post_form(
            f"{follow_up}/{first}", {"action": "report", "note": "Staat in het register."}
        )
        assert reported.status_code == 303
        started = lead.post_form(f"/assessments/{world.assessment_id}/reassess")
        assert started.status_code == 303
    with world.login("auditor") as auditor:
        soup = BeautifulSoup(auditor.get(f"/archive/{world.assessment_id}").text, "lxml")
    # The report still verifies: following up changes nothing that was signed.
    assert "verdict-box--ok" in soup.select_one(".verdict-box")["class"]
    statuses = [s.get_text() for s in soup.select(".follow-up-summary .status")]
    assert statuses == ["Gemeld als uitgevoerd", "Open"]
    chain = soup.select_one(".project-chain").get_text(" ", strip=True)
    assert "(deze beoordeling)" in chain and "concept" in chain
