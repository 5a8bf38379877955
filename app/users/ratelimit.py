"""Rate limits (per API token, per address of a consultation respondent), kept in the database
so that every process counts together.

A sliding-window counter: calls are counted per fixed window (`api_rate_windows`, one row per
token and window), and a call is allowed while

    calls in this window + calls in the previous window × the share of it still in the sliding
    window  <  the limit.

The check and the count are one statement, an upsert that only increments while the count is
below what this window may still take (`INSERT … ON CONFLICT DO UPDATE … WHERE calls < allowed
RETURNING calls`): on PostgreSQL the conflicting row is locked for the update, so concurrent
calls from any number of processes can never together pass the limit; SQLite has one writer at
a time. A refused call is not counted. Windows older than the previous one are swept by the
first call of each new window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from app.users.models import ApiRateWindow

_TABLE = ApiRateWindow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Verdict:
    """The answer for one call: `wait` 0 when it may go ahead, else the seconds to wait.
    `fresh` is true for the first call of a window (the caller then sweeps old windows)."""

    wait: int
    fresh: bool = False


def hit(
    conn: Connection, key: str, *, limit: int, window_seconds: int = 60, now: float | None = None
) -> Verdict:
    """Count one call of `key` if it is within the limit (in the caller's transaction)."""
    now = time.time() if now is None else now
    index = int(now // window_seconds)
    into = (now - index * window_seconds) / window_seconds  # share of this window gone by
    previous = conn.execute(
        select(_TABLE.c.calls).where(_TABLE.c.key == key, _TABLE.c.window_index == index - 1)
    ).scalar_one_or_none()
    # Rounded up: crossing into a new window never lets a call more through than the limit.
    carried = math.ceil((previous or 0) * (1 - into))
    allowed = limit - carried
    wait = max(1, math.ceil(window_seconds * (1 - into)))
    if allowed <= 0:
        return Verdict(wait)
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    counted = conn.execute(
        insert(_TABLE)
        .values(key=key, window_index=index, calls=1)
        .on_conflict_do_update(
            index_elements=["key", "window_index"],
            set_={"calls": _TABLE.c.calls + 1},
            where=_TABLE.c.calls < allowed,
        )
        .returning(_TABLE.c.calls)
    ).scalar_one_or_none()
    if counted is None:
        return Verdict(wait)
    return Verdict(0, fresh=counted == 1)


def sweep(
    conn: Connection, *, prefix: str, window_seconds: int = 60, now: float | None = None
) -> int:
    """Forget the windows of one limit (its keys start with `prefix`, such as "token:") that
    no longer count (older than the previous one). Limits with other window lengths share the
    table, and their window numbers mean other times: each sweeps only its own keys."""
    now = time.time() if now is None else now
    index = int(now // window_seconds)
    result = conn.execute(
        delete(_TABLE).where(
            _TABLE.c.key.startswith(prefix, autoescape=True), _TABLE.c.window_index < index - 1
        )
    )
    return int(result.rowcount or 0)
