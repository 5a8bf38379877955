"""The API: files attached to answers (upload as multipart, list, download)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Request, Response
from pydantic import BaseModel, ConfigDict

from app.api.common import new_router, visible_for
from app.api.deps import ApiUser
from app.assessments import reading
from app.attachments import service
from app.attachments.models import Attachment
from app.attachments.sniffing import TYPES
from app.deps import AttachmentFileDep, ObjectId, SessionDep, current_roles
from app.downloads import attachment_response
from app.errors import NotFound
from app.i18n import _
from app.questionnaires import engine

router = new_router()
QuestionId = Annotated[str, Path(min_length=1, max_length=100, description="a question's id")]
_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "question_id": "dpia",
    "filename": "dpia-verkeerstellingen.pdf",
    "media_type": "application/pdf",
    "size": 183204,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uploaded_by_id": 3,
    "created_at": "2026-12-03T10:15:00Z",
    "download_url": "/api/v1/assessments/42/attachments/7",
}


class AttachmentOut(BaseModel):
    """A file attached to an answer. Its media type was read from its content."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    id: int
    question_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by_id: int
    created_at: datetime
    download_url: str


class AttachmentList(BaseModel):
    """The current attachments of an answer, oldest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_EXAMPLE], "total": 1}]})

    items: list[AttachmentOut]
    total: int


def _out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.id or 0,
        question_id=a.question_id or "",
        filename=a.filename,
        media_type=a.media_type,
        size=a.size,
        sha256=a.sha256,
        uploaded_by_id=a.uploaded_by_id,
        created_at=a.created_at,
        download_url=f"/api/v1/assessments/{a.assessment_id}/attachments/{a.id}",
    )


_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "the file: PDF, ODT, DOCX, XLSX, CSV, PNG or JPEG",
                    }
                },
            }
        }
    },
}


@router.post(
    "/assessments/{assessment_id}/answers/{question_id}/attachments",
    summary="Attach a file to an answer",
    status_code=201,
    response_model=AttachmentOut,
    openapi_extra={"requestBody": _UPLOAD},
)
def add_attachment(
    request: Request,
    response: Response,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    question_id: QuestionId,
    upload: AttachmentFileDep,
) -> AttachmentOut:
    """Upload a file (multipart, field `file`) as evidence for an answer: only the project lead
    and co-authors, while the assessment can be changed. The type is read from the content
    (PDF, ODT, DOCX, XLSX, CSV, PNG or JPEG; anything else is 422), the name is cleaned and may
    not claim another type. Over the limit per file or per assessment: 413; too many files for
    one answer: 422. The same bytes are stored once."""
    a = visible_for(request, session, user, assessment_id)
    attachment = service.add_attachment(
        session,
        assessment=a,
        actor=user,
        roles=current_roles(request),
        filename=upload.filename,
        data=upload.read(),
        question_id=question_id,
        settings=request.app.state.settings,
    )
    out = _out(attachment)
    response.headers["Location"] = out.download_url
    return out


@router.get(
    "/assessments/{assessment_id}/answers/{question_id}/attachments",
    summary="The files attached to an answer",
    response_model=AttachmentList,
)
def list_attachments(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    question_id: QuestionId,
) -> AttachmentList:
    """The current (not removed) attachments of one answer, oldest first, for whoever may read
    the assessment."""
    a = visible_for(request, session, user, assessment_id)
    _version, q = reading.questionnaire_of(session, a)
    if question_id not in engine.question_by_id(q):
        raise NotFound(_("This question does not exist in this questionnaire."))
    files = service.attachments_of_answers(session, a.id or 0).get(question_id, [])
    return AttachmentList(items=[_out(f) for f in files], total=len(files))


@router.get(
    "/assessments/{assessment_id}/attachments/{attachment_id}",
    summary="Download an attached file",
    responses={
        200: {
            "content": {t.media_type: {} for t in TYPES},
            "description": "the stored bytes, as a download (Content-Disposition: attachment)",
        }
    },
    response_class=Response,
)
def get_attachment(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    attachment_id: ObjectId,
) -> Response:
    """The bytes of an attached file, exactly as uploaded (their SHA-256 in
    `X-Content-SHA256`), for whoever may read the assessment; a removed attachment stays
    readable (an earlier submission may list it). Every download is an audit event."""
    a = visible_for(request, session, user, assessment_id)
    attachment = service.get_attachment(session, a, attachment_id)
    data = service.download(
        session, attachment=attachment, actor=user, settings=request.app.state.settings
    )
    return attachment_response(attachment, data)
