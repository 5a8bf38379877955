"""The archive index: one row per archived assessment, with what auditors search and filter on.

The row is written once when an assessment is archived (only the publication flag changes
later). Free-text search uses SQLite FTS5 or PostgreSQL full-text search over `search_text`
(see app.archive.search); the full-text structures themselves are made by the migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime


class ArchiveEntry(SQLModel, table=True):
    __tablename__ = "archive_entries"
    # The public register: the published entries, newest first.
    __table_args__ = (Index("ix_archive_entries_is_public_signed_at", "is_public", "signed_at"),)

    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), primary_key=True)
    )
    reference: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    department: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    description: str = Field(sa_column=Column(Text, nullable=False))
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    questionnaire_key: str = Field(sa_column=Column(String(100), nullable=False))
    questionnaire_version: int = Field(nullable=False)
    outcome: str = Field(sa_column=Column(String(30), nullable=False, index=True))
    overall_level: str = Field(sa_column=Column(String(10), nullable=False, index=True))
    levels_json: str = Field(sa_column=Column(Text, nullable=False))
    obligations: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    submitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    signed_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    year: int = Field(nullable=False, index=True)
    retention_until: date = Field(sa_column=Column(Date, nullable=False))
    report_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    is_public: bool = Field(default=False, nullable=False)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
