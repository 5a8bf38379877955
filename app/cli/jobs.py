"""`datawaarden jobs`: the background worker (reminders and the mail outbox) and its state."""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli.common import console, fail, open_engine, settings_or_exit

jobs_app = typer.Typer(
    help="The background jobs: reminders and the mail outbox.", no_args_is_help=True
)

TODAY_HELP = (
    "Take this day (YYYY-MM-DD) as today for the reminder scan, to see what it would send "
    "then; the default is today in Europe/Amsterdam."
)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--today: '{value}' is not a date; write it as YYYY-MM-DD.", code=2)


def _migrated(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    if "reminders" not in inspect(engine).get_table_names():
        fail("The database has no reminders table yet: run `datawaarden init` first.")


@jobs_app.command("run")
def jobs_run(
    once: Annotated[
        bool, typer.Option("--once", help="Scan and send once, then exit (no queue, no loop).")
    ] = False,
    today: Annotated[str | None, typer.Option(help=TODAY_HELP)] = None,
) -> None:
    """Run the worker: record the reminders that are due and send the outbox. On PostgreSQL a
    procrastinate worker (run as many as you like); on SQLite one loop per database."""
    from app.jobs.loop import Loop
    from app.jobs.pause import checkpoint_for
    from app.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.resolved_log_format, settings.log_level)
    if settings.log_level != "DEBUG":  # procrastinate says every job's start and end at INFO
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    day = _day(today)
    engine = open_engine()
    _migrated(engine)
    checkpoint = checkpoint_for(settings)
    if once:
        scan, sent = Loop(engine, settings, today=day, checkpoint=checkpoint).once()
        console.print(
            f"Reminders for {scan.today.isoformat()}: {scan.reminders} recorded "
            f"({scan.notifications} in the app, {scan.mails} e-mails queued) in "
            f"{scan.seconds:.2f} s. Outbox: {sent.sent} sent, {sent.retried} to try again, "
            f"{sent.failed} given up."
        )
        if not settings.smtp_url:
            console.print("DATAWAARDEN_SMTP_URL is not set: reminders are shown in the app only.")
        engine.dispose()
        return
    if engine.dialect.name == "postgresql":
        from app.jobs.queue import Runtime, run_worker, schema_applied

        if not schema_applied(engine):
            fail("procrastinate's tables are missing: run `datawaarden init` first.")
        run_worker(Runtime(engine, settings, today=day, checkpoint=checkpoint))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: stop.set())
    Loop(engine, settings, today=day, checkpoint=checkpoint).forever(stop)
    engine.dispose()


@jobs_app.command("status")
def jobs_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the state as JSON.")] = False,
) -> None:
    """The outbox (pending, claimed, sent, failed), the last scan and the reminders recorded."""
    from app.jobs.runs import status

    engine = open_engine()
    _migrated(engine)
    state = status(engine)
    engine.dispose()
    if as_json:
        console.print_json(json.dumps(state))
        return
    _print_status(state)


def _print_status(state: dict[str, Any]) -> None:
    mail = state["mail"]
    table = Table(title="Outbox")
    for column in ("pending", "claimed", "sent", "failed"):
        table.add_column(column, justify="right")
    table.add_row(*(str(mail[c]) for c in ("pending", "claimed", "sent", "failed")))
    console.print(table)
    if mail["oldest_pending"]:
        console.print(f"Oldest mail not yet sent: queued {mail['oldest_pending']}.")
    scan = state["last_scan"]
    if scan is None:
        console.print("Reminder scan: never run.")
    else:
        outcome = scan["outcome"]
        console.print(
            f"Last reminder scan: {scan['finished_at']} (for {scan['scanned_for']}), "
            f"{outcome.get('reminders', 0)} reminders recorded"
            + (f"; FAILED: {scan['error']}" if scan["error"] else ".")
        )
    send = state["last_send"]
    if send is not None:
        console.print(
            f"Last mail sent or tried: {send['finished_at']}"
            + (f" ({send['error']})" if send["error"] else ".")
        )
    reminders = state["reminders"]
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(reminders["by_kind"].items())) or "none"
    console.print(f"Reminders recorded: {reminders['total']} ({kinds}).")
    if state["queue"] is not None:
        queue = ", ".join(f"{k} {n}" for k, n in sorted(state["queue"].items())) or "empty"
        console.print(f"Job queue (procrastinate): {queue}.")
