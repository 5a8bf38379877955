"""What the section page shows of the files attached to its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.models import Assessment
from app.attachments.service import attachments_of_answers
from app.attachments.sniffing import BY_MEDIA_TYPE, TYPES
from app.config import Settings
from app.formatting import decimal
from app.i18n import _
from app.users.models import User


@dataclass(frozen=True)
class AttachedFile:
    """One attached file as the page lists it."""

    id: int
    filename: str
    kind: str
    size: str
    uploaded_by: str
    href: str


def file_size(size: int) -> str:
    """A size the way the language writes it: "340 kB", "1,2 MB"."""
    if size < 1024 * 1024:
        return f"{decimal(max(1, round(size / 1024)))} kB"
    return f"{decimal(round(size / (1024 * 1024), 1))} MB"


def attachment_views(
    session: Session,
    assessment: Assessment,
    settings: Settings,
    *,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The attached files per question, the upload's error per question and the hint."""
    current = attachments_of_answers(session, assessment.id or 0)
    uploader_ids = {a.uploaded_by_id for files in current.values() for a in files}
    names = dict(
        session.exec(select(User.id, User.name).where(col(User.id).in_(uploader_ids))).all()
    )
    by_question = {
        qid: [
            AttachedFile(
                a.id or 0,
                a.filename,
                BY_MEDIA_TYPE[a.media_type].label if a.media_type in BY_MEDIA_TYPE else "",
                file_size(a.size),
                names.get(a.uploaded_by_id, ""),
                f"/assessments/{assessment.id}/attachments/{a.id}",
            )
            for a in files
        ]
        for qid, files in current.items()
    }
    return {
        "by_question": by_question,
        "errors": errors or {},
        "accept": ",".join(e for t in TYPES for e in t.extensions),
        "hint": _(
            "PDF, ODT, DOCX, XLSX, CSV, PNG or JPEG, at most %(mb)s MB. The type is read from "
            "the file's content.",
            mb=settings.attachment_max_file_mb,
        ),
    }
