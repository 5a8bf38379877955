"""Attaching files to answers and to conditions, removing them, listing and reading them.
Services flush; the caller commits. Every add, removal and download is an audit event.

Who may attach: to an answer, only its authors while the assessment can be changed
(app.assessments.permissions.ensure_can_edit); the same for removing. To a condition of an
advice, whoever the condition's follow-up lets report on it: that package checks it and calls
`add_attachment(..., condition_id=…, permitted=True)` (and `remove_attachment(...,
permitted=True)`); without `permitted` a condition's attachment is refused."""

from __future__ import annotations

from collections.abc import Collection, Set
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, text
from sqlmodel import Session, col, select

from app.assessments.models import Assessment
from app.assessments.permissions import ensure_can_edit
from app.assessments.reading import questionnaire_of
from app.attachments.models import Attachment
from app.attachments.names import name_for
from app.attachments.sniffing import ACCEPTED_LABELS, sniff
from app.attachments.storage import read_blob as _read_blob
from app.attachments.storage import store_blob
from app.audit.service import record_event
from app.config import Settings, get_settings
from app.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from app.i18n import _, ngettext
from app.questionnaires import engine
from app.reviews.models import Advice, AdviceCondition
from app.timeutil import utcnow
from app.users.models import Role, User

MB = 1024 * 1024
# Uploads to one assessment take turns on PostgreSQL (SQLite has one writer anyway), so that
# two at once cannot pass the limits together: an advisory lock on (this key, assessment id).
_LOCK_KEY = 720_160_416
_LOCK = text("SELECT pg_advisory_xact_lock(:key, :id)")


@dataclass(frozen=True)
class Limits:
    """Bytes per file, bytes per assessment (all its attachments), files per answer."""

    per_file: int
    per_assessment: int
    per_answer: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.attachment_max_file_mb * MB,
            settings.attachment_max_assessment_mb * MB,
            settings.attachment_max_per_answer,
        )


def too_large(limits: Limits) -> PayloadTooLarge:
    """The refusal of a file above the limit per file."""
    message = _("The file is larger than %(mb)s MB.", mb=limits.per_file // MB)
    return PayloadTooLarge(message, fields={"file": message})


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"file": message})


def _check_target(
    session: Session, assessment: Assessment, question_id: str | None, condition_id: int | None
) -> None:
    if (question_id is None) == (condition_id is None):
        raise InvalidInput(_("Attach a file either to an answer or to a condition."))
    if question_id is not None:
        _version, q = questionnaire_of(session, assessment)
        if question_id not in engine.question_by_id(q):
            raise NotFound(_("This question does not exist in this questionnaire."))
        return
    found = session.exec(
        select(AdviceCondition.id)
        .join(Advice, col(Advice.id) == AdviceCondition.advice_id)
        .where(AdviceCondition.id == condition_id, Advice.assessment_id == assessment.id)
    ).first()
    if found is None:
        raise NotFound(_("This condition does not exist in this assessment."))


def _lock(session: Session, assessment: Assessment) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK, {"key": _LOCK_KEY, "id": assessment.id})


def _current(assessment_id: int) -> ColumnElement[bool]:
    """An assessment's attachments that were not removed."""
    return and_(
        col(Attachment.assessment_id) == assessment_id, col(Attachment.removed_at).is_(None)
    )


def _check_limits(
    session: Session,
    assessment: Assessment,
    question_id: str | None,
    size: int,
    limits: Limits,
) -> None:
    if question_id is not None:
        count = session.exec(
            select(func.count())
            .select_from(Attachment)
            .where(_current(assessment.id or 0), Attachment.question_id == question_id)
        ).one()
        if count >= limits.per_answer:
            raise _refuse(
                ngettext(
                    "An answer can have at most %(num)s attachment. Remove one first.",
                    "An answer can have at most %(num)s attachments. Remove one first.",
                    limits.per_answer,
                )
            )
    total = session.exec(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(_current(assessment.id or 0))
    ).one()
    if int(total) + size > limits.per_assessment:
        message = _(
            "The attachments of one assessment can be at most %(mb)s MB together, and this file "
            "does not fit any more. Remove an attachment first, or make the file smaller.",
            mb=limits.per_assessment // MB,
        )
        raise PayloadTooLarge(message, fields={"file": message})


def add_attachment(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    filename: str,
    data: bytes,
    question_id: str | None = None,
    condition_id: int | None = None,
    permitted: bool = False,
    settings: Settings | None = None,
) -> Attachment:
    """Attach a file to an answer (`question_id`) or to a condition (`condition_id`, which the
    caller has checked the actor may do: `permitted=True`, see the module docstring). Its type
    is read from its content; its name is cleaned and must not claim another type. Refused,
    with nothing stored: not allowed (403), not editable (409), an unknown question or
    condition (404), an empty or unaccepted file (422), over a limit (413, or 422 for the
    number of files)."""
    settings = settings or get_settings()
    _check_target(session, assessment, question_id, condition_id)
    if question_id is not None:
        ensure_can_edit(session, actor, assessment)
    elif not permitted:
        raise PermissionDenied(_("You cannot add evidence to this condition."))
    limits = Limits.of(settings)
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > limits.per_file:
        raise too_large(limits)
    kind = sniff(data)
    if kind is None:
        raise _refuse(
            _(
                "This file cannot be attached: its content is none of the accepted types "
                "(%(types)s). The type is read from the file itself, not from its name.",
                types=ACCEPTED_LABELS,
            )
        )
    name = name_for(filename, kind)
    _lock(session, assessment)
    _check_limits(session, assessment, question_id, len(data), limits)
    digest = store_blob(session, data, settings=settings)
    attachment = Attachment(
        sha256=digest,
        filename=name,
        media_type=kind.media_type,
        size=len(data),
        assessment_id=assessment.id or 0,
        question_id=question_id,
        condition_id=condition_id,
        uploaded_by_id=actor.id or 0,
    )
    session.add(attachment)
    session.flush()
    _audit(session, "attachment.added", attachment, actor)
    return attachment


def _audit(session: Session, action: str, attachment: Attachment, actor: User | None) -> None:
    record_event(
        session,
        action=action,
        actor_id=actor.id if actor else None,
        object_type="attachment",
        object_id=attachment.id or "",
        assessment_id=attachment.assessment_id,
        details={
            "filename": attachment.filename,
            "media_type": attachment.media_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "question": attachment.question_id,
            "condition": attachment.condition_id,
        },
    )


def get_attachment(session: Session, assessment: Assessment, attachment_id: int) -> Attachment:
    """An attachment of this assessment (removed ones too: they stay evidence of earlier
    submissions), or NotFound."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.assessment_id != assessment.id:
        raise NotFound(_("This attachment does not exist."))
    return attachment


def remove_attachment(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    attachment_id: int,
    permitted: bool = False,
) -> Attachment:
    """Remove an attachment from its answer (only while the answer can be changed) or, with
    `permitted`, from its condition. The row and the bytes stay for the history."""
    attachment = get_attachment(session, assessment, attachment_id)
    if attachment.question_id is not None:
        ensure_can_edit(session, actor, assessment)
    elif not permitted:
        raise PermissionDenied(_("You cannot remove evidence of this condition."))
    if attachment.removed_at is not None:
        raise Conflict(_("This attachment was removed already."))
    attachment.removed_at = utcnow()
    attachment.removed_by_id = actor.id
    session.add(attachment)
    session.flush()
    _audit(session, "attachment.removed", attachment, actor)
    return attachment


def attachments_of_answers(session: Session, assessment_id: int) -> dict[str, list[Attachment]]:
    """The current attachments of each answered question, oldest first."""
    rows = session.exec(
        select(Attachment)
        .where(_current(assessment_id), col(Attachment.question_id).is_not(None))
        .order_by(col(Attachment.id))
    ).all()
    found: dict[str, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row.question_id or "", []).append(row)
    return found


def attachments_of_conditions(
    session: Session, condition_ids: Collection[int]
) -> dict[int, list[Attachment]]:
    """The current attachments of each condition, oldest first."""
    if not condition_ids:
        return {}
    rows = session.exec(
        select(Attachment)
        .where(
            col(Attachment.condition_id).in_(list(condition_ids)),
            col(Attachment.removed_at).is_(None),
        )
        .order_by(col(Attachment.id))
    ).all()
    found: dict[int, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row.condition_id or 0, []).append(row)
    return found


def read_blob(session: Session, sha256: str, *, settings: Settings | None = None) -> bytes:
    """The stored bytes, checked against their SHA-256 (StoredFileUnreadable otherwise)."""
    return _read_blob(session, sha256, settings=settings or get_settings())


def download(
    session: Session,
    *,
    attachment: Attachment,
    actor: User | None,
    settings: Settings | None = None,
) -> bytes:
    """The bytes of an attachment for someone who may read its assessment (the caller checked
    that), recorded in the audit trail."""
    data = read_blob(session, attachment.sha256, settings=settings)
    _audit(session, "attachment.downloaded", attachment, actor)
    return data
