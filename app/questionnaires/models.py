"""Questionnaire versions as first used: pinned by key, version and content hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class QuestionnaireVersion(SQLModel, table=True):
    """A questionnaire file's version, its SHA-256 and its canonical content."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    version: int = Field(nullable=False)
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    title_nl: str = Field(sa_column=Column(String(300), nullable=False))
    title_en: str = Field(sa_column=Column(String(300), nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
