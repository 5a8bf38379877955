"""Walking the audit trail's hash chain, in constant memory and without trusting a single row.

Every row is read as plain text (no ORM, no type conversion by the driver), so a damaged row
(an impossible time, a wrong type, a NULL) becomes a finding that names the event instead of an
exception. The walk also checks the points the chain must pass through: signed checkpoints
(after so many events the head is this hash) and the chain heads that signed reports carry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.audit.service import GENESIS, event_body
from app.canonical import sha256_hex

_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
# More findings than this are counted, not listed: one damaged table should not flood a report.
MAX_FINDINGS = 200


@dataclass(frozen=True)
class ChainProblem:
    """One place where the chain does not hold (`event_id` None: not tied to one event)."""

    event_id: int | None
    reason: str


@dataclass(frozen=True)
class Waypoint:
    """A point the chain must pass: after `count` events (the newest with id `last_event_id`)
    the head is `head`. A report's chain head has no count: it must just occur in the chain."""

    label: str
    head: str
    count: int | None = None
    last_event_id: int | None = None


@dataclass
class ChainReport:
    """The result of walking the chain."""

    count: int = 0
    head: str = GENESIS
    first_hash: str | None = None
    problems: list[ChainProblem] = field(default_factory=list)
    more_problems: int = 0
    # Where each watched hash occurs (1-based position in the chain).
    positions: dict[str, int] = field(default_factory=dict)
    # Watched events by action: (position, event id, object id, details JSON text).
    watched: dict[str, list[tuple[int, int, str, str]]] = field(default_factory=dict)
    waypoints_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem(self) -> ChainProblem | None:
        """The first problem, if any."""
        return self.problems[0] if self.problems else None

    def add(self, event_id: int | None, reason: str) -> None:
        if len(self.problems) < MAX_FINDINGS:
            self.problems.append(ChainProblem(event_id, reason))
        else:
            self.more_problems += 1


def _as_text(column: Any, dialect: str) -> Any:
    if column.name != "created_at":
        return column  # integers and text come back as stored, without conversion
    if dialect == "postgresql":
        # In UTC whatever the session's time zone; 'infinity' and the like stay text.
        return cast(func.timezone("UTC", column), Text)
    return cast(column, Text)  # not the ORM type, whose parser would raise on a damaged value


_COLUMNS = (
    "created_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "assessment_id",
    "details_json",
    "prev_hash",
    "hash",
)


def _statement(dialect: str, after: int | None, batch: int) -> Any:
    columns = [_as_text(_EVENTS.c[name], dialect) for name in _COLUMNS]
    statement = select(_EVENTS.c.id, *columns).order_by(_EVENTS.c.id).limit(batch)
    return statement if after is None else statement.where(_EVENTS.c.id > after)


def _rows(connection: Connection, batch: int) -> Iterator[Row[Any]]:
    dialect = connection.dialect.name
    after: Any = None
    while True:
        rows = connection.execute(_statement(dialect, after, batch)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def parse_time(value: Any) -> datetime:
    """A stored event time as an aware UTC datetime; ValueError when it is not one."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise ValueError(f"{value!r} is not a time")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _time_text(value: Any) -> str:
    try:
        return parse_time(value).isoformat(timespec="microseconds")
    except (ValueError, OverflowError):
        raise ValueError(f"created_at {_excerpt(value)} is not a valid time") from None


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        # int() would round 12.5 down to 12, which hashes like the genuine 12: a changed row
        # would go unnoticed. SQLite lets an integer column hold such a value.
        raise ValueError(f"{name} {value!r} is not a whole number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} is {'empty (NULL)' if value is None else repr(value)}")
    return value


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def walk_chain(
    session: Session,
    *,
    waypoints: Iterable[Waypoint] = (),
    watch_actions: Iterable[str] = (),
    batch: int = 5000,
) -> ChainReport:
    """Walk every event in id order: each must link to the one before and hash to its stored
    hash, and the chain must pass every waypoint. All problems are listed (up to a limit); after
    a broken link the walk goes on from the stored hash, so one edit is one finding."""
    report = ChainReport()
    by_count: dict[int, list[Waypoint]] = {}
    heads: dict[str, list[Waypoint]] = {}
    for waypoint in waypoints:
        if waypoint.count is not None:
            by_count.setdefault(waypoint.count, []).append(waypoint)
        else:
            heads.setdefault(waypoint.head, []).append(waypoint)
    actions = set(watch_actions)
    for action in actions:
        report.watched[action] = []
    prev = GENESIS
    for waypoint in by_count.get(0, []):
        _check_waypoint(report, waypoint, None, GENESIS)
    connection = session.connection()
    for row in _rows(connection, batch):
        event_id, created, actor, action, object_type, object_id, assessment, details = row[:8]
        prev_hash, stored_hash = row[8], row[9]
        position = report.count + 1
        try:
            body = {
                "prev": _text(prev_hash, "prev_hash"),
                "at": _time_text(created),
                "actor": _int_or_none(actor, "actor_id"),
                "action": _text(action, "action"),
                "object_type": _text(object_type, "object_type"),
                "object_id": _text(object_id, "object_id"),
                "assessment": _int_or_none(assessment, "assessment_id"),
                "details": _text(details, "details_json"),
            }
            _text(stored_hash, "hash")
            expected: str | None = sha256_hex(event_body(body))
        except (ValueError, TypeError, OverflowError, UnicodeError) as exc:
            report.add(event_id, f"cannot be read: {exc}")
            expected = None
        if expected is not None:
            if prev_hash != prev:
                report.add(
                    event_id, "previous-hash mismatch: an event before it was removed or inserted"
                )
            elif expected != stored_hash:
                report.add(event_id, "content changed")
        prev = stored_hash if isinstance(stored_hash, str) else prev
        report.count = position
        report.head = prev
        if report.first_hash is None:
            report.first_hash = prev
        for waypoint in by_count.get(position, []):
            _check_waypoint(report, waypoint, event_id, prev)
        if prev in heads:
            report.positions.setdefault(prev, position)
        if action in actions:
            report.watched[action].append((position, event_id, str(object_id), str(details)))
    for count, waiting in by_count.items():
        if count > report.count:
            for waypoint in waiting:
                report.waypoints_checked += 1
                report.add(
                    None,
                    f"{waypoint.label} covers {count} events, but the audit trail has only "
                    f"{report.count}: events at the end were removed",
                )
    for head, waiting in heads.items():
        report.waypoints_checked += len(waiting)
        if head not in report.positions:
            for waypoint in waiting:
                report.add(
                    None,
                    f"{waypoint.label}: its audit chain head {head[:16]}… does not occur in the "
                    "audit trail: events were removed or rewritten",
                )
    return report


def _check_waypoint(
    report: ChainReport, waypoint: Waypoint, event_id: int | None, head: str
) -> None:
    report.waypoints_checked += 1
    if head != waypoint.head:
        report.add(
            event_id,
            f"{waypoint.label} says the first {waypoint.count} events end in "
            f"{waypoint.head[:16]}…, but they end in {head[:16]}…: events up to here were "
            "changed, removed or rewritten",
        )
    elif event_id is not None and waypoint.last_event_id not in (None, event_id):
        report.add(
            event_id,
            f"{waypoint.label} ends at event {waypoint.last_event_id}, the chain at event {event_id}",
        )


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain on its own, without waypoints."""
    return walk_chain(session)


def count_events(session: Session) -> int:
    """The number of events (for progress bars)."""
    return int(session.execute(select(func.count()).select_from(_EVENTS)).scalar() or 0)
