"""A whole review round trip through the services: comments, change request, resubmission with
a diff, verdicts, advice with conditions, opinions and finalisation."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.assessments import answering, coauthoring, lifecycle, reading
from app.assessments.models import State, StateChange
from app.audit.models import AuditEvent
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.notifications.models import Notification
from app.reviews import advising, commenting, intake, judging
from app.reviews.models import Advice
from app.users.models import Role
from tests.conftest import COMPLETE_SAMPLE_ANSWERS

BOARD = {Role.board}
CHAIR = {Role.chair, Role.board}


def _fill(db, a, user, answers):
    for qid, value in answers.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=user
        )


@pytest.fixture
def submitted(db, make_assessment, personas):
    a = make_assessment()
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    return a


def _conditions(*rows):
    return [advising.ConditionInput(*row) for row in rows]


def test_it_notifies_the_committee_of_a_submission(db, submitted, personas):
    kinds = {(n.user_id, n.kind) for n in db.exec(select(Notification)).all()}
    assert (personas["board"].id, "submitted") in kinds and (
        personas["chair"].id,
        "submitted",
    ) in kinds
    assert all(uid != personas["lead"].id for uid, _ in kinds)


def test_it_requires_a_comment_before_changes_are_requested(db, submitted, personas):
    with pytest.raises(Conflict):
        judging.request_changes(db, assessment=submitted, actor=personas["board"], roles=BOARD)
    assert submitted.state == State.submitted


def test_it_runs_a_review_round_trip_with_a_diff_of_the_resubmission(db, submitted, personas):
    board, lead = personas["board"], personas["lead"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    assert submitted.state == State.in_review and submitted.rapporteur_id == board.id
    comment = commenting.add_comment(
        db,
        assessment=submitted,
        actor=board,
        roles=BOARD,
        body="Waarom is dit niet openbaar?",
        question_id="published",
    )
    judging.set_verdict(
        db,
        assessment=submitted,
        actor=board,
        roles=BOARD,
        section_id="transparency",
        verdict="needs_improvement",
    )
    judging.request_changes(
        db, assessment=submitted, actor=board, roles=BOARD, note="Graag aanvullen"
    )
    assert submitted.state == State.changes_requested
    assert db.exec(
        select(Notification).where(
            Notification.user_id == lead.id, Notification.kind == "changes_requested"
        )
    ).first()
    reply = commenting.add_comment(
        db,
        assessment=submitted,
        actor=lead,
        roles={Role.lead},
        body="Aangepast.",
        parent_id=comment.id,
    )
    assert reply.question_id == "published"
    answering.save_answer(
        db, assessment=submitted, question_id="published", raw="no", base_version=None, actor=lead
    )
    second = lifecycle.submit_assessment(db, assessment=submitted, actor=lead)
    assert second.number == 2 and submitted.state == State.submitted
    first = reading.submissions_of(db, submitted)[0]
    changes = judging.diff_snapshots(
        json.loads(first.snapshot_json), json.loads(second.snapshot_json)
    )
    assert [(c.question_id, c.before, c.after) for c in changes] == [("published", "yes", "no")]
    threads = commenting.threads(db, submitted)
    assert (
        threads[0].comment.body == "Waarom is dit niet openbaar?"
        and threads[0].replies[0][0].body == "Aangepast."
    )
    moves = [
        (h.from_state, h.to_state)
        for h in db.exec(select(StateChange).where(StateChange.assessment_id == submitted.id)).all()
    ]
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "changes_requested"),
        ("changes_requested", "submitted"),
    ]


def test_it_refuses_review_acts_by_authors_and_by_leads(db, submitted, personas):
    for actor, roles in (
        (personas["lead"], {Role.lead}),
        (personas["lead2"], {Role.lead}),
        (personas["auditor"], {Role.auditor}),
    ):
        with pytest.raises(PermissionDenied):
            commenting.add_comment(db, assessment=submitted, actor=actor, roles=roles, body="x")
        with pytest.raises(PermissionDenied):
            judging.set_verdict(
                db,
                assessment=submitted,
                actor=actor,
                roles=roles,
                section_id="profile",
                verdict="acceptable",
            )


def test_it_refuses_a_committee_member_who_coauthors_or_declared_a_conflict(
    db, make_assessment, personas
):
    a = make_assessment()
    coauthoring.add_coauthor(
        db, assessment=a, email=personas["board"].email, actor=personas["lead"]
    )
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    with pytest.raises(PermissionDenied) as excinfo:
        intake.claim_rapporteur(db, assessment=a, actor=personas["board"], roles=BOARD)
    assert "medeauteur" in excinfo.value.detail
    intake.declare_conflict(
        db, assessment=a, actor=personas["chair"], roles=CHAIR, reason="Familie"
    )
    with pytest.raises(PermissionDenied):
        commenting.add_comment(db, assessment=a, actor=personas["chair"], roles=CHAIR, body="x")


def _advise(db, a, actor, roles=BOARD, **overrides):
    args = dict(
        outcome="conditional",
        summary="Ga door onder voorwaarden.",
        rationale={"transparent": "Open genoeg."},
        conditions=_conditions(("Publiceer de broncode", "Team Data", "2027-01-31")),
        reassess_on="2027-06-30",
    )
    args.update(overrides)
    return advising.save_advice(db, assessment=a, actor=actor, roles=roles, **args)


def test_it_drafts_advice_collects_opinions_and_lets_only_the_chair_finalise(
    db, submitted, personas
):
    board, chair = personas["board"], personas["chair"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    advice = _advise(db, submitted, board)
    assert submitted.state == State.advice_drafted and advice.round == 1
    assert [(c.number, c.owner) for c in advising.conditions_of(db, advice)] == [(1, "Team Data")]
    with pytest.raises(InvalidInput):
        advising.record_opinion(
            db, assessment=submitted, actor=board, roles=BOARD, stance="disagree", note=""
        )
    advising.record_opinion(
        db, assessment=submitted, actor=board, roles=BOARD, stance="disagree", note="Te mild"
    )
    advising.record_opinion(
        db, assessment=submitted, actor=chair, roles=CHAIR, stance="agree", note=""
    )
    stances = {name: o.stance for o, name in advising.opinions_of(db, advice)}
    assert stances == {board.name: "disagree", chair.name: "agree"}
    with pytest.raises(PermissionDenied):
        advising.finalise_advice(db, assessment=submitted, actor=board, roles=BOARD)
    advising.finalise_advice(db, assessment=submitted, actor=chair, roles=CHAIR)
    with pytest.raises(Conflict):
        _advise(db, submitted, board, summary="Toch anders")
    with pytest.raises(Conflict):
        advising.record_opinion(
            db, assessment=submitted, actor=board, roles=BOARD, stance="agree", note=""
        )
    assert db.exec(
        select(Notification).where(
            Notification.kind == "advice_finalised", Notification.user_id == personas["lead"].id
        )
    ).first()


def test_it_corrects_final_advice_in_a_new_round_that_keeps_the_old_one(db, submitted, personas):
    chair = personas["chair"]
    _advise(db, submitted, chair, roles=CHAIR)
    advising.finalise_advice(db, assessment=submitted, actor=chair, roles=CHAIR)
    new = advising.start_new_round(db, assessment=submitted, actor=chair, roles=CHAIR)
    assert new.round == 2 and new.finalised_at is None
    _advise(
        db, submitted, chair, roles=CHAIR, outcome="negative", conditions=[], summary="Niet doen"
    )
    rounds = advising.advice_rounds(db, submitted)
    assert [(r.round, r.outcome, r.superseded_at is not None) for r in rounds] == [
        (1, "conditional", True),
        (2, "negative", False),
    ]


def test_it_validates_advice_and_saves_nothing_when_it_is_wrong(db, submitted, personas):
    board = personas["board"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    with pytest.raises(InvalidInput) as excinfo:
        _advise(
            db,
            submitted,
            board,
            outcome="maybe",
            summary="",
            conditions=_conditions(("", "", "not-a-date")),
        )
    assert {
        "outcome",
        "summary",
        "condition-1-text",
        "condition-1-owner",
        "condition-1-due",
    } <= set(excinfo.value.fields)
    with pytest.raises(InvalidInput) as excinfo:
        _advise(db, submitted, board, conditions=[])
    assert "conditions" in excinfo.value.fields
    assert db.exec(select(Advice).where(Advice.assessment_id == submitted.id)).first() is None
    assert submitted.state == State.in_review


def test_it_limits_and_keeps_comment_text_as_text(db, submitted, personas):
    with pytest.raises(InvalidInput):
        commenting.add_comment(
            db, assessment=submitted, actor=personas["board"], roles=BOARD, body="x" * 5001
        )
    with pytest.raises(InvalidInput):
        commenting.add_comment(
            db, assessment=submitted, actor=personas["board"], roles=BOARD, body="   "
        )
    c = commenting.add_comment(
        db,
        assessment=submitted,
        actor=personas["board"],
        roles=BOARD,
        body="<script>alert(1)</script>",
    )
    assert c.body == "<script>alert(1)</script>"  # stored as typed; escaped when shown


def test_it_records_every_committee_act_in_the_audit_trail(db, submitted, personas):
    board = personas["board"]
    intake.claim_rapporteur(db, assessment=submitted, actor=board, roles=BOARD)
    commenting.add_comment(db, assessment=submitted, actor=board, roles=BOARD, body="Vraag")
    _advise(db, submitted, board)
    actions = [
        e.action
        for e in db.exec(select(AuditEvent).where(AuditEvent.assessment_id == submitted.id)).all()
    ]
    for expected in (
        "assessment.submit",
        "assessment.start_review",
        "review.rapporteur_claimed",
        "review.comment_added",
        "assessment.draft_advice",
        "advice.saved",
    ):
        assert expected in actions
