"""The API: the committee's comments, verdicts, change requests, advice and opinions."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.api.common import (
    new_router,
    visible_for,
)
from app.api.deps import ApiUser
from app.api.schemas import (
    AdviceIn,
    AdviceOut,
    ChangesIn,
    CommentIn,
    CommentList,
    CommentOut,
    ConditionIn,
    OpinionIn,
    OpinionOut,
    StateOut,
    VerdictIn,
    VerdictOut,
)
from app.deps import ObjectId, SessionDep, current_roles
from app.reviews import advising, commenting, judging

router = new_router()


def _comment_out(c: Any, author: str) -> CommentOut:
    return CommentOut(
        id=c.id,
        question_id=c.question_id,
        parent_id=c.parent_id,
        author=author,
        body=c.body,
        created_at=c.created_at,
        resolved=c.resolved_at is not None,
    )


@router.get(
    "/assessments/{assessment_id}/comments",
    summary="Comments and replies",
    response_model=CommentList,
)
def list_comments(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> CommentList:
    """The committee's comments and the authors' replies, per question or on the whole
    assessment."""
    a = visible_for(request, session, user, assessment_id)
    items = []
    for t in commenting.threads(session, a):
        items.append(_comment_out(t.comment, t.author))
        items.extend(_comment_out(r, name) for r, name in t.replies)
    return CommentList(items=items)


@router.post(
    "/assessments/{assessment_id}/comments",
    summary="Add a comment or a reply",
    status_code=201,
    response_model=CommentOut,
)
def add_comment(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId, body: CommentIn
) -> CommentOut:
    """A comment by a committee member, or a reply by an author or member; `parent_id` makes it
    a reply."""
    a = visible_for(request, session, user, assessment_id)
    c = commenting.add_comment(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        body=body.body,
        question_id=body.question_id,
        parent_id=body.parent_id,
    )
    return _comment_out(c, user.name)


@router.put(
    "/assessments/{assessment_id}/verdicts/{section_id}",
    summary="Verdict on a section",
    response_model=VerdictOut,
)
def put_verdict(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    section_id: str,
    body: VerdictIn,
) -> VerdictOut:
    """A committee member's verdict on one section: acceptable, needs improvement or to correct."""
    a = visible_for(request, session, user, assessment_id)
    v = judging.set_verdict(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        section_id=section_id[:100],
        verdict=body.verdict,
    )
    return VerdictOut(section_id=v.section_id, verdict=v.verdict)


@router.post(
    "/assessments/{assessment_id}/request-changes",
    summary="Send back to the authors",
    response_model=StateOut,
)
def request_changes(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId, body: ChangesIn
) -> StateOut:
    """Send the assessment back to its authors with a note; they answer again and resubmit."""
    a = visible_for(request, session, user, assessment_id)
    judging.request_changes(
        session, assessment=a, actor=user, roles=current_roles(request), note=body.note
    )
    return StateOut(reference=a.reference, state=a.state, version=a.version)


def _advice_out(session: Session, advice: Any) -> AdviceOut:
    return AdviceOut(
        round=advice.round,
        outcome=advice.outcome,
        summary=advice.summary,
        rationale=json.loads(advice.rationale_json),
        conditions=[
            ConditionIn(text=c.text, owner=c.owner, due_on=c.due_on, owner_email=c.owner_email)
            for c in advising.conditions_of(session, advice)
        ],
        reassess_on=advice.reassess_on,
        final=advice.finalised_at is not None,
    )


@router.put(
    "/assessments/{assessment_id}/advice",
    summary="Write the draft advice",
    response_model=AdviceOut,
)
def put_advice(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId, body: AdviceIn
) -> AdviceOut:
    """The chair writes or changes the draft advice: outcome, summary, rationale per value and
    conditions."""
    a = visible_for(request, session, user, assessment_id)
    advice = advising.save_advice(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        outcome=body.outcome,
        summary=body.summary,
        rationale=body.rationale,
        conditions=[
            advising.ConditionInput(
                c.text, c.owner, c.due_on.isoformat() if c.due_on else "", c.owner_email
            )
            for c in body.conditions
        ],
        reassess_on=body.reassess_on.isoformat() if body.reassess_on else "",
    )
    return _advice_out(session, advice)


@router.put(
    "/assessments/{assessment_id}/opinion",
    summary="Your opinion on the advice",
    response_model=OpinionOut,
)
def put_opinion(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId, body: OpinionIn
) -> OpinionOut:
    """A committee member's opinion on the draft advice: agree, disagree or abstain, with an
    optional note."""
    a = visible_for(request, session, user, assessment_id)
    o = advising.record_opinion(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        stance=body.stance,
        note=body.note,
    )
    return OpinionOut(stance=o.stance, note=o.note)


@router.post(
    "/assessments/{assessment_id}/advice/finalise",
    summary="Finalise the advice (chair)",
    response_model=AdviceOut,
)
def finalise(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> AdviceOut:
    """The chair makes the draft advice final: it can no longer be edited, and the chair signs
    it on the page."""
    a = visible_for(request, session, user, assessment_id)
    return _advice_out(
        session,
        advising.finalise_advice(session, assessment=a, actor=user, roles=current_roles(request)),
    )


# --- reports, archive, exports, audit ------------------------------------------------------------
