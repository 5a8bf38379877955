"""Verdicts per section, asking for changes, and what changed between submissions."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.assessments import lifecycle, reading
from app.assessments.models import (
    Assessment,
    State,
    Submission,
)
from app.assessments.permissions import authors_of
from app.assessments.transitions import Action
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.notifications.service import notify
from app.reviews.common import (
    NOTE_MAX,
    committee_parties,
    ensure_review_started,
    latest_submission,
    notice_params,
)
from app.reviews.models import (
    ReviewComment,
    SectionVerdict,
    Verdict,
)
from app.text import tidy
from app.timeutil import utcnow
from app.users.models import Role, User


def set_verdict(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    section_id: str,
    verdict: str,
) -> SectionVerdict:
    """The committee's verdict on a section of the latest submission."""
    parties = committee_parties(session, actor, roles, assessment)
    try:
        value = Verdict(verdict)
    except ValueError:
        raise InvalidInput(
            _("Choose one of the verdicts given."),
            fields={"verdict": _("Choose one of the verdicts given.")},
        ) from None
    if assessment.state not in (State.submitted, State.in_review):
        raise Conflict(_("Verdicts can be given while the committee reviews the assessment."))
    _version, q = reading.questionnaire_of(session, assessment)
    if section_id not in {s.id for s in q.sections}:
        raise NotFound(_("This section does not exist."))
    ensure_review_started(session, assessment, actor, parties)
    submission = latest_submission(session, assessment)
    row = session.exec(
        select(SectionVerdict).where(
            SectionVerdict.submission_id == submission.id, SectionVerdict.section_id == section_id
        )
    ).first()
    if row is None:
        row = SectionVerdict(
            assessment_id=assessment.id or 0,
            submission_id=submission.id or 0,
            section_id=section_id,
            verdict=value.value,
            author_id=actor.id or 0,
        )
    else:
        row.verdict, row.author_id, row.updated_at = value.value, actor.id or 0, utcnow()
    session.add(row)
    session.flush()
    record_event(
        session,
        action="review.verdict_set",
        actor_id=actor.id,
        object_type="section",
        object_id=section_id,
        assessment_id=assessment.id,
        details={"verdict": value.value},
    )
    return row


def verdicts(session: Session, submission: Submission) -> dict[str, str]:
    rows = session.exec(
        select(SectionVerdict).where(SectionVerdict.submission_id == submission.id)
    ).all()
    return {r.section_id: r.verdict for r in rows}


def request_changes(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role], note: str = ""
) -> None:
    """Send the assessment back to its authors; at least one comment on this submission is required."""
    parties = committee_parties(session, actor, roles, assessment)
    submission = latest_submission(session, assessment)
    count = session.exec(
        select(func.count()).where(ReviewComment.submission_id == submission.id)
    ).one()
    if count == 0:
        raise Conflict(_("Write at least one comment before asking for changes."))
    ensure_review_started(session, assessment, actor, parties)
    lifecycle.move(
        session,
        assessment=assessment,
        action=Action.request_changes,
        actor=actor,
        parties=parties,
        note=tidy(note)[:NOTE_MAX],
    )
    notify(
        session,
        recipients=authors_of(session, assessment),
        kind="changes_requested",
        assessment_id=assessment.id,
        params=notice_params(assessment, actor),
    )


@dataclass(frozen=True)
class AnswerChange:
    question_id: str
    before: Any
    after: Any


def diff_snapshots(previous: dict[str, Any], current: dict[str, Any]) -> list[AnswerChange]:
    """Per question: what changed between two submissions."""
    old, new = previous.get("answers", {}), current.get("answers", {})
    changes = []
    for qid in list(dict.fromkeys([*old, *new])):
        if old.get(qid) != new.get(qid):
            changes.append(AnswerChange(qid, old.get(qid), new.get(qid)))
    return changes


# --- advice ------------------------------------------------------------------------------
