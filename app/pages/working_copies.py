"""Editable working copies of an assessment (DOCX and ODT) for reading and commenting outside
the application; the signed PDF report remains the only document that counts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.assessments.permissions import READER_ROLES, has_declared_conflict, is_author
from app.deps import CurrentUser, SessionDep, VisibleAssessment, current_roles
from app.i18n import get_locale
from app.reports import working_copy

router = APIRouter()


def _response(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _content(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> working_copy.WorkingCopy:
    # The committee's draft advice is for the committee (and those who may read its pages),
    # not for the authors: they see the advice once it is final.
    # Nor for a member who stepped aside for a conflict of interest.
    include_draft = (
        not is_author(session, user, assessment)
        and not has_declared_conflict(session, user, assessment)
        and bool(current_roles(request) & READER_ROLES)
    )
    return working_copy.gather(
        session, assessment, locale=get_locale(), include_draft=include_draft
    )


@router.get(
    "/assessments/{assessment_id}/working-copy.docx",
    summary="An unsigned working copy of the assessment (DOCX)",
)
def working_copy_docx(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    wc = _content(request, session, user, assessment)
    return _response(
        working_copy.to_docx(wc),
        working_copy.DOCX_MEDIA_TYPE,
        working_copy.filename(assessment, "docx"),
    )


@router.get(
    "/assessments/{assessment_id}/working-copy.odt",
    summary="An unsigned working copy of the assessment (ODT)",
)
def working_copy_odt(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    wc = _content(request, session, user, assessment)
    return _response(
        working_copy.to_odt(wc),
        working_copy.ODT_MEDIA_TYPE,
        working_copy.filename(assessment, "odt"),
    )
