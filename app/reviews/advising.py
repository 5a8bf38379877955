"""The advice: rounds, conditions, the members' opinions, finalising and correcting."""

from __future__ import annotations

import json
from collections.abc import Collection, Set
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.assessments import lifecycle, reading
from app.assessments.models import (
    Assessment,
    State,
)
from app.assessments.permissions import authors_of
from app.assessments.transitions import Action, Party
from app.audit.service import record_event
from app.consultations import outcome as consultation_outcome
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.i18n import _
from app.notifications.service import notify
from app.reviews.asking import ask_for_opinions, tell_when_all_opinions_are_in
from app.reviews.common import (
    CONDITION_MAX,
    EMAIL_MAX,
    NOTE_MAX,
    OWNER_MAX,
    RATIONALE_MAX,
    SUMMARY_MAX,
    committee_parties,
    ensure_review_started,
    latest_submission,
    notice_params,
)
from app.reviews.models import (
    Advice,
    AdviceCondition,
    Opinion,
    Outcome,
    Stance,
)
from app.text import is_email_address, scrub, tidy
from app.timeutil import utcnow
from app.users.models import Role, User
from app.users.service import (
    COMMITTEE_ROLES,
    get_user_by_email,
    normalise_email,
    users_with_roles,
)


@dataclass(frozen=True)
class ConditionInput:
    text: str
    owner: str
    due_on: str
    # The owner's address: an account's makes that account the owner, who then reports on
    # the condition; another is the contact of a party without an account (reminders go there).
    owner_email: str = ""


def open_advices(session: Session, assessment_ids: Collection[int]) -> dict[int, Advice]:
    """Per assessment, the advice that is being written or is final but not superseded (the
    highest such round): one query for any number of assessments."""
    if not assessment_ids:
        return {}
    rows = session.exec(
        select(Advice)
        .where(col(Advice.assessment_id).in_(assessment_ids), col(Advice.superseded_at).is_(None))
        .order_by(col(Advice.round))
    ).all()
    return {a.assessment_id: a for a in rows}  # the highest round comes last


def open_advice(session: Session, assessment: Assessment) -> Advice | None:
    """The advice that is being written or is final but not superseded."""
    return open_advices(session, [assessment.id or 0]).get(assessment.id or 0)


def advice_rounds(session: Session, assessment: Assessment) -> list[Advice]:
    return list(
        session.exec(
            select(Advice).where(Advice.assessment_id == assessment.id).order_by(col(Advice.round))
        ).all()
    )


def conditions_of_advices(
    session: Session, advice_ids: Collection[int]
) -> dict[int, list[AdviceCondition]]:
    """Per advice, its conditions in their order: one query for any number of advices."""
    found: dict[int, list[AdviceCondition]] = {a: [] for a in advice_ids}
    if advice_ids:
        for c in session.exec(
            select(AdviceCondition)
            .where(col(AdviceCondition.advice_id).in_(advice_ids))
            .order_by(col(AdviceCondition.number))
        ).all():
            found[c.advice_id].append(c)
    return found


def conditions_of(session: Session, advice: Advice) -> list[AdviceCondition]:
    return conditions_of_advices(session, [advice.id or 0])[advice.id or 0]


def opinions_of(session: Session, advice: Advice) -> list[tuple[Opinion, str]]:
    return list(
        session.exec(
            select(Opinion, User.name)
            .join(User, col(User.id) == Opinion.member_id)
            .where(Opinion.advice_id == advice.id)
            .order_by(User.name)
        ).all()
    )


def parse_date(value: str, field: str) -> date | None:
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
    parties = committee_parties(session, actor, roles, assessment)
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
    _version, q = reading.questionnaire_of(session, assessment)
    # Per value, and how the committee weighed the reactions of residents (a consultation).
    values = {v.id for v in q.values} | {consultation_outcome.WEIGHING_KEY}
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
    for key, message in consultation_outcome.weighing_problem(
        session, assessment, clean_rationale, finalising=False
    ).items():
        fields.setdefault(key, message)
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
            due = parse_date(condition.due_on, f"condition-{number}-due")
        except InvalidInput as exc:
            fields.update(exc.fields)
            due = None
        email = normalise_email(condition.owner_email)
        if email and (len(email) > EMAIL_MAX or not is_email_address(email)):
            fields[f"condition-{number}-email"] = _("Enter a valid e-mail address.")
        account = get_user_by_email(session, email) if email else None
        clean_conditions.append(
            (
                tidy(condition.text),
                tidy(condition.owner, single_line=True),
                due,
                account.id if account is not None and account.is_active else None,
                email,
            )
        )
    if chosen == Outcome.conditional and not clean_conditions:
        fields["conditions"] = _("Advice with conditions needs at least one condition.")
    if chosen == Outcome.positive and clean_conditions:
        fields["conditions"] = _(
            "A positive advice without conditions has no conditions; choose 'positive with conditions'."
        )
    try:
        reassess = parse_date(reassess_on, "reassess_on")
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
    ensure_review_started(session, assessment, actor, parties)
    if assessment.state == State.in_review:
        lifecycle.move(
            session, assessment=assessment, action=Action.draft_advice, actor=actor, parties=parties
        )
    elif assessment.state != State.advice_drafted:
        raise Conflict(_("Advice can be written while the committee reviews the assessment."))
    submission = latest_submission(session, assessment)
    first_draft = advice is None
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
    for number, (text, owner, due, owner_id, email) in enumerate(clean_conditions, start=1):
        session.add(
            AdviceCondition(
                advice_id=advice.id or 0,
                number=number,
                text=text,
                owner=owner,
                due_on=due,
                owner_user_id=owner_id,
                owner_email=email,
            )
        )
    # A changed draft asks every member again.
    cleared = []
    for opinion in session.exec(select(Opinion).where(Opinion.advice_id == advice.id)).all():
        cleared.append(opinion.member_id)
        session.delete(opinion)
    session.flush()
    ask_for_opinions(
        session, assessment=assessment, actor=actor, only=None if first_draft else cleared
    )
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
    committee_parties(session, actor, roles, assessment)
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
    first_opinion = row is None
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
    if first_opinion:
        tell_when_all_opinions_are_in(session, assessment=assessment, advice=advice, actor=actor)
    return row


def finalise_advice(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> Advice:
    """The chair makes the advice final. It can no longer be edited."""
    parties = committee_parties(session, actor, roles, assessment)
    if Party.chair not in parties:
        raise PermissionDenied(_("Only the chair can finalise the advice."))
    advice = open_advice(session, assessment)
    if advice is None or assessment.state != State.advice_drafted:
        raise Conflict(_("There is no draft advice to finalise."))
    if advice.finalised_at is not None:
        raise Conflict(_("This advice is already final."))
    problem = consultation_outcome.weighing_problem(
        session, assessment, json.loads(advice.rationale_json or "{}"), finalising=True
    )
    if problem:
        raise InvalidInput(next(iter(problem.values())), fields=problem)
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
        params=notice_params(assessment, actor),
    )
    return advice


def start_new_round(
    session: Session, *, assessment: Assessment, actor: User, roles: Set[Role]
) -> Advice:
    """Correct a final advice before signing: the old round is kept, a new draft starts from it."""
    parties = committee_parties(session, actor, roles, assessment)
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
                advice_id=new.id or 0,
                number=c.number,
                text=c.text,
                owner=c.owner,
                due_on=c.due_on,
                owner_user_id=c.owner_user_id,
                owner_email=c.owner_email,
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
