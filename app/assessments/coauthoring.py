"""Co-authors: who may edit an assessment besides its lead."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.assessments import events
from app.assessments.models import (
    Assessment,
    AssessmentEditor,
)
from app.assessments.permissions import ensure_is_lead, is_author
from app.assessments.transitions import EDITABLE_STATES
from app.audit.models import AuditEvent
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.users.models import User


def coauthors(session: Session, assessment: Assessment) -> list[User]:
    ids = select(AssessmentEditor.user_id).where(AssessmentEditor.assessment_id == assessment.id)
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(User.name)).all())


# Acts that make someone a party to the committee's side of an assessment.
COMMITTEE_ACTS = ("review.", "advice.", "report.")


def _acted_for_the_committee(session: Session, user: User, assessment: Assessment) -> bool:
    """Whether this user has done anything on this assessment as the committee: commented,
    judged, claimed it, declared a conflict, drafted or voted on advice, signed."""
    acts = or_(*(col(AuditEvent.action).startswith(prefix) for prefix in COMMITTEE_ACTS))
    first = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.assessment_id == assessment.id, AuditEvent.actor_id == user.id, acts
        )
    ).first()
    return first is not None


def _ensure_authors_may_change(assessment: Assessment) -> None:
    if assessment.state not in EDITABLE_STATES:
        raise Conflict(
            _("Co-authors can be changed only while the assessment is a draft or back for changes.")
        )


def add_coauthor(
    session: Session, *, assessment: Assessment, email: str, actor: User
) -> User | None:
    """Let another user edit this assessment (the lead decides, while the authors may edit).
    Returns the person added, or None when the address has no active account: the page says
    the same thing in both cases, so that the form does not reveal who has an account."""
    from app.users.service import COMMITTEE_ROLES, get_user_by_email, normalise_email, roles_of

    ensure_is_lead(actor, assessment)
    _ensure_authors_may_change(assessment)
    address = normalise_email(email)
    if not address or len(address) > 254 or "@" not in address:
        message = _("Enter an e-mail address, such as name@haarlem.nl.")
        raise InvalidInput(message, fields={"email": message})
    user = get_user_by_email(session, address)
    if user is None or not user.is_active:
        return None
    if is_author(session, user, assessment):
        raise Conflict(_("%(name)s can already edit this assessment.", name=user.name))
    if roles_of(session, user) & COMMITTEE_ROLES and _acted_for_the_committee(
        session, user, assessment
    ):
        raise Conflict(
            _(
                "%(name)s has acted on this assessment for the ethics committee, so cannot "
                "also co-author it.",
                name=user.name,
            )
        )
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
    events.publish(events.CoauthorAdded(session, assessment, user, actor))
    return user


def remove_coauthor(session: Session, *, assessment: Assessment, user_id: int, actor: User) -> None:
    ensure_is_lead(actor, assessment)
    _ensure_authors_may_change(assessment)
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
