"""Work sent after a session expired is kept, not lost.

A form posted with an expired session (an answer that autosaves, a comment, a verdict) is
parked: its fields are stored for the user whose session it was, under a random value that
only that browser holds in a cookie. When that same user logs in again in that browser, the
page layer sends the parked forms once more as them, through the same routes and rules as
any request, and the user lands back on the page they were on. Another user logging in on
the same browser gets none of it; parked forms older than `MAX_AGE` are removed unused.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.timeutil import utcnow
from app.users.models import ParkedRequest

MAX_AGE = timedelta(hours=2)
# At most this many forms per browser: a page with autosave sends one per question changed.
MAX_PER_BROWSER = 20
# Fields never stored: the CSRF token (a fresh one is sent on replay).
_LEFT_OUT = frozenset({"csrf_token"})


@dataclass(frozen=True)
class Parked:
    """A parked form as it will be sent again."""

    path: str
    fields: list[tuple[str, str]]
    return_url: str


def _hash(batch: str) -> str:
    return hashlib.sha256(batch.encode()).hexdigest()


def new_batch() -> str:
    """The random value for a browser's cookie."""
    return secrets.token_urlsafe(32)


def park(
    session: Session,
    *,
    batch: str,
    user_id: int,
    path: str,
    fields: list[tuple[str, str]],
    return_url: str,
) -> bool:
    """Keep one form for `user_id` under the browser's `batch`; False when the browser already
    has as many waiting as it may keep (the oldest are kept: they were typed first)."""
    now = utcnow()
    session.execute(delete(ParkedRequest).where(col(ParkedRequest.created_at) < now - MAX_AGE))
    waiting = session.exec(
        select(ParkedRequest.id).where(ParkedRequest.batch_hash == _hash(batch))
    ).all()
    if len(waiting) >= MAX_PER_BROWSER:
        return False
    kept = [[name, value] for name, value in fields if name not in _LEFT_OUT]
    session.add(
        ParkedRequest(
            batch_hash=_hash(batch),
            user_id=user_id,
            path=path[:500],
            fields=json.dumps(kept, ensure_ascii=False),
            return_url=return_url[:500],
            created_at=now,
        )
    )
    session.flush()
    return True


def claim(session: Session, *, batch: str, user_id: int) -> list[Parked]:
    """The browser's parked forms of `user_id`, oldest first, removed as they are handed out
    (each is sent once). Forms of another user under the same cookie are removed unsent."""
    rows = session.exec(
        select(ParkedRequest)
        .where(ParkedRequest.batch_hash == _hash(batch))
        .order_by(col(ParkedRequest.id))
    ).all()
    fresh_after = utcnow() - MAX_AGE
    claimed = [
        Parked(
            path=row.path,
            fields=[(str(name), str(value)) for name, value in json.loads(row.fields)],
            return_url=row.return_url,
        )
        for row in rows
        if row.user_id == user_id and row.created_at >= fresh_after
    ]
    session.execute(delete(ParkedRequest).where(col(ParkedRequest.batch_hash) == _hash(batch)))
    session.flush()
    return claimed
