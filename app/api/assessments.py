"""The API: assessments, their lifecycle and their decision support."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy import func, or_
from sqlmodel import col, select

from app.api.common import (
    Limit,
    Offset,
    assessment_out,
    etag_of,
    new_router,
    visible_for,
)
from app.api.decision import decision_support_out
from app.api.deps import ApiUser
from app.api.schemas import (
    AssessmentCreate,
    AssessmentDetail,
    AssessmentList,
    AssessmentOut,
    Completeness,
    DecisionSupportOut,
    StateOut,
    SubmissionOut,
)
from app.assessments import answering, lifecycle, reassessing
from app.assessments.models import Assessment, AssessmentEditor, State, Submission
from app.assessments.permissions import READER_ROLES
from app.deps import ObjectId, SessionDep, SettingsDep, current_roles
from app.errors import InvalidInput, PermissionDenied
from app.i18n import _, get_locale
from app.questionnaires.registry import find_version, newest_versions
from app.users.models import Role

router = new_router()


@router.get(
    "/assessments", summary="Assessments visible to the caller", response_model=AssessmentList
)
def list_assessments(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    limit: Limit = 50,
    offset: Offset = 0,
    state: Annotated[State | None, Query(description="only this state")] = None,
) -> AssessmentList:
    """The assessments the caller may see: their own as author, and submitted ones for the
    committee, auditors and administrators. Paged with `limit` and `offset`."""
    coauthored = select(AssessmentEditor.assessment_id).where(AssessmentEditor.user_id == user.id)
    mine = or_(col(Assessment.lead_id) == user.id, col(Assessment.id).in_(coauthored))
    if current_roles(request) & READER_ROLES:
        submitted = select(Submission.assessment_id)
        visible = or_(mine, (col(Assessment.id).in_(submitted)) & (Assessment.state != State.draft))
    else:
        visible = mine
    query = select(Assessment).where(visible)
    if state is not None:
        query = query.where(Assessment.state == state.value)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Assessment.id).desc()).offset(offset).limit(limit)).all()
    return AssessmentList(
        total=total, limit=limit, offset=offset, items=[assessment_out(session, a) for a in rows]
    )


@router.post(
    "/assessments", summary="Start an assessment", status_code=201, response_model=AssessmentOut
)
def create_assessment(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    body: AssessmentCreate,
    settings: SettingsDep,
) -> AssessmentOut:
    """Start a draft on the newest (or the given) version of a questionnaire. The caller becomes
    its lead; the response carries the ETag to send as If-Match when answering."""
    if Role.lead not in current_roles(request):
        raise PermissionDenied(_("Your role does not give access to this page."))
    if body.questionnaire_key:
        version = find_version(session, body.questionnaire_key, body.questionnaire_version)
        if body.questionnaire_version is None and version not in newest_versions(session):
            raise InvalidInput(_("Choose one of the questionnaires given."))
    else:
        version = find_version(session, settings.default_questionnaire)
    a = lifecycle.create_assessment(
        session,
        actor=user,
        title=body.title,
        department=body.department,
        description=body.description,
        questionnaire=version,
    )
    response.headers["ETag"] = etag_of(a)
    response.headers["Location"] = f"/api/v1/assessments/{a.id}"
    return assessment_out(session, a)


@router.get(
    "/assessments/{assessment_id}", summary="One assessment", response_model=AssessmentDetail
)
def get_assessment(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
) -> AssessmentDetail:
    """One assessment with its state, completeness and overall level. The ETag header is its
    current version."""
    a = visible_for(request, session, user, assessment_id)
    ds = answering.decision_support_for(session, a)
    response.headers["ETag"] = etag_of(a)
    return AssessmentDetail(
        **assessment_out(session, a).model_dump(),
        completeness=Completeness(
            percent=ds.completeness.percent,
            complete=ds.completeness.complete,
            missing=ds.completeness.missing,
        ),
        overall_level=ds.score.overall,  # type: ignore[arg-type]
    )


@router.get(
    "/assessments/{assessment_id}/decision-support",
    summary="Levels, scores and obligations",
    response_model=DecisionSupportOut,
)
def get_decision_support(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> dict[str, Any]:
    """Everything the decision-support panel shows, in the language of Accept-Language: the
    level per value with the answers, measures and rules behind it, the obligations (stop,
    required, clarify, recommended, advice) with what to do, why, and the rules and answers
    that made each apply, the register category, and the stricter answers the levels assume
    for a deciding 'don't know'."""
    a = visible_for(request, session, user, assessment_id)
    return decision_support_out(
        answering.definition_for(session, a),
        answering.decision_support_for(session, a),
        get_locale(),
    )


@router.post(
    "/assessments/{assessment_id}/submit",
    summary="Submit to the committee",
    response_model=SubmissionOut,
)
def submit(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> SubmissionOut:
    """Freeze the answers and hand the assessment to the committee. Refused (422) while required
    answers are missing or a deciding 'don't know' is still to be found out, and (409) in a
    state that cannot be submitted."""
    a = visible_for(request, session, user, assessment_id)
    s = lifecycle.submit_assessment(session, assessment=a, actor=user)
    return SubmissionOut(number=s.number, sha256=s.sha256, submitted_at=s.submitted_at)


@router.post(
    "/assessments/{assessment_id}/withdraw",
    summary="Withdraw a submission",
    response_model=StateOut,
)
def withdraw(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> StateOut:
    """Take a submission back before the committee starts its review."""
    a = visible_for(request, session, user, assessment_id)
    lifecycle.withdraw_assessment(session, assessment=a, actor=user)
    return StateOut(reference=a.reference, state=a.state, version=a.version)


# --- committee -------------------------------------------------------------------------------


@router.post(
    "/assessments/{assessment_id}/reassessment",
    summary="Start the re-assessment of a signed assessment",
    status_code=201,
    response_model=AssessmentOut,
)
def start_reassessment(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
) -> AssessmentOut:
    """The lead starts a new draft of the same project on the newest questionnaire version,
    filled in with the answers of the signed snapshot where the questions allow; it names the
    signed assessment as `previous_id`. Refused (409) before signing and when a re-assessment
    was started already."""
    a = visible_for(request, session, user, assessment_id)
    started = reassessing.start_reassessment(session, previous=a, actor=user)
    response.headers["ETag"] = etag_of(started.assessment)
    response.headers["Location"] = f"/api/v1/assessments/{started.assessment.id}"
    return assessment_out(session, started.assessment)
