"""The reminder scan: find what is due, record each reminder once, with its notification and
its mail in the same transaction.

The scan is idempotent. What it has recorded is the unique key (kind, subject, date,
recipient) of `reminders`, written with INSERT … ON CONFLICT DO NOTHING, so a second scan, a
second worker at the same moment, or a scan after a crash records nothing twice; the
notification and the outbox mail are written only by the insert that won. A subject (one
condition, one re-assessment) is considered once: all its recipients are recorded in one
transaction, and a subject with any reminder of its kind and date is not looked at again (so
a member who joins the committee later does not get every old reminder). The scan commits
every SUBJECTS_PER_TRANSACTION subjects, so that SQLite's writer lock is never held long;
a crash loses only the uncommitted batch, which the next scan records.

`now` is a parameter, and so is `today` (the day in Europe/Amsterdam, taken from `now`
unless given): tests and operators move the clock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, State
from app.config import Settings
from app.db import READ_ONLY, session_scope
from app.followup.transitions import OUTSTANDING
from app.notifications.models import Notification
from app.notifications.outbox import message_id_for, queue_mail
from app.notifications.reminder_texts import (
    CONDITION_DUE,
    CONDITION_OVERDUE,
    REASSESSMENT_DUE,
    automatic_note,
    contact_footer,
    link_footer,
)
from app.notifications.service import notification_path, render_notification
from app.reminders import recipients
from app.reminders.models import Reminder
from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp
from app.timeutil import amsterdam_today, utcnow

SUBJECTS_PER_TRANSACTION = 50
# The states of an assessment whose advice is signed (its conditions are followed up).
SIGNED = (State.signed.value, State.archived.value)
REMINDERS = Reminder.__table__  # type: ignore[attr-defined]
Checkpoint = Callable[[str], None]


def _nothing(_point: str) -> None:
    return None


@dataclass(frozen=True)
class Due:
    """One subject that needs a reminder, with everyone it goes to."""

    kind: str
    subject_id: int
    due_on: date
    assessment_id: int
    params: dict[str, Any]
    recipients: list[recipients.Recipient]
    lead: tuple[str, str]  # name and address, for the owner who has no account


@dataclass
class ScanResult:
    today: date
    subjects: int = 0
    reminders: int = 0
    notifications: int = 0
    mails: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def _not_reminded(kind: str, subject: Any, due: Any) -> Any:
    return ~exists().where(
        REMINDERS.c.kind == kind, REMINDERS.c.subject_id == subject, REMINDERS.c.due_on == due
    )


def _conditions(session: Session, kind: str, when: Any) -> list[tuple[AdviceCondition, Assessment]]:
    rows = session.exec(
        select(AdviceCondition, Assessment)
        .join(ConditionFollowUp, col(ConditionFollowUp.condition_id) == AdviceCondition.id)
        .join(Assessment, col(Assessment.id) == ConditionFollowUp.assessment_id)
        .where(
            col(ConditionFollowUp.status).in_([s.value for s in OUTSTANDING]),
            col(AdviceCondition.due_on).is_not(None),
            when,
            col(Assessment.state).in_(SIGNED),
            _not_reminded(kind, AdviceCondition.id, AdviceCondition.due_on),
        )
        .order_by(col(AdviceCondition.id))
    ).all()
    return list(rows)


def _reassessments(session: Session, horizon: date) -> list[tuple[Advice, Assessment]]:
    following = aliased(Assessment)
    rows = session.exec(
        select(Advice, Assessment)
        .join(Assessment, col(Assessment.id) == Advice.assessment_id)
        .where(
            col(Advice.finalised_at).is_not(None),
            col(Advice.superseded_at).is_(None),
            col(Advice.reassess_on).is_not(None),
            col(Advice.reassess_on) <= horizon,
            col(Assessment.state).in_(SIGNED),
            # Once a re-assessment has been started, the old one needs no reminder.
            ~exists().where(col(following.previous_id) == Assessment.id),
            _not_reminded(REASSESSMENT_DUE, Assessment.id, Advice.reassess_on),
        )
        .order_by(col(Assessment.id))
    ).all()
    return list(rows)


def find_due(session: Session, settings: Settings, today: date) -> list[Due]:
    """Every subject that needs a reminder today and has none yet, with its recipients."""
    soon = today + timedelta(days=settings.reminder_due_days)
    due_on = col(AdviceCondition.due_on)
    overdue = _conditions(session, CONDITION_OVERDUE, due_on < today)
    coming = _conditions(session, CONDITION_DUE, and_(due_on >= today, due_on <= soon))
    reassess = _reassessments(session, today + timedelta(days=settings.reassessment_notice_days))
    people = recipients.People(
        session,
        [a for _c, a in overdue + coming] + [a for _v, a in reassess],
        [c.owner_user_id for c, _a in overdue + coming],
    )
    locale = settings.default_locale
    found: list[Due] = []
    for kind, rows in ((CONDITION_OVERDUE, overdue), (CONDITION_DUE, coming)):
        for condition, assessment in rows:
            to = (
                recipients.overdue(people, condition, assessment, locale)
                if kind == CONDITION_OVERDUE
                else recipients.owner(people, condition, assessment, locale)
            )
            assert condition.due_on is not None
            params = {
                "ref": assessment.reference,
                "title": assessment.title,
                "number": condition.number,
                "condition": condition.text,
                "owner": condition.owner,
                "due_on": condition.due_on.isoformat(),
            }
            found.append(
                Due(kind, condition.id or 0, condition.due_on, assessment.id or 0, params, to,
                    _lead(people, assessment))
            )  # fmt: skip
    for advice, assessment in reassess:
        assert advice.reassess_on is not None
        params = {
            "ref": assessment.reference,
            "title": assessment.title,
            "reassess_on": advice.reassess_on.isoformat(),
        }
        found.append(
            Due(REASSESSMENT_DUE, assessment.id or 0, advice.reassess_on, assessment.id or 0,
                params, recipients.reassessment(people, assessment), _lead(people, assessment))
        )  # fmt: skip
    return found


def _lead(people: recipients.People, assessment: Assessment) -> tuple[str, str]:
    lead = people.users.get(assessment.lead_id)
    return (lead.name, lead.email) if lead else ("", "")


def _insert_or_ignore(session: Session, values: dict[str, Any]) -> int | None:
    """The new reminder's id, or None when it was recorded before (by anyone)."""
    dialect = session.get_bind().dialect.name
    found = session.execute(_RECORD[dialect], values).scalar()
    return int(found) if found is not None else None


_KEY = ["kind", "subject_id", "due_on", "recipient"]
# Built once: the statement is compiled once, and each reminder only binds its values.
_RECORD = {
    name: insert(REMINDERS).on_conflict_do_nothing(index_elements=_KEY).returning(REMINDERS.c.id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_NOTIFY = Notification.__table__.insert().returning(Notification.__table__.c.id)  # type: ignore[attr-defined]
_LINK = (
    update(REMINDERS)
    .where(REMINDERS.c.id == bindparam("reminder_id"))
    .values(notification_id=bindparam("notification_id"), mail_id=bindparam("mail_id"))
)


def _mail_text(due: Due, to: recipients.Recipient, settings: Settings) -> tuple[str, str]:
    subject, body = render_notification(due.kind, due.params, to.locale)
    if to.user is not None:
        link = settings.public_url + notification_path(due.kind, due.assessment_id)
        footer = link_footer(link, to.locale)
    else:
        footer = contact_footer({"lead": due.lead[0], "lead_email": due.lead[1]}, to.locale)
    return subject, f"{body}\n\n{footer}\n\n{automatic_note(to.locale)}\n"


def record(session: Session, due: Due, today: date, settings: Settings, result: ScanResult) -> None:
    """Record the reminders of one subject (those not recorded yet) with their notifications
    and mails, in the caller's transaction."""
    for to in due.recipients:
        key = {"kind": due.kind, "subject_id": due.subject_id, "due_on": due.due_on}
        reminder_id = _insert_or_ignore(
            session,
            {**key, "recipient": to.key, "assessment_id": due.assessment_id,
             "scanned_for": today, "created_at": utcnow()},
        )  # fmt: skip
        if reminder_id is None:
            continue
        result.reminders += 1
        result.by_kind[due.kind] = result.by_kind.get(due.kind, 0) + 1
        links: dict[str, int | None] = {"notification_id": None, "mail_id": None}
        if to.user is not None:
            links["notification_id"] = session.execute(
                _NOTIFY,
                {
                    "user_id": to.user.id,
                    "kind": due.kind,
                    "assessment_id": due.assessment_id,
                    "params_json": json.dumps(due.params, ensure_ascii=False),
                    "created_at": utcnow(),
                },
            ).scalar_one()
            result.notifications += 1
        if settings.smtp_url and to.email:
            subject, body = _mail_text(due, to, settings)
            links["mail_id"] = queue_mail(
                session,
                to=to.email,
                subject=subject,
                body=body,
                message_id=message_id_for(
                    f"reminder:{due.kind}:{due.subject_id}:{due.due_on}:{to.key}", settings
                ),
            )
            result.mails += 1
        if links["notification_id"] or links["mail_id"]:
            session.execute(_LINK, {"reminder_id": reminder_id, **links})


def _still_due(session: Session, batch: list[Due]) -> set[tuple[str, int]]:
    """The subjects of a batch that still need their reminder, read again inside the writing
    transaction: a condition accepted or waived, or a re-assessment started, since the scan
    read them gets none."""
    conditions = [d.subject_id for d in batch if d.kind != REASSESSMENT_DUE]
    assessments = [d.subject_id for d in batch if d.kind == REASSESSMENT_DUE]
    outstanding = set(
        session.exec(
            select(ConditionFollowUp.condition_id).where(
                col(ConditionFollowUp.condition_id).in_(conditions),
                col(ConditionFollowUp.status).in_([s.value for s in OUTSTANDING]),
            )
        ).all()
    ) if conditions else set()  # fmt: skip
    followed = set(
        session.exec(
            select(Assessment.previous_id).where(col(Assessment.previous_id).in_(assessments))
        ).all()
    ) if assessments else set()  # fmt: skip
    return {
        (d.kind, d.subject_id)
        for d in batch
        if (
            d.subject_id in outstanding
            if d.kind != REASSESSMENT_DUE
            else d.subject_id not in followed
        )
    }


def _batches(items: list[Due], size: int) -> Iterator[list[Due]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_scan(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    today: date | None = None,
    checkpoint: Checkpoint = _nothing,
) -> ScanResult:
    """Find and record every reminder due on `today` (default: now's day in Amsterdam)."""
    started = time.perf_counter()
    day = today or amsterdam_today(now)
    result = ScanResult(today=day)
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        found = find_due(session, settings, day)
    result.subjects = len(found)
    for batch in _batches(found, SUBJECTS_PER_TRANSACTION):
        with session_scope(engine) as session:
            still = _still_due(session, batch)
            for due in batch:
                if (due.kind, due.subject_id) in still:
                    record(session, due, day, settings, result)
            checkpoint("scan:before-commit")
    result.seconds = time.perf_counter() - started
    return result
