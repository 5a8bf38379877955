"""The runner on the embedded SQLite default: one plain loop (procrastinate has no SQLite
connector). It scans for reminders every REMINDER_SCAN_MINUTES, sends the outbox every
MAIL_POLL_SECONDS and deletes residents' personal data after a consultation's retention
period once a day (at start, then every PURGE_SECONDS).

Only one loop works per database: it holds an exclusive lock on a file beside the database
file (`<database>.worker-lock`); a second one started by mistake waits as a standby and takes
over when the first stops. Even without that lock two loops would not double anything: the
scan's unique keys and the outbox's claims are the same as on PostgreSQL, and every write
transaction on SQLite is BEGIN IMMEDIATE, one writer at a time (app.db)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

from app.config import Settings
from app.jobs import runs
from app.notifications.outbox import SendResult
from app.reminders.scan import ScanResult
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.jobs")
Checkpoint = Callable[[str], None]
PURGE_SECONDS = 24 * 3600


def _nothing(_point: str) -> None:
    return None


def lock_path(engine: Engine) -> Path | None:
    """The worker's lock file beside a SQLite database file (None for another database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(f"{engine.url.database}.worker-lock")


@contextlib.contextmanager
def only_worker(path: Path | None, stop: threading.Event, poll: float) -> Iterator[bool]:
    """Hold the worker lock while the block runs; wait for it while another holds it.
    Yields False when asked to stop before the lock was had."""
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a")
    try:
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    log.warning(
                        "another worker runs for this database (%s is locked); this one waits",
                        path,
                    )
                    told = True
                if stop.wait(poll):
                    yield False
                    return
        if told:
            log.warning("the other worker stopped; this one takes over")
        yield True
    finally:
        handle.close()  # releases the lock


class Loop:
    """Scans and sends, until stopped."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        today: date | None = None,
        checkpoint: Checkpoint = _nothing,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.today = today
        self.checkpoint = checkpoint

    def scan(self) -> ScanResult:
        return runs.scan(self.engine, self.settings, today=self.today, checkpoint=self.checkpoint)

    def send(self) -> SendResult:
        return runs.send(self.engine, self.settings, checkpoint=self.checkpoint)

    def purge(self) -> int:
        return runs.purge(self.engine, self.settings, today=self.today)

    def once(self) -> tuple[ScanResult, SendResult]:
        """One pass: record what is due, then send the outbox."""
        return self.scan(), self.send()

    def forever(self, stop: threading.Event) -> None:
        poll = self.settings.mail_poll_seconds
        interval = self.settings.reminder_scan_minutes * 60
        with only_worker(lock_path(self.engine), stop, poll) as ours:
            if not ours:
                return
            log.info("worker started (scan every %s min)", self.settings.reminder_scan_minutes)
            next_scan = next_send = next_purge = time.monotonic()
            while not stop.is_set():
                if time.monotonic() >= next_scan:
                    self._guarded(self.scan)
                    next_scan = time.monotonic() + interval
                if time.monotonic() >= next_purge:
                    self._guarded(self.purge)
                    next_purge = time.monotonic() + PURGE_SECONDS
                if time.monotonic() >= next_send:
                    next_send = time.monotonic() + self._guarded_send()
                stop.wait(poll)
        log.info("worker stopped")

    def _guarded_send(self) -> float:
        """Send; the seconds to wait before the next send (longer while the SMTP server
        cannot be reached)."""
        try:
            result = self.send()
        except Exception:
            log.exception("sending the outbox failed; it runs again at its next turn")
            return self.settings.mail_poll_seconds
        if result.errors and not result.sent and result.next_due is not None:
            return max(0.0, (result.next_due - utcnow()).total_seconds())
        return 0.0

    @staticmethod
    def _guarded(job: Callable[[], object]) -> None:
        """A failing pass (the database briefly away, a bug) is logged; the loop goes on."""
        try:
            job()
        except Exception:
            log.exception("a job failed; it runs again at its next turn")
