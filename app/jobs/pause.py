"""Test-only pause points, so that a test can kill a worker at a known moment.

With DATAWAARDEN_ENV=test and DATAWAARDEN_TEST_PAUSE_AT=<point> (or <point>#<n> for its n-th
passing), the worker prints `PAUSED <point>` on standard output when it gets there and waits
for ever: the test reads that line and sends SIGKILL. The points: `scan:before-commit` (a
batch of reminders written, not committed), `mail:claimed` (a mail claimed and committed,
not yet handed to the SMTP server), `mail:accepted` (the SMTP server accepted it, the mark
"sent" not yet written). Outside the test environment the variable is ignored."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

from app.config import Settings

VARIABLE = "DATAWAARDEN_TEST_PAUSE_AT"


def _nothing(_point: str) -> None:
    return None


def checkpoint_for(settings: Settings) -> Callable[[str], None]:
    wanted = os.environ.get(VARIABLE, "").strip()
    if settings.env != "test" or not wanted:
        return _nothing
    point, _, nth = wanted.partition("#")
    target = int(nth) if nth.isdigit() else 1
    passed = {"count": 0}
    lock = threading.Lock()

    def checkpoint(name: str) -> None:
        if name != point:
            return
        with lock:
            passed["count"] += 1
            if passed["count"] != target:
                return
        sys.stdout.write(f"PAUSED {name}\n")
        sys.stdout.flush()
        threading.Event().wait()  # until the test kills this process

    return checkpoint
