"""Co-authors: who may edit an assessment besides its lead."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.assessments.models import (
    Assessment,
    AssessmentEditor,
)
from app.assessments.permissions import ensure_is_lead, is_author
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.users.models import User


def coauthors(session: Session, assessment: Assessment) -> list[User]:
    ids = select(AssessmentEditor.user_id).where(AssessmentEditor.assessment_id == assessment.id)
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(User.name)).all())


def add_coauthor(session: Session, *, assessment: Assessment, email: str, actor: User) -> User:
    """Let another user edit this assessment (the lead decides)."""
    from app.users.service import get_user_by_email

    ensure_is_lead(actor, assessment)
    user = get_user_by_email(session, email) if len(email) <= 254 else None
    if user is None or not user.is_active:
        raise InvalidInput(
            _("There is no active account with this e-mail address."),
            fields={"email": _("There is no active account with this e-mail address.")},
        )
    if is_author(session, user, assessment):
        raise Conflict(_("%(name)s can already edit this assessment.", name=user.name))
    session.add(AssessmentEditor(assessment_id=assessment.id or 0, user_id=user.id or 0))
    record_event(
        session,
        action="assessment.coauthor_added",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id or "",
        assessment_id=assessment.id,
    )
    session.flush()
    return user


def remove_coauthor(session: Session, *, assessment: Assessment, user_id: int, actor: User) -> None:
    ensure_is_lead(actor, assessment)
    row = session.get(AssessmentEditor, (assessment.id, user_id))
    if row is None:
        raise NotFound(_("This person is not a co-author."))
    session.delete(row)
    record_event(
        session,
        action="assessment.coauthor_removed",
        actor_id=actor.id,
        object_type="user",
        object_id=user_id,
        assessment_id=assessment.id,
    )
    session.flush()


# --- decision support, lifecycle and submission -------------------------------------
