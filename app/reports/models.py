"""Signed advice reports: the signed bytes are stored once and never regenerated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Report(SQLModel, table=True):
    """One signed version of the advice report. The chair's signature gives sequence 1; an
    optional second signature is an incremental update stored as sequence 2. Stored bytes are
    never changed; downloads serve the newest sequence."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("advice_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    advice_id: int = Field(sa_column=Column(Integer, ForeignKey("advices.id"), nullable=False))
    sequence: int = Field(default=1, nullable=False)
    snapshot_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    signed_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    audit_head_hash: str = Field(sa_column=Column(String(64), nullable=False))
