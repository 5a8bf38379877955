"""What a consultation leaves behind: the public account of it (period, number of reactions,
themes, the committee's anonymous summaries) that the register shows and the signed report
seals; the rule that the advice says how the reactions were weighed; the mail with the final
advice to respondents who asked for it; and the deletion of personal data after the retention
period. None of it holds a respondent's name, address or words."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app import formatting
from app.assessments import events
from app.assessments.models import Assessment, State
from app.audit.service import record_event
from app.config import Settings, get_settings
from app.consultations.models import Consultation, ConsultationReaction, Moderation
from app.consultations.moderating import tags_of
from app.consultations.service import Phase, consultation_of, has_run, phase_of, question_lines
from app.i18n import _, gettext, use_locale
from app.notifications.outbox import message_id_for, queue_mail
from app.timeutil import utcnow

# The key of the advice's rationale that says how the committee weighed the reactions.
WEIGHING_KEY = "consultation"


def account(session: Session, consultation: Consultation) -> dict[str, Any]:
    """The public account of a published consultation, as plain data (sealed in the report,
    shown on the public pages). Counts and themes cover every reaction; the summaries are the
    committee's own words for the reactions it chose to publish."""
    rows = session.exec(
        select(ConsultationReaction)
        .where(ConsultationReaction.consultation_id == consultation.id)
        .order_by(col(ConsultationReaction.id))
    ).all()
    themes: Counter[str] = Counter(tag for r in rows for tag in tags_of(r))
    values: Counter[str] = Counter(r.value_id for r in rows if r.value_id)
    return {
        "starts_on": consultation.starts_on.isoformat(),
        "ends_on": consultation.ends_on.isoformat(),
        "purpose": consultation.purpose,
        "data_used": consultation.data_used,
        "questions": question_lines(consultation),
        "reactions": len(rows),
        "by_value": dict(sorted(values.items())),
        "themes": [[tag, n] for tag, n in sorted(themes.items(), key=lambda t: (-t[1], t[0]))],
        "summaries": [
            {"value": r.value_id, "text": r.public_summary}
            for r in rows
            if r.moderation == Moderation.published and r.public_summary
        ],
    }


def sealed_account(session: Session, assessment: Assessment) -> dict[str, Any] | None:
    """The account for the advice document: None when no consultation was published (so that
    reports signed before consultations existed rebuild unchanged)."""
    consultation = consultation_of(session, assessment)
    if consultation is None or consultation.published_at is None:
        return None
    return account(session, consultation)


def weighing_problem(
    session: Session, assessment: Assessment, rationale: dict[str, str], *, finalising: bool
) -> dict[str, str]:
    """Field messages when the advice cannot be saved or finalised because of the consultation:
    finalising waits until the period is over, and once residents could react the advice says
    how the committee weighed their reactions (required when finalising, and when saving after
    the consultation closed)."""
    consultation = consultation_of(session, assessment)
    if consultation is None or consultation.published_at is None:
        return {}
    phase = phase_of(consultation)
    if finalising and phase in {Phase.announced, Phase.open}:
        return {
            f"rationale-{WEIGHING_KEY}": _(
                "The consultation of residents runs until %(day)s. The advice can be finalised after that.",
                day=formatting.day(consultation.ends_on),
            )
        }
    weighed = (rationale.get(WEIGHING_KEY) or "").strip()
    if has_run(consultation) and (finalising or phase == Phase.closed) and not weighed:
        return {
            f"rationale-{WEIGHING_KEY}": _(
                "Say how the committee weighed the reactions of residents."
            )
        }
    return {}


def _advice_mail(assessment: Assessment, settings: Settings, locale: str) -> tuple[str, str]:
    link = f"{settings.public_url}/register/{assessment.reference}"
    with use_locale(locale):
        subject = gettext("The advice on %(title)s", title=assessment.title)
        body = gettext(
            "You reacted to the consultation on %(title)s and asked to be kept informed. "
            "The ethics committee has given its advice, and it has been signed. You can read it, "
            "and how the committee weighed the reactions, here: %(link)s\n\n"
            "We will now delete your e-mail address. You will not receive more mail about this.",
            title=assessment.title,
            link=link,
        )
    return subject, body


def mail_the_final_advice(event: events.Moved) -> None:
    """After signing an assessment whose consultation was published: the advice goes into the
    transparency register, as residents were told it would (the committee can still withdraw
    it there), and each respondent who left an address gets one mail with its link, queued in
    the outbox in the signer's transaction; the address is then deleted (it has served its
    purpose)."""
    if event.target != State.signed:
        return
    session, assessment = event.session, event.assessment
    consultation = consultation_of(session, assessment)
    if consultation is None or consultation.published_at is None:
        return
    if not assessment.is_public:
        # The archive entry made after signing takes this over (app.archive.service).
        assessment.is_public = True
        session.add(assessment)
        record_event(
            session,
            action="register.published",
            actor_id=event.actor.id if event.actor else None,
            object_type="assessment",
            object_id=assessment.reference,
            assessment_id=assessment.id,
            details={"because": "consultation"},
        )
    settings = get_settings()
    rows = session.exec(
        select(ConsultationReaction)
        .where(ConsultationReaction.consultation_id == consultation.id)
        .where(col(ConsultationReaction.email).is_not(None))
        .where(col(ConsultationReaction.advice_mailed_at).is_(None))
    ).all()
    now = utcnow()
    for reaction in rows:
        subject, body = _advice_mail(assessment, settings, reaction.locale)
        queue_mail(
            session,
            to=reaction.email or "",
            subject=subject,
            body=body,
            message_id=message_id_for(f"consultation-advice-{reaction.id}", settings),
        )
        reaction.advice_mailed_at = now
        reaction.email = None
        session.add(reaction)
    if rows:
        record_event(
            session,
            action="consultation.advice_mailed",
            actor_id=None,
            object_type="consultation",
            object_id=consultation.id or "",
            assessment_id=assessment.id,
            details={"mails": len(rows)},
        )


def deletion_day(consultation: Consultation, settings: Settings) -> date:
    """The day the respondents' personal data goes: the first day after the retention period
    that follows the end date (the daily job deletes it on that day or, if it did not run, at
    its next run)."""
    return consultation.ends_on + timedelta(days=settings.consultation_retention_days + 1)


def purge_personal_data(session: Session, *, today: date, settings: Settings) -> int:
    """Delete the name, address and text of every reaction to a consultation that ended more
    than CONSULTATION_RETENTION_DAYS ago; counts, values, themes and summaries stay. Returns
    how many reactions were emptied. Idempotent: a second run the same day empties nothing."""
    # Due when deletion_day(consultation) <= today, that is ends_on < today - retention days.
    last_end = today - timedelta(days=settings.consultation_retention_days)
    expired = session.exec(
        select(Consultation.id, Consultation.assessment_id, func.count())
        .join(ConsultationReaction, col(ConsultationReaction.consultation_id) == Consultation.id)
        .where(col(Consultation.ends_on) < last_end)
        .where(col(ConsultationReaction.personal_data_deleted_at).is_(None))
        .group_by(col(Consultation.id), col(Consultation.assessment_id))
    ).all()
    total = 0
    now = utcnow()
    for consultation_id, assessment_id, n in expired:
        session.execute(
            update(ConsultationReaction)
            .where(col(ConsultationReaction.consultation_id) == consultation_id)
            .where(col(ConsultationReaction.personal_data_deleted_at).is_(None))
            .values(body=None, name=None, email=None, personal_data_deleted_at=now)
        )
        record_event(
            session,
            action="consultation.personal_data_deleted",
            actor_id=None,
            object_type="consultation",
            object_id=consultation_id or "",
            assessment_id=assessment_id,
            details={"reactions": int(n), "retention_days": settings.consultation_retention_days},
        )
        total += int(n)
    return total
