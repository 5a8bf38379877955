"""Starting the re-assessment of a signed assessment (the lead's button on its overview)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.assessments import reassessing
from app.deps import CurrentUser, SessionDep, VisibleAssessment
from app.i18n import N_
from app.web.flash import flash, register

router = APIRouter()

register(
    "reassessment_started",
    N_(
        "The re-assessment has started with %(n)s answers of the signed assessment. Check "
        "each section: what changed since then?"
    ),
)


@router.post(
    "/assessments/{assessment_id}/reassess", summary="Start the re-assessment of a signed advice"
)
def start(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    started = reassessing.start_reassessment(session, previous=assessment, actor=user)
    response = RedirectResponse(f"/assessments/{started.assessment.id}", status_code=303)
    flash(response, "reassessment_started", n=str(len(started.carried)))
    return response
