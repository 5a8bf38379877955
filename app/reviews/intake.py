"""The committee's inbox, claiming an assessment as rapporteur, declaring a conflict of interest."""

from __future__ import annotations

import json
from collections.abc import Set
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.assessments.models import (
    Assessment,
    ConflictOfInterest,
    State,
    Submission,
)
from app.audit.service import record_event
from app.errors import Conflict, PermissionDenied
from app.i18n import _
from app.reviews.common import COMMITTEE_STATES, NOTE_MAX, committee_parties, ensure_review_started
from app.text import tidy
from app.timeutil import utcnow
from app.users.models import Role, User


@dataclass(frozen=True)
class InboxRow:
    assessment: Assessment
    submission: Submission
    overall: str
    obligations: list[str]
    rapporteur: str | None

    @property
    def age_days(self) -> int:
        return (utcnow() - self.submission.submitted_at).days


INBOX_STATES = (State.submitted, State.in_review, State.changes_requested, State.advice_drafted)


def inbox(
    session: Session,
    *,
    state: str | None = None,
    department: str | None = None,
    level: str | None = None,
    obligation: str | None = None,
    sort: str = "age",
) -> list[InboxRow]:
    """Assessments waiting for the committee, with what their latest submission says."""
    states = (
        [state] if state in {s.value for s in INBOX_STATES} else [s.value for s in INBOX_STATES]
    )
    waiting = col(Assessment.state).in_(states)
    # The latest submission of the waiting assessments only: the archive holds thousands of
    # others, whose snapshots the inbox must not read.
    latest = (
        select(Submission.assessment_id, func.max(Submission.number).label("n"))
        .join(Assessment, col(Assessment.id) == Submission.assessment_id)
        .where(waiting)
        .group_by(col(Submission.assessment_id))
        .subquery()
    )
    query = (
        select(Assessment, Submission)
        .join(latest, latest.c.assessment_id == col(Assessment.id))
        .join(
            Submission,
            (col(Submission.assessment_id) == latest.c.assessment_id)
            & (col(Submission.number) == latest.c.n),
        )
        .where(waiting)
    )
    if department:
        query = query.where(Assessment.department == department)
    found = session.exec(query).all()
    rapporteurs = {a.rapporteur_id for a, _s in found if a.rapporteur_id}
    names = (
        dict(session.exec(select(User.id, User.name).where(col(User.id).in_(rapporteurs))).all())
        if rapporteurs
        else {}
    )
    rows = []
    for assessment, submission in found:
        support = json.loads(submission.snapshot_json)["decision_support"]
        ids = [o["id"] for o in support["obligations"]]
        if level and support["overall_level"] != level:
            continue
        if obligation and obligation not in ids:
            continue
        rows.append(
            InboxRow(
                assessment,
                submission,
                support["overall_level"],
                ids,
                names.get(assessment.rapporteur_id) if assessment.rapporteur_id else None,
            )
        )
    order = {"high": 0, "medium": 1, "low": 2}
    keys = {
        "age": lambda r: r.submission.submitted_at,
        "level": lambda r: (order.get(r.overall, 3), r.submission.submitted_at),
        "reference": lambda r: r.assessment.reference,
        "title": lambda r: r.assessment.title.lower(),
    }
    return sorted(rows, key=keys.get(sort, keys["age"]))


def inbox_departments(session: Session) -> list[str]:
    """The departments of the assessments in the inbox, for its filter."""
    submitted = select(Submission.id).where(Submission.assessment_id == Assessment.id).exists()
    return list(
        session.exec(
            select(Assessment.department)
            .where(col(Assessment.state).in_([s.value for s in INBOX_STATES]), submitted)
            .distinct()
            .order_by(Assessment.department)
        ).all()
    )


def claim_rapporteur(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> None:
    """Become the rapporteur who prepares the committee's view; starts the review."""
    parties = committee_parties(session, actor, roles, assessment)
    if assessment.state not in COMMITTEE_STATES:
        raise Conflict(_("The committee cannot take up this assessment in its current state."))
    ensure_review_started(session, assessment, actor, parties)
    assessment.rapporteur_id = actor.id
    session.add(assessment)
    record_event(
        session,
        action="review.rapporteur_claimed",
        actor_id=actor.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
    )
    session.flush()


def declare_conflict(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role], reason: str
) -> None:
    """A member steps aside for this assessment; from then on they cannot review, vote or sign."""
    if not roles & {Role.board, Role.chair}:
        raise PermissionDenied(_("Only members of the ethics committee can do this."))
    if session.get(ConflictOfInterest, (assessment.id, actor.id)) is not None:
        raise Conflict(_("You already declared a conflict of interest for this assessment."))
    session.add(
        ConflictOfInterest(
            assessment_id=assessment.id or 0,
            user_id=actor.id or 0,
            reason=tidy(reason)[:NOTE_MAX],
        )
    )
    if assessment.rapporteur_id == actor.id:
        assessment.rapporteur_id = None
        session.add(assessment)
    record_event(
        session,
        action="review.conflict_declared",
        actor_id=actor.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
    )
    session.flush()


# --- comments and verdicts ---------------------------------------------------------------
