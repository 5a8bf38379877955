"""Files attached to answers: uploading one from the section page (a plain multipart form, no
JavaScript needed), removing one while the answer can be changed, and downloading, for
whoever may read the assessment. A download is always a download (never shown inline) and an
audit event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.assessments import reading
from app.attachments import service
from app.deps import (
    AttachmentFileDep,
    CurrentUser,
    ObjectId,
    SessionDep,
    SettingsDep,
    VisibleAssessment,
    current_roles,
)
from app.downloads import attachment_response
from app.errors import AppError, NotFound
from app.i18n import N_, _
from app.pages.sections import section_page
from app.questionnaires import engine
from app.web.flash import flash, register
from app.web.forms import REFUSALS, refused

router = APIRouter()
register("attached", N_("The file “%(name)s” has been attached."))
register("attachment_removed", N_("The file “%(name)s” has been removed."))


def _section_of(session: SessionDep, assessment: VisibleAssessment, question_id: str) -> str:
    _version, q = reading.questionnaire_of(session, assessment)
    section = engine.section_of(q, question_id)
    if section is None:
        raise NotFound(_("This question does not exist in this questionnaire."))
    return section.id


@router.post(
    "/assessments/{assessment_id}/questions/{question_id}/attachments",
    summary="Attach a file to an answer",
)
def attach(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    question_id: str,
    upload: AttachmentFileDep,
) -> Response:
    section_id = _section_of(session, assessment, question_id)
    try:
        attachment = service.add_attachment(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            filename=upload.filename,
            data=upload.read(),
            question_id=question_id,
            settings=settings,
        )
    except REFUSALS as exc:
        return _again(request, session, user, assessment, section_id, question_id, exc)
    response = RedirectResponse(
        f"/assessments/{assessment.id}/sections/{section_id}#attachments-{question_id}",
        status_code=303,
    )
    flash(response, "attached", name=attachment.filename)
    return response


def _again(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    section_id: str,
    question_id: str,
    exc: AppError,
) -> Response:
    """The section page again, the reason next to the question's file field."""
    return refused(
        request,
        session,
        exc,
        lambda why: section_page(
            request,
            session,
            user,
            assessment,
            section_id,
            attachment_errors={question_id: why.message_for("file")},
            status=why.status,
        ),
    )


@router.post(
    "/assessments/{assessment_id}/attachments/remove", summary="Remove a file from an answer"
)
def remove(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    attachment_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    attachment = service.get_attachment(session, assessment, attachment_id)
    question_id = attachment.question_id
    if question_id is None:
        raise NotFound(_("This attachment does not exist."))
    section_id = _section_of(session, assessment, question_id)
    try:
        service.remove_attachment(
            session, assessment=assessment, actor=user, attachment_id=attachment_id
        )
    except REFUSALS as exc:
        return _again(request, session, user, assessment, section_id, question_id, exc)
    response = RedirectResponse(
        f"/assessments/{assessment.id}/sections/{section_id}#attachments-{question_id}",
        status_code=303,
    )
    flash(response, "attachment_removed", name=attachment.filename)
    return response


@router.get(
    "/assessments/{assessment_id}/attachments/{attachment_id}",
    summary="Download an attached file",
)
def download(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    attachment_id: ObjectId,
) -> Response:
    attachment = service.get_attachment(session, assessment, attachment_id)
    data = service.download(session, attachment=attachment, actor=user, settings=settings)
    return attachment_response(attachment, data)
