"""The API: answers, with optimistic concurrency (ETag and If-Match)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request, Response

from app.api.common import (
    etag_of,
    new_router,
    visible_for,
)
from app.api.deps import ApiUser
from app.api.schemas import (
    AnswerOut,
    AnswerPut,
    AnswerSet,
)
from app.assessments import answering
from app.deps import ObjectId, SessionDep
from app.errors import PreconditionFailed
from app.i18n import _

router = new_router()


@router.get(
    "/assessments/{assessment_id}/answers",
    summary="All answers with their versions",
    response_model=AnswerSet,
)
def get_answers(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> AnswerSet:
    """Every stored answer with its version (for base_version when saving)."""
    a = visible_for(request, session, user, assessment_id)
    stored = answering.stored_answers(session, a)
    return AnswerSet(
        items=[
            AnswerOut(question_id=q, value=s.value, version=s.version) for q, s in stored.items()
        ]
    )


@router.put(
    "/assessments/{assessment_id}/answers/{question_id}",
    summary="Save one answer",
    response_model=AnswerOut,
)
def put_answer(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    question_id: str,
    body: AnswerPut,
    if_match: Annotated[str | None, Header(description="the assessment's ETag")] = None,
) -> AnswerOut:
    """Validate and save one answer. Send the answer's version as base_version and the
    assessment's ETag as If-Match: a newer answer gives 409 with the newer value, a stale
    ETag 412."""
    a = visible_for(request, session, user, assessment_id)
    if if_match is not None and if_match.strip() not in (
        etag_of(a),
        etag_of(a).removeprefix("W/"),
        "*",
    ):
        raise PreconditionFailed(_("The assessment changed since you read it. Read it again."))
    result = answering.save_answer(
        session,
        assessment=a,
        question_id=question_id[:100],
        raw=body.value,
        base_version=body.base_version,
        actor=user,
        force=body.force,
    )
    response.headers["ETag"] = etag_of(a)
    return AnswerOut(question_id=result.question_id, value=result.value, version=result.version)
