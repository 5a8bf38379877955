"""Who may see and change an assessment. One helper per check, used by pages, API, PDF and CLI."""

from __future__ import annotations

from collections.abc import Set

from sqlalchemy import exists
from sqlmodel import Session, col, select

from app.assessments.models import (
    Assessment,
    AssessmentEditor,
    ConflictOfInterest,
    State,
    Submission,
)
from app.assessments.transitions import EDITABLE_STATES, STATE_LABELS, Party
from app.errors import Conflict, PermissionDenied
from app.i18n import _
from app.users.models import Role, User

READER_ROLES = frozenset({Role.board, Role.chair, Role.auditor, Role.admin})


def is_author(session: Session, user: User, assessment: Assessment) -> bool:
    """The lead or a co-author."""
    if assessment.lead_id == user.id:
        return True
    return bool(
        session.exec(
            select(
                exists().where(
                    col(AssessmentEditor.assessment_id) == assessment.id,
                    col(AssessmentEditor.user_id) == user.id,
                )
            )
        ).one()
    )


def has_declared_conflict(session: Session, user: User, assessment: Assessment) -> bool:
    return session.get(ConflictOfInterest, (assessment.id, user.id)) is not None


def parties_for(
    session: Session, user: User, roles: Set[Role], assessment: Assessment
) -> set[Party]:
    """The capacities in which a user acts on an assessment. Nobody reviews, votes on or
    signs an assessment they lead or co-author, or for which they declared a conflict."""
    if is_author(session, user, assessment):
        return {Party.author}
    if has_declared_conflict(session, user, assessment):
        return set()
    parties = set()
    if roles & {Role.board, Role.chair}:
        parties.add(Party.committee)
    if Role.chair in roles:
        parties.add(Party.chair)
    return parties


def was_submitted(session: Session, assessment: Assessment) -> bool:
    return bool(
        session.exec(select(exists().where(col(Submission.assessment_id) == assessment.id))).one()
    )


def ensure_can_view(session: Session, user: User, roles: Set[Role], assessment: Assessment) -> None:
    """Authors always; the committee, auditors and administrators once it was submitted.
    Drafts that were never submitted are private to their authors."""
    if is_author(session, user, assessment):
        return
    if roles & READER_ROLES and (
        assessment.state != State.draft and was_submitted(session, assessment)
    ):
        return
    raise PermissionDenied(_("This assessment is not shared with you."))


def can_edit(session: Session, user: User, assessment: Assessment) -> bool:
    """Whether this user may change the answers now (the lead or a co-author, in an editable state)."""
    return assessment.state in EDITABLE_STATES and is_author(session, user, assessment)


def ensure_can_edit(session: Session, user: User, assessment: Assessment) -> None:
    """Only the lead and co-authors, and only while the assessment is a draft or back for
    changes."""
    if not is_author(session, user, assessment):
        raise PermissionDenied(
            _("Only the project lead and co-authors can change this assessment.")
        )
    if assessment.state not in EDITABLE_STATES:
        raise Conflict(
            _(
                "This assessment is %(state)s and can no longer be changed.",
                state=str(STATE_LABELS[State(assessment.state)]).lower(),
            )
        )


def ensure_is_lead(user: User, assessment: Assessment) -> None:
    if assessment.lead_id != user.id:
        raise PermissionDenied(_("Only the project lead can do this."))


def authors_of(session: Session, assessment: Assessment) -> list[User]:
    """The lead and the co-authors of an assessment."""
    ids = select(AssessmentEditor.user_id).where(AssessmentEditor.assessment_id == assessment.id)
    users = list(session.exec(select(User).where(col(User.id).in_(ids))).all())
    lead = session.get(User, assessment.lead_id)
    return [lead, *users] if lead else users
