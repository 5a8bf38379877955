"""What the committee's work shares: limits, who acts as committee, the submission under review, tidy text."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from sqlmodel import Session, col, select

from app.assessments import lifecycle
from app.assessments.models import (
    Assessment,
    State,
    Submission,
)
from app.assessments.permissions import parties_for
from app.assessments.transitions import Action, Party
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.i18n import _
from app.text import tidy
from app.users.models import Role, User

COMMENT_MAX = 5000
SUMMARY_MAX = 10000
RATIONALE_MAX = 5000
CONDITION_MAX = 2000
OWNER_MAX = 200
EMAIL_MAX = 254
NOTE_MAX = 2000
COMMITTEE_STATES = frozenset({State.submitted, State.in_review, State.advice_drafted})


def committee_parties(
    session: Session, user: User, roles: Set[Role], assessment: Assessment
) -> set[Party]:
    parties = parties_for(session, user, roles, assessment)
    if Party.author in parties:
        raise PermissionDenied(_("You lead or co-author this assessment, so you cannot review it."))
    if not parties & {Party.committee, Party.chair}:
        if roles & {Role.board, Role.chair}:
            raise PermissionDenied(_("You declared a conflict of interest for this assessment."))
        raise PermissionDenied(_("Only members of the ethics committee can do this."))
    return parties


def ensure_review_started(
    session: Session, assessment: Assessment, actor: User, parties: set[Party]
) -> None:
    """The first act of the committee on a submission starts the review."""
    if assessment.state == State.submitted:
        lifecycle.move(
            session, assessment=assessment, action=Action.start_review, actor=actor, parties=parties
        )


def latest_submission(session: Session, assessment: Assessment) -> Submission:
    found = session.exec(
        select(Submission)
        .where(Submission.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).first()
    if found is None:
        raise Conflict(_("This assessment has not been submitted yet."))
    return found


def notice_params(assessment: Assessment, actor: User | None) -> dict[str, Any]:
    return {
        "ref": assessment.reference,
        "title": assessment.title,
        "actor": actor.name if actor else "",
    }


# --- inbox ---------------------------------------------------------------------------------


def clean_text(text: str, limit: int, field: str) -> str:
    value = tidy(text or "")
    if not value:
        raise InvalidInput(_("Write a text first."), fields={field: _("Write a text first.")})
    if len(value) > limit:
        message = _("Use at most %(max)s characters (now %(n)s).", max=limit, n=len(value))
        raise InvalidInput(message, fields={field: message})
    return value
