"""What every router of the JSON API, version 1, shares: the error responses, paging, the
assessment the caller may see and how it is written out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.routing import APIRoute
from sqlmodel import Session

from app.api.deps import ApiUser
from app.api.schemas import (
    AssessmentOut,
    Problem,
    QuestionnaireSummary,
)
from app.assessments import reading
from app.assessments.models import Assessment
from app.assessments.permissions import ensure_can_view
from app.deps import ObjectId, current_roles
from app.questionnaires.models import QuestionnaireVersion

ERRORS: dict[int, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in (
        (401, "Not logged in: no valid token"),
        (403, "The caller's role or relation does not allow this"),
        (404, "No such object, or not one the caller may see"),
        (409, "Not possible in the current state, or a conflicting change"),
        (412, "The If-Match ETag does not match: reload and try again"),
        (413, "The upload is too large"),
        (422, "The input is not valid; `errors` lists each field"),
        (429, "Too many requests for this token; see Retry-After"),
        (503, "Busy: try again after Retry-After seconds"),
    )
}
# The errors each operation can really answer, besides 401 and 429 (every call needs a token
# and counts towards its rate limit) and 422 (every operation with parameters or a body).
# tests/api/test_openapi.py checks that every operation is listed; schemathesis, that nothing
# else occurs.
OPERATION_ERRORS: dict[str, tuple[int, ...]] = {
    "list_questionnaires": (),
    "get_questionnaire": (404,),
    "list_assessments": (),
    "create_assessment": (403, 404),
    "get_assessment": (403, 404),
    "get_decision_support": (403, 404),
    "submit_assessment": (403, 404, 409),
    "start_reassessment": (403, 404, 409),
    "withdraw_assessment": (403, 404, 409),
    "list_answers": (403, 404),
    "put_answer": (403, 404, 409, 412),
    "add_attachment": (403, 404, 409, 413),
    "list_attachments": (403, 404),
    "get_attachment": (403, 404),
    "list_comments": (403, 404),
    "add_comment": (403, 404, 409),
    "put_verdict": (403, 404, 409),
    "request_changes": (403, 404, 409),
    "put_advice": (403, 404, 409),
    "put_opinion": (403, 404, 409),
    "finalise_advice": (403, 404, 409),
    "list_conditions": (403, 404),
    "move_condition": (403, 404, 409),
    "get_consultation": (403, 404),
    "get_report": (403, 404),
    "verify_report": (413, 503),
    "search_archive": (403,),
    "export_register": (403,),
    "export_algorithm_register": (403, 404, 409),
    "list_audit_events": (403, 404),
}
# Operation ids as verb_noun, for generated clients; the function name where it already is.
_OPERATION_IDS = {
    "submit": "submit_assessment",
    "withdraw": "withdraw_assessment",
    "get_answers": "list_answers",
    "finalise": "finalise_advice",
    "audit_events": "list_audit_events",
}
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]


def operation_id(route: APIRoute) -> str:
    return _OPERATION_IDS.get(route.name, route.name)


def new_router() -> APIRouter:
    """A router of version 1 of the API."""
    return APIRouter(prefix="/api/v1", tags=["v1"], generate_unique_id_function=operation_id)


def summary_of(v: QuestionnaireVersion) -> QuestionnaireSummary:
    return QuestionnaireSummary(
        key=v.key, version=v.version, sha256=v.sha256, title_nl=v.title_nl, title_en=v.title_en
    )


def etag_of(a: Assessment) -> str:
    return f'W/"{a.id}-{a.version}"'


def assessment_out(session: Session, a: Assessment) -> AssessmentOut:
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
        questionnaire=summary_of(version),
        lead_id=a.lead_id,
        created_at=a.created_at,
        updated_at=a.updated_at,
        is_public=a.is_public,
        previous_id=a.previous_id,
    )


def visible_for(
    request: Request, session: Session, user: ApiUser, assessment_id: ObjectId
) -> Assessment:
    a = reading.get_assessment(session, assessment_id)
    ensure_can_view(session, user, current_roles(request), a)
    return a


# --- questionnaires ----------------------------------------------------------------------
