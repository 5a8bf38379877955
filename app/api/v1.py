"""The JSON API, version 1. Every endpoint calls the same services as the pages."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.api.deps import ApiUser
from app.api.schemas import (
    AdviceIn,
    AdviceOut,
    AnswerOut,
    AnswerPut,
    AnswerSet,
    ArchiveItem,
    ArchiveList,
    AssessmentCreate,
    AssessmentDetail,
    AssessmentList,
    AssessmentOut,
    AuditEventList,
    AuditEventOut,
    ChangesIn,
    CommentIn,
    CommentList,
    CommentOut,
    Completeness,
    ConditionIn,
    DecisionSupportOut,
    OpinionIn,
    OpinionOut,
    Problem,
    QuestionnaireDetail,
    QuestionnaireList,
    QuestionnaireSummary,
    RegisterExport,
    StateOut,
    SubmissionOut,
    VerdictIn,
    VerdictOut,
    VerificationOut,
)
from app.archive import exports
from app.archive import search as archive_search
from app.archive import service as archive
from app.assessments import service as assessments
from app.assessments.models import Assessment, AssessmentEditor, State, Submission
from app.assessments.permissions import READER_ROLES, ensure_can_view
from app.audit.models import AuditEvent
from app.deps import ObjectId, RawBodyDep, SessionDep, SettingsDep, current_roles
from app.downloads import pdf_response
from app.errors import InvalidInput, PermissionDenied, PreconditionFailed
from app.i18n import _
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import find_version, newest_versions
from app.questionnaires.serialize import decision_support_to_dict
from app.reports import service as reports
from app.reviews import service as reviews
from app.text import parse_day
from app.users.models import Role

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in (
        (401, "Not logged in: no valid token or session"),
        (403, "The caller's role or relation does not allow this"),
        (404, "No such object"),
        (409, "Not possible in the current state, or a conflicting change"),
        (412, "The If-Match ETag does not match"),
        (413, "The upload is too large"),
        (422, "The input is not valid; `errors` lists each field"),
        (429, "Too many requests; see Retry-After"),
    )
}
router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)  # type: ignore[arg-type]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]


def _summary(v: QuestionnaireVersion) -> QuestionnaireSummary:
    return QuestionnaireSummary(
        key=v.key, version=v.version, sha256=v.sha256, title_nl=v.title_nl, title_en=v.title_en
    )


def _etag(a: Assessment) -> str:
    return f'W/"{a.id}-{a.version}"'


def _assessment(session: Session, a: Assessment) -> AssessmentOut:
    version = session.get(QuestionnaireVersion, a.questionnaire_version_id)
    assert version is not None
    return AssessmentOut(
        id=a.id or 0,
        reference=a.reference,
        title=a.title,
        department=a.department,
        description=a.description,
        state=a.state,
        version=a.version,
        questionnaire=_summary(version),
        lead_id=a.lead_id,
        created_at=a.created_at,
        updated_at=a.updated_at,
        is_public=a.is_public,
    )


def _visible(
    request: Request, session: Session, user: ApiUser, assessment_id: ObjectId
) -> Assessment:
    a = assessments.get_assessment(session, assessment_id)
    ensure_can_view(session, user, current_roles(request), a)
    return a


# --- questionnaires ----------------------------------------------------------------------


@router.get(
    "/questionnaires", summary="List questionnaire versions", response_model=QuestionnaireList
)
def list_questionnaires(session: SessionDep, user: ApiUser) -> QuestionnaireList:
    rows = session.exec(
        select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.key, QuestionnaireVersion.version
        )
    ).all()
    return QuestionnaireList(items=[_summary(v) for v in rows])


@router.get(
    "/questionnaires/{key}/versions/{version}",
    summary="A questionnaire version with its definition",
    response_model=QuestionnaireDetail,
)
def get_questionnaire(
    session: SessionDep, user: ApiUser, key: str, version: ObjectId
) -> QuestionnaireDetail:
    v = find_version(session, key[:100], version)
    return QuestionnaireDetail(**_summary(v).model_dump(), definition=json.loads(v.content))


# --- assessments -----------------------------------------------------------------------------


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
    coauthored = select(AssessmentEditor.assessment_id).where(AssessmentEditor.user_id == user.id)
    mine = or_(Assessment.lead_id == user.id, col(Assessment.id).in_(coauthored))
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
        total=total, limit=limit, offset=offset, items=[_assessment(session, a) for a in rows]
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
    if Role.lead not in current_roles(request):
        raise PermissionDenied(_("Your role does not give access to this page."))
    if body.questionnaire_key:
        version = find_version(session, body.questionnaire_key, body.questionnaire_version)
        if body.questionnaire_version is None and version not in newest_versions(session):
            raise InvalidInput(_("Choose one of the questionnaires given."))
    else:
        version = find_version(session, settings.default_questionnaire)
    a = assessments.create_assessment(
        session,
        actor=user,
        title=body.title,
        department=body.department,
        description=body.description,
        questionnaire=version,
    )
    response.headers["ETag"] = _etag(a)
    response.headers["Location"] = f"/api/v1/assessments/{a.id}"
    return _assessment(session, a)


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
    a = _visible(request, session, user, assessment_id)
    ds = assessments.decision_support_for(session, a)
    response.headers["ETag"] = _etag(a)
    return AssessmentDetail(
        **_assessment(session, a).model_dump(),
        completeness=Completeness(
            percent=ds.completeness.percent,
            complete=ds.completeness.complete,
            missing=ds.completeness.missing,
        ),
        overall_level=ds.score.overall,  # type: ignore[arg-type]
    )


@router.get(
    "/assessments/{assessment_id}/answers",
    summary="All answers with their versions",
    response_model=AnswerSet,
)
def get_answers(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> AnswerSet:
    a = _visible(request, session, user, assessment_id)
    stored = assessments.stored_answers(session, a)
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
    a = _visible(request, session, user, assessment_id)
    if if_match is not None and if_match.strip() not in (
        _etag(a),
        _etag(a).removeprefix("W/"),
        "*",
    ):
        raise PreconditionFailed(_("The assessment changed since you read it. Read it again."))
    result = assessments.save_answer(
        session,
        assessment=a,
        question_id=question_id[:100],
        raw=body.value,
        base_version=body.base_version,
        actor=user,
        force=body.force,
    )
    response.headers["ETag"] = _etag(a)
    return AnswerOut(question_id=result.question_id, value=result.value, version=result.version)


@router.get(
    "/assessments/{assessment_id}/decision-support",
    summary="Levels, scores and obligations",
    response_model=DecisionSupportOut,
)
def get_decision_support(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> dict[str, Any]:
    a = _visible(request, session, user, assessment_id)
    return decision_support_to_dict(assessments.decision_support_for(session, a))


@router.post(
    "/assessments/{assessment_id}/submit",
    summary="Submit to the committee",
    response_model=SubmissionOut,
)
def submit(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> SubmissionOut:
    a = _visible(request, session, user, assessment_id)
    s = assessments.submit_assessment(session, assessment=a, actor=user)
    return SubmissionOut(number=s.number, sha256=s.sha256, submitted_at=s.submitted_at)


@router.post(
    "/assessments/{assessment_id}/withdraw",
    summary="Withdraw a submission",
    response_model=StateOut,
)
def withdraw(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> StateOut:
    a = _visible(request, session, user, assessment_id)
    assessments.withdraw_assessment(session, assessment=a, actor=user)
    return StateOut(reference=a.reference, state=a.state, version=a.version)


# --- committee -------------------------------------------------------------------------------


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
    a = _visible(request, session, user, assessment_id)
    items = []
    for t in reviews.threads(session, a):
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
    a = _visible(request, session, user, assessment_id)
    c = reviews.add_comment(
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
    a = _visible(request, session, user, assessment_id)
    v = reviews.set_verdict(
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
    a = _visible(request, session, user, assessment_id)
    reviews.request_changes(
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
            ConditionIn(text=c.text, owner=c.owner, due_on=c.due_on)
            for c in reviews.conditions_of(session, advice)
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
    a = _visible(request, session, user, assessment_id)
    advice = reviews.save_advice(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        outcome=body.outcome,
        summary=body.summary,
        rationale=body.rationale,
        conditions=[
            reviews.ConditionInput(c.text, c.owner, c.due_on.isoformat() if c.due_on else "")
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
    a = _visible(request, session, user, assessment_id)
    o = reviews.record_opinion(
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
    a = _visible(request, session, user, assessment_id)
    return _advice_out(
        session,
        reviews.finalise_advice(session, assessment=a, actor=user, roles=current_roles(request)),
    )


# --- reports, archive, exports, audit ------------------------------------------------------------


@router.get(
    "/assessments/{assessment_id}/report",
    summary="The signed report (PDF)",
    responses={200: {"content": {"application/pdf": {}}, "description": "the stored signed bytes"}},
    response_class=Response,
)
def get_report(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> Response:
    a = _visible(request, session, user, assessment_id)
    report = reports.get_report_or_404(session, a)
    reports.record_download(session, report=report, actor=user)
    return pdf_response(a, report)


@router.post(
    "/reports/verify",
    summary="Verify a PDF (request body: the PDF bytes)",
    response_model=VerificationOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def verify_report(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    data: RawBodyDep,
    at: Annotated[
        str, Query(max_length=20, description="Judge the validity as of this date (YYYY-MM-DD)")
    ] = "",
) -> VerificationOut:
    settings = request.app.state.settings
    check = reports.verify_file(session, data, settings=settings, at=parse_day(at))
    r = check.result
    return VerificationOut(
        ok=check.ok,
        sha256=r.sha256,
        is_pdf=r.is_pdf,
        at=r.at,
        archived=check.archived is not None,
        reference=check.reference,
        snapshot_matches=check.snapshot_matches,
        on_behalf_of=check.on_behalf_of if r.signatures_ok else None,
        statements=[{"ok": s.ok, "text": s.text} for s in check.statements(settings.org_name)],  # type: ignore[misc]
        signatures=[
            {
                "field": s.field,
                "kind": s.kind,
                "signer": s.signer,
                "certificate": s.certificate,
                "certificate_valid_until": s.certificate_valid_until,
                "signed_at": s.signed_at,
                "proven_by": s.proven_by,
                "intact": s.intact,
                "trusted": s.trusted,
                "long_term": s.long_term,
                "covers_whole_file": s.covers_whole_file,
            }
            for s in r.signatures
        ],  # type: ignore[misc]
    )


def _archive_reader(request: Request) -> None:
    if not current_roles(request) & {Role.auditor, Role.board, Role.chair, Role.admin}:
        raise PermissionDenied(_("Your role does not give access to this page."))


@router.get("/archive", summary="Search the archive", response_model=ArchiveList)
def search_archive(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    limit: Limit = 25,
    offset: Offset = 0,
    q: Annotated[str, Query(max_length=200)] = "",
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    department: Annotated[str, Query(max_length=200)] = "",
    outcome: Annotated[str, Query(max_length=30)] = "",
    obligation: Annotated[str, Query(max_length=64)] = "",
) -> ArchiveList:
    _archive_reader(request)
    page_size = archive_search.PAGE_SIZE
    query = archive_search.ArchiveQuery(
        text=q,
        year=year,
        department=department,
        outcome=outcome,
        obligation=obligation,
        page=offset // page_size + 1,
    )
    result = archive_search.search(session, query)
    items = [
        ArchiveItem(
            id=e.assessment_id,
            reference=e.reference,
            title=e.title,
            department=e.department,
            outcome=e.outcome,
            overall_level=e.overall_level,
            levels=archive_search.levels_of(e),  # type: ignore[arg-type]
            obligations=archive_search.obligation_ids(e),
            signed_at=e.signed_at,
            retention_until=e.retention_until,
            report_sha256=e.report_sha256,
            public=e.is_public,
        )
        for e in result.entries
    ][offset % page_size : offset % page_size + limit]
    return ArchiveList(total=result.total, limit=limit, offset=offset, items=items)


@router.get(
    "/exports/register",
    summary="Register of archived assessments (JSON)",
    response_model=RegisterExport,
)
def export_register(request: Request, session: SessionDep, user: ApiUser) -> RegisterExport:
    if not current_roles(request) & {Role.auditor, Role.admin}:
        raise PermissionDenied(_("Your role does not give access to this page."))
    from app.audit.service import record_event

    rows = exports.register_rows(session)
    record_event(
        session,
        action="export.register",
        actor_id=user.id,
        details={"format": "json", "via": "api"},
    )
    return RegisterExport(format="datawaarden.register/1", assessments=rows)


@router.get(
    "/assessments/{assessment_id}/algoritmeregister",
    summary="Algorithm register entry (standard 1.0)",
    response_model=dict[str, Any],
)
def export_algorithm_register(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
    assessment_id: ObjectId,
) -> dict[str, Any]:
    _archive_reader(request)
    a = _visible(request, session, user, assessment_id)
    archive.get_entry(session, a.id or 0)
    return exports.algorithm_register(session, assessment=a, settings=settings)


@router.get(
    "/assessments/{assessment_id}/audit-events",
    summary="The audit trail of an assessment",
    response_model=AuditEventList,
)
def audit_events(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditEventList:
    a = _visible(request, session, user, assessment_id)
    query = select(AuditEvent).where(AuditEvent.assessment_id == a.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(AuditEvent.id)).offset(offset).limit(limit)).all()
    return AuditEventList(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            AuditEventOut(
                id=e.id or 0,
                created_at=e.created_at,
                actor_id=e.actor_id,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                details=json.loads(e.details_json),
                hash=e.hash,
                prev_hash=e.prev_hash,
            )
            for e in rows
        ],
    )
