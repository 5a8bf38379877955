"""Blobs (the bytes, stored once per SHA-256) and attachments (a file attached to an answer or
to a condition of an advice, kept after removal for the history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Blob(SQLModel, table=True):
    """The bytes of one file, named by their SHA-256. `content` is None when they are kept in
    the attachment directory (DATAWAARDEN_ATTACHMENT_DIR) instead of the database."""

    __tablename__ = "blobs"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Attachment(SQLModel, table=True):
    """A file attached to an answer (question_id) or as evidence of a condition
    (condition_id). Removing one sets removed_at; the row stays for the history."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_assessment_question", "assessment_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(
        sa_column=Column(String(64), ForeignKey("blobs.sha256"), nullable=False, index=True)
    )
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    media_type: str = Field(sa_column=Column(String(100), nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False)
    )
    question_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    condition_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("advice_conditions.id"), nullable=True, index=True),
    )
    uploaded_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    removed_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
