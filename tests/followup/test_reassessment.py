"""Re-assessment of a signed assessment, on SQLite and PostgreSQL: the lead starts it, it is
linked to the signed one, uses the newest questionnaire, starts with the signed answers where
the questions allow, and the committee sees what changed against what it signed."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.assessments import answering, lifecycle, reassessing
from app.assessments.models import AnswerRevision, State
from app.audit.models import AuditEvent
from app.errors import Conflict, PermissionDenied
from app.questionnaires.registry import find_version
from tests.assessments.sample_v2 import CARRIED, DROPPED, INVALID, V1_ANSWERS, store_sample_v2
from tests.conftest import on_both_databases
from tests.followup.conftest import sign_with_conditions

engine = on_both_databases()


@pytest.fixture
def signed_v1(db, make_assessment, personas):  # type: ignore[no-untyped-def]
    """A sample assessment (version 1) answered with V1_ANSWERS and signed."""
    a = make_assessment()
    for qid, value in V1_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    sign_with_conditions(db, a, personas)
    return a


def test_it_starts_on_the_newest_version_with_the_signed_answers_that_still_fit(
    db, signed_v1, personas, tmp_path
):
    v2 = store_sample_v2(db, tmp_path / "q")
    started = reassessing.start_reassessment(db, previous=signed_v1, actor=personas["lead"])
    new = started.assessment
    assert new.previous_id == signed_v1.id and new.state == State.draft
    assert new.questionnaire_version_id == v2.id and new.title == signed_v1.title
    assert set(started.carried) == CARRIED
    assert set(started.not_carried) == INVALID | DROPPED
    assert set(answering.answer_values(db, new)) == CARRIED
    kinds = db.exec(select(AnswerRevision.kind).where(AnswerRevision.assessment_id == new.id)).all()
    assert set(kinds) == {reassessing.REASSESS_KIND}
    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "assessment.reassessment_started")
    ).one()
    details = json.loads(event.details_json)
    assert details["previous"] == signed_v1.reference and details["version"] == 2


def test_it_lets_only_the_lead_start_it_once_and_only_after_signing(
    db, signed_v1, submitted, personas
):
    with pytest.raises(PermissionDenied):
        reassessing.start_reassessment(db, previous=signed_v1, actor=personas["chair"])
    with pytest.raises(Conflict):
        reassessing.start_reassessment(db, previous=submitted, actor=personas["lead"])
    reassessing.start_reassessment(db, previous=signed_v1, actor=personas["lead"])
    with pytest.raises(Conflict):
        reassessing.start_reassessment(db, previous=signed_v1, actor=personas["lead"])


def test_it_links_the_assessments_of_one_project_into_a_chain(db, signed_v1, personas):
    second = reassessing.start_reassessment(
        db, previous=signed_v1, actor=personas["lead"]
    ).assessment
    assert [a.id for a in reassessing.chain_of(db, second)] == [signed_v1.id, second.id]
    assert [a.id for a in reassessing.chain_of(db, signed_v1)] == [signed_v1.id, second.id]


def test_it_shows_the_lead_the_button_and_then_the_new_assessment(login, signed_v1, db):
    lead = login("lead")
    page = lead.get(f"/assessments/{signed_v1.id}").text
    assert f'action="/assessments/{signed_v1.id}/reassess"' in page
    assert "1 januari 2028" in page  # the date the committee asked for
    response = lead.post_form(f"/assessments/{signed_v1.id}/reassess")
    assert response.status_code == 303
    new_page = lead.get(response.headers["location"]).text
    assert f"Dit is de herbeoordeling van {signed_v1.reference}." in new_page
    again = lead.get(f"/assessments/{signed_v1.id}").text
    assert 'action="/assessments/' + str(signed_v1.id) + '/reassess"' not in again
    assert "Deze beoordeling is opnieuw beoordeeld" in again


def test_it_shows_the_committee_what_changed_since_the_signed_assessment(
    login, signed_v1, personas, db
):
    new = reassessing.start_reassessment(db, previous=signed_v1, actor=personas["lead"]).assessment
    answering.save_answer(
        db,
        assessment=new,
        question_id="name",
        raw="Tellingen 2.0",
        base_version=None,
        actor=personas["lead"],
    )
    lifecycle.submit_assessment(db, assessment=new, actor=personas["lead"])
    db.commit()
    html = login("board").get(f"/committee/assessments/{new.id}").text
    assert f"Gewijzigd sinds de ondertekende beoordeling {signed_v1.reference}" in html
    assert "Tellingen 2.0" in html.split('id="diff-title"')[1].split("</section>")[0]


def test_the_api_starts_it_and_names_the_previous_assessment(api, signed_v1):
    response = api("lead").post(f"/api/v1/assessments/{signed_v1.id}/reassessment")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["previous_id"] == signed_v1.id and body["state"] == "draft"
    assert response.headers["Location"] == f"/api/v1/assessments/{body['id']}"
    twice = api("lead").post(f"/api/v1/assessments/{signed_v1.id}/reassessment")
    assert twice.status_code == 409


def test_two_starts_at_once_make_one_re_assessment(engine, tmp_path):
    """Two requests of the lead race (a double click on two machines): one re-assessment."""
    import threading

    from sqlmodel import Session

    from app.assessments.models import Assessment
    from app.users.models import User
    from tests.conftest import (
        COMPLETE_SAMPLE_ANSWERS,
        PERSONAS,
        build_database,
        create_postgres_database,
        drop_postgres_database,
    )

    sqlite = engine.dialect.name == "sqlite"
    url = f"sqlite:///{tmp_path / 'race.db'}" if sqlite else create_postgres_database()
    fresh = build_database(url)
    try:
        with Session(fresh, expire_on_commit=False) as s:
            users = {
                k: s.exec(select(User).where(User.email == p.email)).one()
                for k, p in PERSONAS.items()
            }
            a = lifecycle.create_assessment(
                s,
                actor=users["lead"],
                title="Race",
                department="D",
                description="x",
                questionnaire=find_version(s, "sample"),
            )
            for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
                answering.save_answer(
                    s,
                    assessment=a,
                    question_id=qid,
                    raw=value,
                    base_version=None,
                    actor=users["lead"],
                )
            lifecycle.submit_assessment(s, assessment=a, actor=users["lead"])
            sign_with_conditions(s, a, users)
            previous_id = a.id
        ready = threading.Barrier(2)
        outcomes: list[str] = []

        def start() -> None:
            with Session(fresh, expire_on_commit=False) as s:
                lead = s.exec(select(User).where(User.email == PERSONAS["lead"].email)).one()
                previous = s.get(Assessment, previous_id)
                s.commit()
                ready.wait(timeout=60)
                try:
                    reassessing.start_reassessment(s, previous=previous, actor=lead)
                    s.commit()
                    outcomes.append("started")
                except Conflict:
                    s.rollback()
                    outcomes.append("refused")

        threads = [threading.Thread(target=start) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(outcomes) == ["refused", "started"]
        with Session(fresh) as s:
            assert (
                len(s.exec(select(Assessment).where(Assessment.previous_id == previous_id)).all())
                == 1
            )
    finally:
        fresh.dispose()
        if not sqlite:
            drop_postgres_database(url)
