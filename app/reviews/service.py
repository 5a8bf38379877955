"""The committee's work: inbox, comments, verdicts, change requests, advice and opinions.
Services flush; the request commits. Every refusal is a 403 or 409 with a clear message."""

from __future__ import annotations

import json
from collections.abc import Set
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.assessments import service as assessments
from app.assessments.models import (
    Assessment,
    ConflictOfInterest,
    State,
    Submission,
)
from app.assessments.permissions import authors_of, parties_for
from app.assessments.transitions import Action, Party
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import _
from app.notifications.service import notify
from app.reviews.models import (
    Advice,
    AdviceCondition,
    Opinion,
    Outcome,
    ReviewComment,
    SectionVerdict,
    Stance,
    Verdict,
)
from app.text import scrub, tidy
from app.timeutil import utcnow
from app.users.models import Role, User
from app.users.service import COMMITTEE_ROLES, users_with_roles

COMMENT_MAX = 5000
SUMMARY_MAX = 10000
RATIONALE_MAX = 5000
CONDITION_MAX = 2000
OWNER_MAX = 200
NOTE_MAX = 2000
COMMITTEE_STATES = frozenset({State.submitted, State.in_review, State.advice_drafted})


def _committee_parties(
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


def _ensure_review_started(
    session: Session, assessment: Assessment, actor: User, parties: set[Party]
) -> None:
    """The first act of the committee on a submission starts the review."""
    if assessment.state == State.submitted:
        assessments.move(
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


def _params(assessment: Assessment, actor: User | None) -> dict[str, Any]:
    return {
        "ref": assessment.reference,
        "title": assessment.title,
        "actor": actor.name if actor else "",
    }


# --- inbox ---------------------------------------------------------------------------------


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
    query = select(Assessment).where(col(Assessment.state).in_(states))
    if department:
        query = query.where(Assessment.department == department)
    rows = []
    names = {u.id: u.name for u in session.exec(select(User)).all()}
    latest = (
        select(Submission.assessment_id, func.max(Submission.number).label("n"))
        .group_by(Submission.assessment_id)
        .subquery()
    )
    submissions = {
        s.assessment_id: s
        for s in session.exec(
            select(Submission).join(
                latest,
                (Submission.assessment_id == latest.c.assessment_id)
                & (Submission.number == latest.c.n),
            )
        ).all()
    }
    for assessment in session.exec(query).all():
        submission = submissions.get(assessment.id or 0)
        if submission is None:
            continue
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


def claim_rapporteur(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> None:
    """Become the rapporteur who prepares the committee's view; starts the review."""
    parties = _committee_parties(session, actor, roles, assessment)
    if assessment.state not in COMMITTEE_STATES:
        raise Conflict(_("The committee cannot take up this assessment in its current state."))
    _ensure_review_started(session, assessment, actor, parties)
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


def _clean_text(text: str, limit: int, field: str) -> str:
    value = tidy(text or "")
    if not value:
        raise InvalidInput(_("Write a text first."), fields={field: _("Write a text first.")})
    if len(value) > limit:
        message = _("Use at most %(max)s characters (now %(n)s).", max=limit, n=len(value))
        raise InvalidInput(message, fields={field: message})
    return value


def add_comment(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    body: str,
    question_id: str | None = None,
    parent_id: int | None = None,
) -> ReviewComment:
    """A comment on a question or on the whole assessment, or a reply in a thread. The committee
    comments while it reviews; the authors reply."""
    parties = parties_for(session, actor, roles, assessment)
    text = _clean_text(body, COMMENT_MAX, "body")
    parent = None
    if parent_id is not None:
        parent = session.get(ReviewComment, parent_id)
        if parent is None or parent.assessment_id != assessment.id:
            raise NotFound(_("This comment does not exist."))
        question_id = parent.question_id
    if Party.author in parties:
        if parent is None:
            raise PermissionDenied(_("As an author you can reply to the committee's comments."))
        if assessment.state not in (
            State.changes_requested,
            State.submitted,
            State.in_review,
            State.advice_drafted,
        ):
            raise Conflict(_("Replies are possible while the committee handles the assessment."))
    else:
        parties = _committee_parties(session, actor, roles, assessment)
        if assessment.state not in COMMITTEE_STATES:
            raise Conflict(
                _("The committee cannot comment on this assessment in its current state.")
            )
        _ensure_review_started(session, assessment, actor, parties)
    if question_id is not None:
        _version, q = assessments.questionnaire_of(session, assessment)
        if question_id not in {qq.id for qq in q.questions()}:
            raise InvalidInput(_("This question does not exist in this questionnaire."))
    submission = latest_submission(session, assessment)
    comment = ReviewComment(
        assessment_id=assessment.id or 0,
        submission_id=submission.id,
        question_id=question_id,
        parent_id=parent.id if parent else None,
        author_id=actor.id or 0,
        body=text,
    )
    session.add(comment)
    session.flush()
    record_event(
        session,
        action="review.comment_added",
        actor_id=actor.id,
        object_type="comment",
        object_id=comment.id or "",
        assessment_id=assessment.id,
        details={"question": question_id, "reply_to": comment.parent_id},
    )
    return comment


def resolve_comment(
    session: Session, *, assessment: Assessment, comment_id: int, actor: User, roles: Set[Role]
) -> None:
    comment = session.get(ReviewComment, comment_id)
    if comment is None or comment.assessment_id != assessment.id:
        raise NotFound(_("This comment does not exist."))
    if comment.parent_id is not None:
        raise Conflict(_("Resolve the thread at its first comment."))
    _committee_parties(session, actor, roles, assessment)
    if comment.resolved_at is not None:
        raise Conflict(_("This comment is already resolved."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    session.add(comment)
    record_event(
        session,
        action="review.comment_resolved",
        actor_id=actor.id,
        object_type="comment",
        object_id=comment.id or "",
        assessment_id=assessment.id,
    )
    session.flush()


@dataclass
class Thread:
    comment: ReviewComment
    author: str
    replies: list[tuple[ReviewComment, str]]


def threads(session: Session, assessment: Assessment) -> list[Thread]:
    """All comment threads of an assessment, oldest first."""
    rows = session.exec(
        select(ReviewComment, User.name)
        .join(User, col(User.id) == ReviewComment.author_id)
        .where(ReviewComment.assessment_id == assessment.id)
        .order_by(col(ReviewComment.id))
    ).all()
    top: dict[int, Thread] = {}
    for comment, name in rows:
        if comment.parent_id is None:
            top[comment.id or 0] = Thread(comment, name, [])
        elif comment.parent_id in top:
            top[comment.parent_id].replies.append((comment, name))
    return list(top.values())


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
    parties = _committee_parties(session, actor, roles, assessment)
    try:
        value = Verdict(verdict)
    except ValueError:
        raise InvalidInput(
            _("Choose one of the verdicts given."),
            fields={"verdict": _("Choose one of the verdicts given.")},
        ) from None
    if assessment.state not in (State.submitted, State.in_review):
        raise Conflict(_("Verdicts can be given while the committee reviews the assessment."))
    _version, q = assessments.questionnaire_of(session, assessment)
    if section_id not in {s.id for s in q.sections}:
        raise NotFound(_("This section does not exist."))
    _ensure_review_started(session, assessment, actor, parties)
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
    parties = _committee_parties(session, actor, roles, assessment)
    submission = latest_submission(session, assessment)
    count = session.exec(
        select(func.count()).where(ReviewComment.submission_id == submission.id)
    ).one()
    if count == 0:
        raise Conflict(_("Write at least one comment before asking for changes."))
    _ensure_review_started(session, assessment, actor, parties)
    assessments.move(
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
        params=_params(assessment, actor),
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


@dataclass(frozen=True)
class ConditionInput:
    text: str
    owner: str
    due_on: str


def open_advice(session: Session, assessment: Assessment) -> Advice | None:
    """The advice that is being written or is final but not superseded."""
    return session.exec(
        select(Advice)
        .where(Advice.assessment_id == assessment.id, col(Advice.superseded_at).is_(None))
        .order_by(col(Advice.round).desc())
    ).first()


def advice_rounds(session: Session, assessment: Assessment) -> list[Advice]:
    return list(
        session.exec(
            select(Advice).where(Advice.assessment_id == assessment.id).order_by(col(Advice.round))
        ).all()
    )


def conditions_of(session: Session, advice: Advice) -> list[AdviceCondition]:
    return list(
        session.exec(
            select(AdviceCondition)
            .where(AdviceCondition.advice_id == advice.id)
            .order_by(col(AdviceCondition.number))
        ).all()
    )


def opinions_of(session: Session, advice: Advice) -> list[tuple[Opinion, str]]:
    return list(
        session.exec(
            select(Opinion, User.name)
            .join(User, col(User.id) == Opinion.member_id)
            .where(Opinion.advice_id == advice.id)
            .order_by(User.name)
        ).all()
    )


def _parse_date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("Enter a valid date (yyyy-mm-dd)."),
            fields={field: _("Enter a valid date (yyyy-mm-dd).")},
        ) from None


def save_advice(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    outcome: str,
    summary: str,
    rationale: dict[str, str],
    conditions: list[ConditionInput],
    reassess_on: str,
) -> Advice:
    """Write or rewrite the committee's draft advice. The first draft moves the assessment to
    'advice drafted'. Final advice cannot be edited."""
    parties = _committee_parties(session, actor, roles, assessment)
    fields: dict[str, str] = {}
    try:
        chosen = Outcome(outcome)
    except ValueError:
        fields["outcome"] = _("Choose one of the outcomes given.")
        chosen = None
    summary_text = tidy(summary or "")
    if not summary_text:
        fields["summary"] = _("Write a summary of the advice.")
    elif len(summary_text) > SUMMARY_MAX:
        fields["summary"] = _(
            "Use at most %(max)s characters (now %(n)s).", max=SUMMARY_MAX, n=len(summary_text)
        )
    _version, q = assessments.questionnaire_of(session, assessment)
    values = {v.id for v in q.values}
    clean_rationale = {}
    for key, text in rationale.items():
        if key not in values:
            fields[scrub(f"rationale-{key}")[:60]] = _(
                "This value does not exist in this questionnaire."
            )
            continue
        text = tidy(text or "")
        if len(text) > RATIONALE_MAX:
            fields[f"rationale-{key}"] = _(
                "Use at most %(max)s characters (now %(n)s).", max=RATIONALE_MAX, n=len(text)
            )
        elif text:
            clean_rationale[key] = text
    clean_conditions = []
    for number, condition in enumerate(conditions, start=1):
        if not (condition.text.strip() or condition.owner.strip() or condition.due_on.strip()):
            continue
        if not condition.text.strip() or len(condition.text.strip()) > CONDITION_MAX:
            fields[f"condition-{number}-text"] = _(
                "Describe the condition in at most %(max)s characters.", max=CONDITION_MAX
            )
        if not condition.owner.strip() or len(condition.owner.strip()) > OWNER_MAX:
            fields[f"condition-{number}-owner"] = _(
                "Name who is responsible, in at most %(max)s characters.", max=OWNER_MAX
            )
        try:
            due = _parse_date(condition.due_on, f"condition-{number}-due")
        except InvalidInput as exc:
            fields.update(exc.fields)
            due = None
        clean_conditions.append(
            (tidy(condition.text), tidy(condition.owner, single_line=True), due)
        )
    if chosen == Outcome.conditional and not clean_conditions:
        fields["conditions"] = _("Advice with conditions needs at least one condition.")
    if chosen == Outcome.positive and clean_conditions:
        fields["conditions"] = _(
            "A positive advice without conditions has no conditions; choose 'positive with conditions'."
        )
    try:
        reassess = _parse_date(reassess_on, "reassess_on")
    except InvalidInput as exc:
        fields.update(exc.fields)
        reassess = None
    if fields:
        raise InvalidInput(_("The advice has some problems. Nothing was saved."), fields=fields)
    assert chosen is not None
    advice = open_advice(session, assessment)
    if advice is not None and advice.finalised_at is not None:
        raise Conflict(
            _("This advice is final and cannot be changed. Start a new advice round to correct it.")
        )
    _ensure_review_started(session, assessment, actor, parties)
    if assessment.state == State.in_review:
        assessments.move(
            session, assessment=assessment, action=Action.draft_advice, actor=actor, parties=parties
        )
    elif assessment.state != State.advice_drafted:
        raise Conflict(_("Advice can be written while the committee reviews the assessment."))
    submission = latest_submission(session, assessment)
    if advice is None:
        rounds = (
            session.exec(
                select(func.max(Advice.round)).where(Advice.assessment_id == assessment.id)
            ).one()
            or 0
        )
        advice = Advice(
            assessment_id=assessment.id or 0,
            round=rounds + 1,
            submission_id=submission.id or 0,
            outcome=chosen.value,
            summary=summary_text,
            drafted_by_id=actor.id or 0,
        )
    advice.outcome, advice.summary = chosen.value, summary_text
    advice.rationale_json = json.dumps(clean_rationale, ensure_ascii=False, sort_keys=True)
    advice.reassess_on = reassess
    advice.submission_id = submission.id or 0
    session.add(advice)
    session.flush()
    for old in conditions_of(session, advice):
        session.delete(old)
    session.flush()
    for number, (text, owner, due) in enumerate(clean_conditions, start=1):
        session.add(
            AdviceCondition(
                advice_id=advice.id or 0, number=number, text=text, owner=owner, due_on=due
            )
        )
    # A changed draft asks every member again.
    for opinion in session.exec(select(Opinion).where(Opinion.advice_id == advice.id)).all():
        session.delete(opinion)
    session.flush()
    record_event(
        session,
        action="advice.saved",
        actor_id=actor.id,
        object_type="advice",
        object_id=advice.id or "",
        assessment_id=assessment.id,
        details={
            "round": advice.round,
            "outcome": advice.outcome,
            "conditions": len(clean_conditions),
        },
    )
    return advice


def record_opinion(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    stance: str,
    note: str,
) -> Opinion:
    """A member agrees, disagrees (with a note) or abstains, so that dissent is visible."""
    _committee_parties(session, actor, roles, assessment)
    advice = open_advice(session, assessment)
    if advice is None:
        raise Conflict(_("There is no advice to give an opinion on yet."))
    if advice.finalised_at is not None:
        raise Conflict(_("The advice is final; opinions can no longer change."))
    try:
        value = Stance(stance)
    except ValueError:
        raise InvalidInput(
            _("Choose agree, disagree or abstain."),
            fields={"stance": _("Choose agree, disagree or abstain.")},
        ) from None
    text = tidy(note or "")
    if value == Stance.disagree and not text:
        raise InvalidInput(
            _("Explain why you disagree."), fields={"note": _("Explain why you disagree.")}
        )
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            _("Use at most %(max)s characters (now %(n)s).", max=NOTE_MAX, n=len(text)),
            fields={"note": ""},
        )
    row = session.exec(
        select(Opinion).where(Opinion.advice_id == advice.id, Opinion.member_id == actor.id)
    ).first()
    if row is None:
        row = Opinion(
            advice_id=advice.id or 0, member_id=actor.id or 0, stance=value.value, note=text
        )
    else:
        row.stance, row.note, row.updated_at = value.value, text, utcnow()
    session.add(row)
    session.flush()
    record_event(
        session,
        action="advice.opinion",
        actor_id=actor.id,
        object_type="advice",
        object_id=advice.id or "",
        assessment_id=assessment.id,
        details={"stance": value.value},
    )
    return row


def finalise_advice(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> Advice:
    """The chair makes the advice final. It can no longer be edited."""
    parties = _committee_parties(session, actor, roles, assessment)
    if Party.chair not in parties:
        raise PermissionDenied(_("Only the chair can finalise the advice."))
    advice = open_advice(session, assessment)
    if advice is None or assessment.state != State.advice_drafted:
        raise Conflict(_("There is no draft advice to finalise."))
    if advice.finalised_at is not None:
        raise Conflict(_("This advice is already final."))
    advice.finalised_at = utcnow()
    advice.finalised_by_id = actor.id
    session.add(advice)
    session.flush()
    record_event(
        session,
        action="advice.finalised",
        actor_id=actor.id,
        object_type="advice",
        object_id=advice.id or "",
        assessment_id=assessment.id,
        details={"round": advice.round, "outcome": advice.outcome},
    )
    recipients = authors_of(session, assessment) + users_with_roles(session, COMMITTEE_ROLES)
    notify(
        session,
        recipients=recipients,
        kind="advice_finalised",
        assessment_id=assessment.id,
        params=_params(assessment, actor),
    )
    return advice


def start_new_round(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> Advice:
    """Correct a final advice before signing: the old round is kept, a new draft starts from it."""
    parties = _committee_parties(session, actor, roles, assessment)
    if Party.chair not in parties:
        raise PermissionDenied(_("Only the chair can start a new advice round."))
    old = open_advice(session, assessment)
    if old is None or old.finalised_at is None or assessment.state != State.advice_drafted:
        raise Conflict(
            _(
                "A new round is only possible after the advice was finalised and before it is signed."
            )
        )
    now = utcnow()
    old.superseded_at = now
    session.add(old)
    new = Advice(
        assessment_id=assessment.id or 0,
        round=old.round + 1,
        submission_id=old.submission_id,
        outcome=old.outcome,
        summary=old.summary,
        rationale_json=old.rationale_json,
        reassess_on=old.reassess_on,
        drafted_by_id=actor.id or 0,
    )
    session.add(new)
    session.flush()
    for c in conditions_of(session, old):
        session.add(
            AdviceCondition(
                advice_id=new.id or 0, number=c.number, text=c.text, owner=c.owner, due_on=c.due_on
            )
        )
    session.flush()
    record_event(
        session,
        action="advice.new_round",
        actor_id=actor.id,
        object_type="advice",
        object_id=new.id or "",
        assessment_id=assessment.id,
        details={"round": new.round, "supersedes": old.round},
    )
    return new
