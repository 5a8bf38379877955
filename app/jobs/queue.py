"""The runner on PostgreSQL: procrastinate, a job queue in PostgreSQL itself.

Five periodic tasks on the queue `datawaarden`:

* `datawaarden.scan_reminders` every REMINDER_SCAN_MINUTES, then a send right after;
* `datawaarden.send_mail` every minute (and again when a retry or an expired claim comes due);
* `datawaarden.release_stalled` every few seconds: the running job of a worker that stopped
  sending heartbeats (killed, its machine gone) is marked failed, which frees its lock;
* `datawaarden.remove_old_jobs` daily: finished jobs older than a month are deleted;
* `datawaarden.purge_consultations` daily: residents' personal data is deleted once the
  retention period after their consultation is over (CONSULTATION_RETENTION_DAYS).

Any number of workers on any number of machines may run: procrastinate defers each periodic
task once per tick for all of them (a unique row per task and tick), a `queueing_lock` keeps at
most one job of a task waiting, and one `lock` shared by the scan and the send runs those jobs
one at a time across all workers. Underneath, the database keys make even two concurrent runs
harmless (app.reminders.scan, app.notifications.outbox). The schema procrastinate needs is
made by an Alembic migration on PostgreSQL only (`datawaarden init`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from procrastinate import App, PsycopgConnector, exceptions, jobs
from sqlalchemy.engine import Engine, make_url

from app.config import Settings
from app.jobs import runs
from app.jobs.runs import QUEUE_NAME
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.jobs")
SCAN_TASK = "datawaarden.scan_reminders"
SEND_TASK = "datawaarden.send_mail"
STALLED_TASK = "datawaarden.release_stalled"
CLEANUP_TASK = "datawaarden.remove_old_jobs"
PURGE_TASK = "datawaarden.purge_consultations"
# Daily, at night (UTC): the deletion is idempotent, so a missed or repeated run is harmless.
PURGE_CRON = "41 3 * * *"
# The scan and the send share one lock: one of them at a time, over all workers.
LOCK = "datawaarden.reminders"
# A send due sooner than the next minute's tick is deferred for its time.
SOON = timedelta(seconds=60)


def _nothing(_point: str) -> None:
    return None


@dataclass
class Runtime:
    """What the tasks of this process work with (set by `run_worker`)."""

    engine: Engine
    settings: Settings
    today: date | None = None
    checkpoint: Callable[[str], None] = field(default=_nothing)


def conninfo(database_url: str) -> str:
    """libpq's form of the SQLAlchemy URL (without `+psycopg`)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def scan_cron(minutes: int) -> str:
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = minutes // 60
    return f"0 */{hours} * * *" if hours < 24 else "0 0 * * *"


def stalled_cron(stalled_seconds: int) -> str:
    """Every half of the stall timeout, at most every minute (a 6th field is seconds)."""
    every = max(1, min(59, stalled_seconds // 2))
    return f"* * * * * */{every}"


def build_app(runtime: Runtime) -> App:
    settings = runtime.settings
    app = App(
        connector=PsycopgConnector(
            conninfo=conninfo(settings.resolved_database_url), min_size=1, max_size=4
        ),
        worker_defaults={
            "queues": [QUEUE_NAME],
            "concurrency": 1,
            "delete_jobs": "successful",
            "stalled_worker_timeout": settings.jobs_stalled_seconds,
            "update_heartbeat_interval": max(1.0, settings.jobs_stalled_seconds / 4),
        },
    )

    @app.periodic(cron=scan_cron(settings.reminder_scan_minutes), periodic_id="scan")
    @app.task(name=SCAN_TASK, queue=QUEUE_NAME, lock=LOCK, queueing_lock=SCAN_TASK)
    async def scan_reminders(timestamp: int) -> None:
        await asyncio.to_thread(
            runs.scan,
            runtime.engine,
            settings,
            today=runtime.today,
            checkpoint=runtime.checkpoint,
        )
        await defer(app, SEND_TASK)

    @app.periodic(cron="* * * * *", periodic_id="send")
    @app.task(name=SEND_TASK, queue=QUEUE_NAME, lock=LOCK, queueing_lock=SEND_TASK)
    async def send_mail(timestamp: int) -> None:
        result = await asyncio.to_thread(
            runs.send, runtime.engine, settings, checkpoint=runtime.checkpoint
        )
        if result.next_due is not None and result.next_due - utcnow() < SOON:
            await defer(app, SEND_TASK, at=result.next_due)

    @app.periodic(cron=stalled_cron(settings.jobs_stalled_seconds), periodic_id="stalled")
    @app.task(name=STALLED_TASK, queue=QUEUE_NAME, queueing_lock=STALLED_TASK)
    async def release_stalled(timestamp: int) -> None:
        if await release_stalled_jobs(app, settings.jobs_stalled_seconds):
            await defer(app, SCAN_TASK)

    @app.periodic(cron="17 4 * * *", periodic_id="cleanup")
    @app.task(name=CLEANUP_TASK, queue=QUEUE_NAME, queueing_lock=CLEANUP_TASK)
    async def remove_old_jobs(timestamp: int) -> None:
        # Succeeded jobs are deleted at once; failed ones (released, or a scan that raised)
        # are kept a month for `jobs status` and the curious.
        await app.job_manager.delete_old_jobs(
            nb_hours=30 * 24,
            queue=QUEUE_NAME,
            include_failed=True,
            include_cancelled=True,
            include_aborted=True,
        )

    @app.periodic(cron=PURGE_CRON, periodic_id="purge")
    @app.task(name=PURGE_TASK, queue=QUEUE_NAME, queueing_lock=PURGE_TASK)
    async def purge_consultations(timestamp: int) -> None:
        await asyncio.to_thread(runs.purge, runtime.engine, settings, today=runtime.today)

    return app


async def defer(app: App, task_name: str, *, at: datetime | None = None) -> None:
    """Queue a job of one of our tasks now (or for a time), unless one is waiting already
    (its queueing lock)."""
    deferrer = (
        app.configure_task(task_name, schedule_at=at) if at else app.configure_task(task_name)
    )
    with contextlib.suppress(exceptions.AlreadyEnqueued):  # one is waiting: it will do
        await deferrer.defer_async(timestamp=int(time.time()))


async def release_stalled_jobs(app: App, stalled_seconds: int) -> int:
    """Mark failed the jobs of our queue whose worker has stopped sending heartbeats, so that
    the lock they hold is free; the next tick (or the scan deferred now) does their work."""
    await app.job_manager.prune_stalled_workers(stalled_seconds)
    released = 0
    for job in await app.job_manager.get_stalled_jobs(
        queue=QUEUE_NAME, seconds_since_heartbeat=stalled_seconds
    ):
        if job.id is None:
            continue
        try:
            await app.job_manager.finish_job_by_id_async(
                job_id=job.id, status=jobs.Status.FAILED, delete_job=False
            )
        except exceptions.ConnectorException:
            continue  # finished meanwhile
        released += 1
        log.warning("released job %s (%s) of a stalled worker", job.id, job.task_name)
    return released


def run_worker(runtime: Runtime) -> None:
    """Run a procrastinate worker until SIGINT or SIGTERM."""
    app = build_app(runtime)

    async def main() -> None:
        async with app.open_async():
            await release_stalled_jobs(app, runtime.settings.jobs_stalled_seconds)
            # Scan at start (a worker that starts has not scanned for a while, maybe never).
            await defer(app, SCAN_TASK)
            log.info("worker started on queue %s", QUEUE_NAME)
            await app.run_worker_async()

    asyncio.run(main())


def schema_applied(engine: Engine) -> bool:
    """Whether procrastinate's tables exist (the migration made them)."""
    from sqlalchemy import inspect

    return "procrastinate_jobs" in inspect(engine).get_table_names()
