"""The hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """One appended event; `hash` covers its canonical form and the previous event's hash."""

    __tablename__ = "audit_events"
    # The events of one object (a report's signing, checked on every archive page).
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("users.id")))
    action: str = Field(sa_column=Column(String(60), nullable=False, index=True))
    object_type: str = Field(default="", sa_column=Column(String(40), nullable=False))
    object_id: str = Field(default="", sa_column=Column(String(60), nullable=False))
    assessment_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("assessments.id"), index=True)
    )
    details_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement that the audit trail's first `event_count` events end in `head_hash`.

    `statement_json` holds the exact RFC 8785 bytes that were signed (a CMS signature of the
    organisation's key, `cms`); a copy of every checkpoint also goes to a file outside the
    database (see app.audit.checkpoints)."""

    __tablename__ = "audit_checkpoints"

    id: int | None = Field(default=None, primary_key=True)
    sequence: int = Field(nullable=False, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    event_count: int = Field(nullable=False)
    last_event_id: int = Field(nullable=False)
    head_hash: str = Field(sa_column=Column(String(64), nullable=False))
    statement_json: str = Field(sa_column=Column(Text, nullable=False))
    statement_sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    cms: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
