"""Signed advice reports: the signed bytes are stored once and never regenerated."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class ReportKind(enum.StrEnum):
    """What made a stored version of a report."""

    signature = "signature"  # the chair's signature: sequence 1
    cosignature = "cosignature"  # a second signature (the secretary's)
    timestamp = "timestamp"  # a renewed document timestamp (`datawaarden archive timestamp`)


class Report(SQLModel, table=True):
    """One stored version of the signed advice report. The chair's signature gives sequence 1;
    a second signature and each renewed document timestamp are incremental updates stored as
    the next sequence, so every version's bytes begin with the previous version's. Stored bytes
    are never changed; downloads serve the newest sequence."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("advice_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    advice_id: int = Field(sa_column=Column(Integer, ForeignKey("advices.id"), nullable=False))
    sequence: int = Field(default=1, nullable=False)
    kind: str = Field(
        default=ReportKind.signature,
        sa_column=Column(String(20), nullable=False, server_default="signature"),
    )
    snapshot_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # Who signed; none for a renewed timestamp, which the archive job adds on its own.
    signed_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    audit_head_hash: str = Field(sa_column=Column(String(64), nullable=False))


class PublicReport(SQLModel, table=True):
    """One stored version of the public edition of a signed report: the same decision without
    the committee members' names, their opinions and notes, and the review comments, sealed
    with the organisation's key like the internal report (app.reports.render.gather_public).
    The transparency register serves only these. Sequence 1 is made at signing (or by
    `archive.public.make_missing_public_editions` for reports signed before); each renewed
    document timestamp is the next sequence, an incremental update of the one before. Like
    `reports`, the table is append-only (guard triggers)."""

    __tablename__ = "public_reports"
    __table_args__ = (UniqueConstraint("advice_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    advice_id: int = Field(sa_column=Column(Integer, ForeignKey("advices.id"), nullable=False))
    # The internal report (its first version) this is the public edition of.
    report_id: int = Field(sa_column=Column(Integer, ForeignKey("reports.id"), nullable=False))
    sequence: int = Field(default=1, nullable=False)
    kind: str = Field(
        default=ReportKind.signature,
        sa_column=Column(String(20), nullable=False, server_default="signature"),
    )
    # The stored submission whose public projection the edition embeds.
    snapshot_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # Who signed the internal report at the same moment; none when made afterwards (a backfill)
    # and for a renewed timestamp.
    signed_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    audit_head_hash: str = Field(sa_column=Column(String(64), nullable=False))
