"""Co-authors: only while the authors may edit, never someone who acted for the committee, and
a form that does not reveal who has an account. Through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.assessments import answering, coauthoring, lifecycle
from app.assessments.models import AssessmentEditor, State
from app.notifications.models import Notification
from app.reviews import advising, commenting, intake, judging
from app.users.models import Role
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, on_both_databases

engine = on_both_databases()
BOARD = {Role.board}
CHAIR = {Role.chair, Role.board}


def _submit(db, a, personas):
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])


@pytest.fixture
def advice_drafted(db, make_assessment, personas):
    a = make_assessment()
    _submit(db, a, personas)
    intake.claim_rapporteur(db, assessment=a, actor=personas["board"], roles=BOARD)
    advising.save_advice(
        db,
        assessment=a,
        actor=personas["board"],
        roles=BOARD,
        outcome="positive",
        summary="Ga door.",
        rationale={},
        conditions=[],
        reassess_on="",
    )
    advising.record_opinion(
        db, assessment=a, actor=personas["chair"], roles=CHAIR, stance="agree", note=""
    )
    db.commit()
    assert a.state == State.advice_drafted
    return a


@pytest.fixture
def sent_back(db, make_assessment, personas):
    """Back with the authors after the board member commented and asked for changes."""
    a = make_assessment()
    _submit(db, a, personas)
    commenting.add_comment(
        db, assessment=a, actor=personas["board"], roles=BOARD, body="Graag aanvullen."
    )
    judging.request_changes(db, assessment=a, actor=personas["board"], roles=BOARD)
    db.commit()
    assert a.state == State.changes_requested
    return a


def _editors(db, a) -> set[int]:
    db.expire_all()
    rows = db.exec(select(AssessmentEditor).where(AssessmentEditor.assessment_id == a.id))
    return {r.user_id for r in rows.all()}


def test_it_refuses_to_add_the_chair_once_the_committee_has_the_assessment(
    login, db, advice_drafted, personas
):
    response = login("lead").post_form(
        f"/assessments/{advice_drafted.id}/coauthors", {"email": "chair@example.org"}
    )
    assert response.status_code == 409
    assert "concept" in response.text or "draft" in response.text
    assert _editors(db, advice_drafted) == set()
    advising.finalise_advice(  # the chair can still finalise
        db, assessment=advice_drafted, actor=personas["chair"], roles=CHAIR
    )


def test_it_refuses_to_remove_a_coauthor_once_submitted(login, db, make_assessment, personas):
    a = make_assessment()
    coauthoring.add_coauthor(db, assessment=a, email="lead2@example.org", actor=personas["lead"])
    _submit(db, a, personas)
    db.commit()
    response = login("lead").post_form(
        f"/assessments/{a.id}/coauthors/{personas['lead2'].id}/remove", {}
    )
    assert response.status_code == 409
    assert _editors(db, a) == {personas["lead2"].id}


def test_it_refuses_a_committee_member_who_acted_on_the_assessment(login, db, sent_back, personas):
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{sent_back.id}/coauthors", {"email": "board@example.org"}
    )
    assert response.status_code == 409
    assert personas["board"].name in response.text
    assert _editors(db, sent_back) == set()
    # The chair has not acted on it, so may help the authors (and then cannot review it).
    ok = lead.post_form(f"/assessments/{sent_back.id}/coauthors", {"email": "chair@example.org"})
    assert ok.status_code == 303
    assert _editors(db, sent_back) == {personas["chair"].id}


def _flash_after(client, response) -> str:
    assert response.status_code == 303, response.text
    page = BeautifulSoup(client.get(response.headers["location"]).text, "lxml")
    return page.select_one(".flash, [role=status]").get_text(" ", strip=True)


def test_it_answers_alike_whether_or_not_an_address_has_an_account(
    login, db, make_assessment, personas
):
    a = make_assessment()
    lead = login("lead")
    url = f"/assessments/{a.id}/coauthors"
    known = _flash_after(lead, lead.post_form(url, {"email": "lead2@example.org"}))
    unknown = _flash_after(lead, lead.post_form(url, {"email": "nobody@example.org"}))
    assert known.replace("lead2@example.org", "@") == unknown.replace("nobody@example.org", "@")
    assert _editors(db, a) == {personas["lead2"].id}


def test_it_tells_the_person_who_was_added(login, db, make_assessment, personas):
    a = make_assessment()
    login("lead").post_form(f"/assessments/{a.id}/coauthors", {"email": "LEAD2@example.org "})
    db.expire_all()
    told = db.exec(
        select(Notification).where(
            Notification.user_id == personas["lead2"].id, Notification.kind == "coauthor_added"
        )
    ).all()
    assert len(told) == 1 and told[0].assessment_id == a.id


def test_it_asks_for_an_address_when_none_is_given(login, make_assessment):
    a = make_assessment()
    response = login("lead").post_form(f"/assessments/{a.id}/coauthors", {"email": "  "})
    assert response.status_code == 422
