"""What every router of the JSON API, version 1, shares: the error responses, paging, the
assessment the caller may see and how it is written out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
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
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]


def new_router() -> APIRouter:
    """A router of version 1 of the API."""
    return APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)  # type: ignore[arg-type]


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
    )


def visible_for(
    request: Request, session: Session, user: ApiUser, assessment_id: ObjectId
) -> Assessment:
    a = reading.get_assessment(session, assessment_id)
    ensure_can_view(session, user, current_roles(request), a)
    return a


# --- questionnaires ----------------------------------------------------------------------
