"""The Prometheus metrics of the application (prometheus-client), as a core module: the domain
packages count their events here without knowing the web, and `/metrics` (app.pages.health)
exposes them.

With several worker processes (`datawaarden serve --workers N`, or several units), set
PROMETHEUS_MULTIPROC_DIR to an empty directory that every process of the installation shares:
each process then writes its samples to files there, and a scrape of any one process reports
the sum over all (prometheus-client's multiprocess mode). Empty the directory when the service
starts (the systemd unit in the README does).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.orm import Session

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SIGNING_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

REQUEST_DURATION = Histogram(
    "datawaarden_http_request_duration_seconds",
    "Time from a request's arrival to its response, per route template.",
    ["method", "route", "status"],
    buckets=HTTP_BUCKETS,
)
ANSWER_SAVES = Counter(
    "datawaarden_answer_saves",
    "Answers stored with a new value (counted when the transaction commits).",
)
ANSWER_CONFLICTS = Counter(
    "datawaarden_answer_save_conflicts",
    "Answer saves refused because someone else changed the answer since it was read.",
)
SIGNING_DURATION = Histogram(
    "datawaarden_signing_duration_seconds",
    "Time to apply one signature to a PDF (with its timestamp and validation data).",
    buckets=SIGNING_BUCKETS,
)
VERIFICATION_FAILURES = Counter(
    "datawaarden_verification_failures",
    "Verified PDFs that did not hold, by reason.",
    ["reason"],
)
LOGIN_FAILURES = Counter(
    "datawaarden_login_failures",
    "Failed login attempts, by reason.",
    ["reason"],
)
UNMATCHED_ROUTE = "unmatched"  # the route label of a request that no route took (a 404)

_PENDING = "dw_metrics_on_commit"


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Run `count` when the session's transaction commits; forget it when it rolls back."""
    session.info.setdefault(_PENDING, []).append(count)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for count in session.info.pop(_PENDING, ()):
        count()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def exposition() -> tuple[bytes, str]:
    """The current samples in Prometheus' text format, and its content type; over all the
    processes of the installation in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
