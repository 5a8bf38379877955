"""Signed checkpoints of the audit trail, anchored outside the database.

Threat model: someone can write to the database (a DBA, an injected statement, a restored copy
that was edited) but has neither the organisation's signing key nor the copies of checkpoints
that left the system. A hash chain alone does not stop them: they can cut its tail or recompute
it from an edited event onwards. A checkpoint is a statement "the first N events of the trail
that begins with event hash C end in hash H", signed with the organisation's key (a detached
CMS signature, RFC 3161-timestamped when a timestamp authority is configured). It is stored in
the database and appended to a file outside it, and the newest one is published in the public
transparency register, so copies exist that a database writer cannot reach.

The statement's bytes are its RFC 8785 form, so anyone can recompute them from the JSON with a
standard tool and check the CMS signature (for example with `openssl cms -verify`). Checkpoints
form a chain of their own: each names the SHA-256 of the statement before it.

This module knows nothing of keys: signing and checking go through a `Sealer`, which the caller
provides (the organisation's seal lives with the reports)."""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Text, cast, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.audit.chain import Waypoint, parse_time
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.service import GENESIS
from app.canonical import canonical_bytes, sha256_hex
from app.db import session_scope
from app.timeutil import utcnow

FORMAT = "datawaarden.audit-checkpoint/1"
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_CHECKPOINTS = AuditCheckpoint.__table__  # type: ignore[attr-defined]
_STATEMENT_KEYS = {
    "format",
    "organisation",
    "chain",
    "sequence",
    "events",
    "last_event_id",
    "head",
    "previous",
    "created_at",
}


@dataclass(frozen=True)
class SealCheck:
    """What checking a detached signature found."""

    ok: bool
    signer: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    problem: str | None = None


class Sealer(Protocol):
    """Signs bytes with the organisation's key and checks such signatures."""

    def seal(self, data: bytes) -> bytes:
        """A detached CMS signature (DER) over `data`."""

    def check(self, data: bytes, signature: bytes) -> SealCheck:
        """Whether `signature` is an intact, trusted signature over `data` (never raises)."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read from the database, the file or an auditor's anchor."""

    statement: dict[str, Any]
    statement_bytes: bytes
    cms: bytes
    source: str  # where it was read: "database", the file name and line, "anchor ..."

    @property
    def sha256(self) -> str:
        return sha256_hex(self.statement_bytes)

    @property
    def sequence(self) -> int:
        return int(self.statement["sequence"])

    @property
    def label(self) -> str:
        return f"checkpoint {self.sequence} ({self.source})"

    def waypoint(self) -> Waypoint:
        return Waypoint(
            label=self.label,
            head=str(self.statement["head"]),
            count=int(self.statement["events"]),
            last_event_id=int(self.statement["last_event_id"]),
        )

    def line(self) -> str:
        """The checkpoint as one line of the checkpoint file (and of an anchor file)."""
        return json.dumps(
            {
                "statement": self.statement,
                "sha256": self.sha256,
                "cms": base64.b64encode(self.cms).decode("ascii"),
            },
            ensure_ascii=False,
            sort_keys=True,
        )


class CheckpointUnreadable(ValueError):
    """A checkpoint that cannot be read; the message says why."""


def _statement_problem(statement: Any) -> str | None:
    if not isinstance(statement, dict):
        return "not a JSON object"
    if statement.get("format") != FORMAT:
        return f"format {statement.get('format')!r} is not {FORMAT}"
    missing = _STATEMENT_KEYS - set(statement)
    if missing:
        return "missing " + ", ".join(sorted(missing))
    for key in ("sequence", "events", "last_event_id"):
        value = statement[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"{key} {value!r} is not a whole number"
    for key in ("head", "previous"):
        value = statement[key]
        if not isinstance(value, str) or len(value) != 64:
            return f"{key} {value!r} is not a SHA-256"
    if statement["chain"] is not None and not isinstance(statement["chain"], str):
        return "chain is not a hash"
    try:
        parse_time(statement["created_at"])
    except ValueError:
        return f"created_at {statement['created_at']!r} is not a time"
    return None


def parse_line(text: str, source: str) -> Checkpoint:
    """A checkpoint from a line of the checkpoint file or an anchor file."""
    try:
        data = json.loads(text)
    except ValueError:
        raise CheckpointUnreadable("not JSON") from None
    if not isinstance(data, dict) or "statement" not in data or "cms" not in data:
        raise CheckpointUnreadable("not a checkpoint (needs 'statement' and 'cms')")
    problem = _statement_problem(data["statement"])
    if problem:
        raise CheckpointUnreadable(problem)
    try:
        cms = base64.b64decode(str(data["cms"]), validate=True)
        statement_bytes = canonical_bytes(data["statement"])
    except (binascii.Error, ValueError) as exc:
        raise CheckpointUnreadable(f"cannot be read: {exc}") from None
    checkpoint = Checkpoint(data["statement"], statement_bytes, cms, source)
    if "sha256" in data and data["sha256"] != checkpoint.sha256:
        raise CheckpointUnreadable("its sha256 does not match its statement")
    return checkpoint


def read_file(path: Path) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in a checkpoint or anchor file, and a problem per unreadable line.
    One JSON object (as the register publishes it) counts as a file of one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeError) as exc:
        return [], [f"{path}: cannot be read: {exc}"]
    stripped = text.strip()
    lines = [stripped] if stripped.startswith("{") and "\n{" not in stripped else text.splitlines()
    found: list[Checkpoint] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(parse_line(line, f"{path.name} line {number}"))
        except CheckpointUnreadable as exc:
            problems.append(f"{path.name} line {number}: {exc}")
    return found, problems


def append_to_file(path: Path, checkpoints: Iterable[Checkpoint]) -> int:
    """Append checkpoints that the file does not hold yet, in order, each as one line written
    at once and synced to disk. Returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # several processes may append
        try:
            handle.seek(0)
            known = set()
            for line in handle:
                try:
                    known.add(json.loads(line)["sha256"])
                except (ValueError, KeyError, TypeError):
                    continue
            written = 0
            for checkpoint in sorted(checkpoints, key=lambda c: c.sequence):
                if checkpoint.sha256 in known:
                    continue
                handle.write(checkpoint.line() + "\n")
                known.add(checkpoint.sha256)
                written += 1
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return written


def _from_row(row: Any) -> Checkpoint:
    statement = json.loads(row.statement_json)
    problem = _statement_problem(statement)
    if problem:
        raise CheckpointUnreadable(problem)
    statement_bytes = row.statement_json.encode("utf-8")
    if sha256_hex(statement_bytes) != row.statement_sha256:
        raise CheckpointUnreadable("statement does not match its stored SHA-256")
    stored = (row.sequence, row.event_count, row.last_event_id, row.head_hash)
    signed = (
        statement["sequence"],
        statement["events"],
        statement["last_event_id"],
        statement["head"],
    )
    if tuple(str(v) for v in stored) != tuple(str(v) for v in signed):
        raise CheckpointUnreadable("its columns do not match its signed statement")
    if not isinstance(row.cms, bytes | memoryview):
        raise CheckpointUnreadable("its signature is missing")
    return Checkpoint(statement, statement_bytes, bytes(row.cms), "database")


def _rows(session: Session) -> Iterator[Any]:
    columns = [
        cast(_CHECKPOINTS.c[name], Text).label(name)
        if name in ("sequence", "event_count", "last_event_id")
        else _CHECKPOINTS.c[name]
        for name in (
            "id",
            "sequence",
            "event_count",
            "last_event_id",
            "head_hash",
            "statement_json",
            "statement_sha256",
            "cms",
        )
    ]
    after = None
    while True:
        statement = select(*columns).order_by(_CHECKPOINTS.c.id).limit(500)
        if after is not None:
            statement = statement.where(_CHECKPOINTS.c.id > after)
        rows = session.execute(statement).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def stored_checkpoints(session: Session) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in the database, and a problem per damaged row."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    for row in _rows(session):
        try:
            found.append(_from_row(row))
        except (CheckpointUnreadable, ValueError, TypeError, AttributeError) as exc:
            problems.append(f"audit_checkpoints row {row.id}: {exc}")
    return found, problems


def newest_checkpoint(session: Session) -> Checkpoint | None:
    """The newest stored checkpoint (for the public register), or None."""
    row = session.execute(
        select(_CHECKPOINTS).order_by(_CHECKPOINTS.c.sequence.desc()).limit(1)
    ).first()
    if row is None:
        return None
    try:
        return _from_row(row)
    except (CheckpointUnreadable, ValueError, TypeError, AttributeError):
        return None


def _chain_state(session: Session) -> tuple[str | None, int, int, str]:
    """(hash of the first event, number of events, id of the newest, its hash)."""
    newest = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
    ).first()
    if newest is None:
        return None, 0, 0, GENESIS
    first = session.execute(select(_EVENTS.c.hash).order_by(_EVENTS.c.id).limit(1)).scalar()
    count = session.execute(
        select(func.count()).select_from(_EVENTS).where(_EVENTS.c.id <= newest.id)
    ).scalar()
    return first, int(count or 0), int(newest.id), str(newest.hash)


def take_checkpoint(
    engine: Engine,
    *,
    sealer: Sealer,
    organisation: str,
    file: Path | None,
    force: bool = False,
) -> tuple[Checkpoint, bool]:
    """Sign the audit trail's current head and store the checkpoint in the database and the
    file. Without `force`, no new checkpoint is made while the head is the newest checkpoint's
    (it is still copied to the file if missing there). Returns (checkpoint, made)."""
    for _attempt in range(5):
        # Read without holding the write lock: signing can take a timestamp authority's round
        # trip. Events appended meanwhile do not matter: the statement is about a prefix.
        with Session(engine) as session:
            chain, count, last_id, head = _chain_state(session)
            previous = newest_checkpoint(session)
        if (
            previous is not None
            and not force
            and previous.statement["head"] == head
            and previous.statement["events"] == count
        ):
            if file is not None:
                append_to_file(file, [previous])
            return previous, False
        sequence = (previous.sequence if previous else 0) + 1
        statement = {
            "format": FORMAT,
            "organisation": organisation,
            "chain": chain,
            "sequence": sequence,
            "events": count,
            "last_event_id": last_id,
            "head": head,
            "previous": previous.sha256 if previous else GENESIS,
            "created_at": utcnow().isoformat(timespec="seconds"),
        }
        statement_bytes = canonical_bytes(statement)
        cms = sealer.seal(statement_bytes)
        checkpoint = Checkpoint(statement, statement_bytes, cms, "database")
        try:
            with session_scope(engine) as session:
                session.add(
                    AuditCheckpoint(
                        sequence=sequence,
                        event_count=count,
                        last_event_id=last_id,
                        head_hash=head,
                        statement_json=statement_bytes.decode("utf-8"),
                        statement_sha256=checkpoint.sha256,
                        cms=cms,
                    )
                )
        except IntegrityError:
            continue  # another process took the same sequence number: read again
        if file is not None:
            append_to_file(file, [checkpoint])
        return checkpoint, True
    raise RuntimeError("could not take an audit checkpoint: too many concurrent checkpoints")


def copy_missing_to_file(session: Session, file: Path) -> int:
    """Append every stored checkpoint that the file lacks (after a crash between the database
    commit and the file write, or when the file was moved to write-once storage)."""
    stored, _problems = stored_checkpoints(session)
    return append_to_file(file, stored)


@dataclass
class CheckpointReport:
    """Everything known about the checkpoints, and what does not hold."""

    stored: int = 0
    in_file: int = 0
    anchors: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    waypoints: list[Waypoint] = field(default_factory=list)


def check_checkpoints(
    session: Session,
    *,
    sealer: Sealer,
    file: Path | None,
    anchors: Iterable[Path] = (),
    chain_first_hash: str | None,
) -> CheckpointReport:
    """Check every checkpoint from the database, the file and the anchors: its signature, the
    chain of checkpoints, and that none of the file's or the anchors' is missing from the
    database. The valid ones come back as waypoints for the walk over the events."""
    report = CheckpointReport()
    stored, problems = stored_checkpoints(session)
    report.problems.extend(problems)
    report.stored = len(stored)
    by_sequence: dict[int, Checkpoint] = {}
    for checkpoint in stored:
        if checkpoint.sequence in by_sequence:
            report.problems.append(f"{checkpoint.label}: stored twice")
        by_sequence[checkpoint.sequence] = checkpoint
    outside: list[Checkpoint] = []
    if file is not None:
        from_file, file_problems = read_file(file)
        report.problems.extend(file_problems)
        report.in_file = len(from_file)
        outside.extend(from_file)
        if stored and not file.exists():
            report.problems.append(
                f"the checkpoint file {file} does not exist, but the database holds "
                f"{len(stored)} checkpoints: it was removed or the setting points elsewhere"
            )
    for path in anchors:
        if not path.exists():
            report.problems.append(f"anchor {path} does not exist")
            continue
        from_anchor, anchor_problems = read_file(path)
        report.problems.extend(anchor_problems)
        report.anchors += len(from_anchor)
        outside.extend(
            Checkpoint(c.statement, c.statement_bytes, c.cms, f"anchor {c.source}")
            for c in from_anchor
        )
    valid: dict[str, Checkpoint] = {}
    for checkpoint in [*stored, *outside]:
        if checkpoint.sha256 in valid:
            continue
        check = sealer.check(checkpoint.statement_bytes, checkpoint.cms)
        if not check.ok:
            report.problems.append(
                f"{checkpoint.label}: its signature does not hold ({check.problem or 'not trusted'})"
            )
            continue
        valid[checkpoint.sha256] = checkpoint
    # The stored checkpoints form a chain 1, 2, 3, ... each naming the one before.
    previous = GENESIS
    for sequence in range(1, max(by_sequence, default=0) + 1):
        in_chain = by_sequence.get(sequence)
        if in_chain is None:
            report.problems.append(
                f"checkpoint {sequence} is missing from the database: checkpoint rows were removed"
            )
            previous = ""
            continue
        if previous and in_chain.statement["previous"] != previous:
            report.problems.append(
                f"{in_chain.label} does not follow checkpoint {sequence - 1}: "
                "checkpoints were removed, replaced or reordered"
            )
        previous = in_chain.sha256
    for checkpoint in outside:
        if checkpoint.sha256 not in valid:
            continue
        twin = by_sequence.get(checkpoint.sequence)
        if twin is None:
            report.problems.append(
                f"{checkpoint.label} is missing from the database: checkpoint rows were removed"
            )
        elif twin.sha256 != checkpoint.sha256:
            report.problems.append(
                f"{checkpoint.label} differs from the database's checkpoint "
                f"{checkpoint.sequence}: the database's was replaced"
            )
    for checkpoint in valid.values():
        chain = checkpoint.statement["chain"]
        if chain != chain_first_hash and checkpoint.statement["events"] > 0:
            report.problems.append(
                f"{checkpoint.label} belongs to an audit trail that begins with "
                f"{str(chain)[:16]}…, but this one begins with {str(chain_first_hash)[:16]}…: "
                "the trail was replaced or rewritten, or the file belongs to another installation"
            )
    if file is not None:
        file_hashes = {c.sha256 for c in outside if c.source.startswith(file.name)}
        missing = [c for c in stored if c.sha256 not in file_hashes]
        if missing and file.exists():
            report.notices.append(
                f"{len(missing)} stored checkpoints are not in {file} yet "
                "(`datawaarden audit checkpoint` copies them)"
            )
    report.waypoints = [c.waypoint() for c in valid.values()]
    return report
