"""The jobs — the reminder scan, the outbox sender and the daily deletion of residents'
personal data after a consultation — as both runners call them, each remembering its last
run; and what `jobs status` reports."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.consultations import outcome as consultation_outcome
from app.db import session_scope
from app.jobs.models import JobRun
from app.notifications.outbox import SendResult, outbox_counts, send_pending
from app.reminders.models import Reminder
from app.reminders.scan import ScanResult, run_scan
from app.timeutil import amsterdam_today, utcnow

log = logging.getLogger("datawaarden.jobs")
SCAN = "reminder_scan"
OUTBOX = "outbox"
PURGE = "consultation_purge"
RUNS = JobRun.__table__  # type: ignore[attr-defined]
REMINDERS = Reminder.__table__  # type: ignore[attr-defined]
Checkpoint = Callable[[str], None]


def _nothing(_point: str) -> None:
    return None


def _remember(
    engine: Engine,
    name: str,
    started: datetime,
    *,
    scanned_for: date | None = None,
    outcome: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    values = {
        "name": name,
        "started_at": started,
        "finished_at": utcnow(),
        "scanned_for": scanned_for,
        "outcome_json": json.dumps(outcome or {}, default=str),
        "error": error[:2000],
    }
    with session_scope(engine) as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(RUNS).values(**values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={k: v for k, v in values.items() if k != "name"}
            )
        )


def scan(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    today: date | None = None,
    checkpoint: Checkpoint = _nothing,
) -> ScanResult:
    """Run the reminder scan and remember it."""
    started = utcnow()
    try:
        result = run_scan(engine, settings, now=now, today=today, checkpoint=checkpoint)
    except Exception as exc:
        log.exception("the reminder scan failed")
        _remember(engine, SCAN, started, scanned_for=today, error=f"{type(exc).__name__}: {exc}")
        raise
    outcome = asdict(result)
    outcome.pop("today")
    _remember(engine, SCAN, started, scanned_for=result.today, outcome=outcome)
    log.info(
        "reminder scan for %s: %s reminders (%s e-mails) in %.2f s",
        result.today,
        result.reminders,
        result.mails,
        result.seconds,
    )
    return result


def send(engine: Engine, settings: Settings, *, checkpoint: Checkpoint = _nothing) -> SendResult:
    """Send what the outbox holds, and remember it when anything happened."""
    started = utcnow()
    result = send_pending(engine, settings, checkpoint=checkpoint)
    if result.sent or result.retried or result.failed or result.errors:
        outcome = {k: v for k, v in asdict(result).items() if k != "errors"}
        _remember(engine, OUTBOX, started, outcome=outcome, error="; ".join(result.errors[:5]))
    return result


def purge(engine: Engine, settings: Settings, *, today: date | None = None) -> int:
    """Delete the personal data of the reactions to consultations whose retention period is
    over (app.consultations.outcome.purge_personal_data), and remember it. Returns how many
    reactions were emptied; a second run the same day empties none."""
    started = utcnow()
    day = today or amsterdam_today()
    try:
        with session_scope(engine) as session:
            emptied = consultation_outcome.purge_personal_data(
                session, today=day, settings=settings
            )
    except Exception as exc:
        log.exception("deleting the personal data of consultations failed")
        _remember(engine, PURGE, started, scanned_for=day, error=f"{type(exc).__name__}: {exc}")
        raise
    _remember(engine, PURGE, started, scanned_for=day, outcome={"reactions": emptied})
    log.info("consultations for %s: personal data of %s reactions deleted", day, emptied)
    return emptied


def status(engine: Engine) -> dict[str, Any]:
    """The outbox's counts, the last scan and send, the reminders recorded, and on
    PostgreSQL the procrastinate queue."""
    with Session(engine) as session:
        counts = outbox_counts(session)
        runs = {run.name: run for run in session.execute(select(JobRun)).scalars()}
        kinds = REMINDERS.c.kind
        by_kind: dict[str, int] = {
            str(kind): int(n)
            for kind, n in session.execute(select(kinds, func.count()).group_by(kinds)).all()
        }
        queue: dict[str, int] | None = None
        if session.get_bind().dialect.name == "postgresql":
            queue = {
                str(state): int(n)
                for state, n in session.execute(
                    text(
                        "SELECT status::text, count(*) FROM procrastinate_jobs "
                        "WHERE queue_name = :queue GROUP BY status"
                    ),
                    {"queue": QUEUE_NAME},
                ).all()
            }

    def run(name: str) -> dict[str, Any] | None:
        found = runs.get(name)
        if found is None:
            return None
        return {
            "started_at": found.started_at.isoformat(),
            "finished_at": found.finished_at.isoformat() if found.finished_at else None,
            "scanned_for": found.scanned_for.isoformat() if found.scanned_for else None,
            "outcome": json.loads(found.outcome_json),
            "error": found.error,
        }

    return {
        "mail": {
            "pending": counts.pending,
            "claimed": counts.claimed,
            "sent": counts.sent,
            "failed": counts.failed,
            "oldest_pending": counts.oldest_pending.isoformat() if counts.oldest_pending else None,
        },
        "last_scan": run(SCAN),
        "last_send": run(OUTBOX),
        "last_purge": run(PURGE),
        "reminders": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "queue": queue,
    }


# The procrastinate queue the jobs run on (app.jobs.queue).
QUEUE_NAME = "datawaarden"
