"""Append-only, hash-chained audit log. There is deliberately no update or delete here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.canonical import canonical_json, sha256_hex
from app.timeutil import utcnow

GENESIS = "0" * 64
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
# Built once: appends happen on every answer save.
_HEAD = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT = _EVENTS.insert()
# An arbitrary constant key for PostgreSQL's transaction-level advisory lock.
_APPEND_LOCK_KEY = 7_201_604_155
_APPEND_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def event_hash(
    *,
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    assessment_id: int | None,
    details_json: str,
) -> str:
    """The SHA-256 over an event's canonical form (RFC 8785), chained to the previous hash."""
    body = {
        "prev": prev_hash,
        "at": created_at.isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "assessment": assessment_id,
        "details": details_json,
    }
    return sha256_hex(event_body(body))


def event_body(body: dict[str, Any]) -> bytes:
    """The RFC 8785 form of an event body. Its members are fixed ASCII names and its values are
    text, whole numbers within ±(2**53 - 1) or null; for such objects Python's sorted, compact
    json.dumps writes exactly the bytes RFC 8785 prescribes (tests/audit prove it on generated
    bodies), about six times faster than the general canonicaliser, which counts when a million
    events are verified."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _lock_chain(session: Session) -> None:
    """Serialise appends so that concurrent writers never fork the chain.

    SQLite write transactions already start with BEGIN IMMEDIATE (see app.db), which
    gives one writer at a time; PostgreSQL needs an explicit lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_APPEND_LOCK, {"key": _APPEND_LOCK_KEY})


def head_hash(session: Session) -> str:
    """The hash of the newest event, or the genesis value for an empty log."""
    last = session.execute(_HEAD).scalar()
    return last or GENESIS


def record_event(
    session: Session,
    *,
    action: str,
    actor_id: int | None,
    object_type: str = "",
    object_id: str | int = "",
    assessment_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> str:
    """Append one event to the chain and return its hash (the caller's transaction commits).

    Whatever the caller added before is flushed first, so that rows follow the order of events.
    """
    session.flush()
    _lock_chain(session)
    prev = head_hash(session)
    created_at = utcnow()
    details_json = canonical_json(details or {})
    fields = {
        "created_at": created_at,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "assessment_id": assessment_id,
        "details_json": details_json,
        "prev_hash": prev,
    }
    digest = fields["hash"] = event_hash(
        prev_hash=prev,
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        assessment_id=assessment_id,
        details_json=details_json,
    )
    session.execute(_INSERT, fields)
    return digest


def event_details(event: AuditEvent) -> dict[str, Any]:
    """The details of an event as a dict."""
    loaded: dict[str, Any] = json.loads(event.details_json)
    return loaded
