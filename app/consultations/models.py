"""A consultation of residents on one assessment, and the reactions it received."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Moderation(enum.StrEnum):
    """What the committee decided about a reaction."""

    new = "new"  # not yet read
    published = "published"  # shown publicly as the committee's anonymous summary
    withheld = "withheld"  # read and weighed, not shown publicly


class Consultation(SQLModel, table=True):
    """The public summary of an assessment for residents, and the period they may react in.

    A draft (`published_at` empty) is written by the committee and checked by the lead
    (`lead_confirmed_at`, cleared by any later change); once published it is announced until
    `starts_on`, open through `ends_on` and closed after (days in Europe/Amsterdam). `version`
    makes every change compare-and-set."""

    __tablename__ = "consultations"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, unique=True)
    )
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    data_used: str = Field(sa_column=Column(Text, nullable=False))
    # The committee's questions to residents, one per line.
    questions: str = Field(sa_column=Column(Text, nullable=False))
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    created_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    lead_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lead_confirmed_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    version: int = Field(default=1, nullable=False)


class ConsultationReaction(SQLModel, table=True):
    """One resident's reaction. `body`, `name` and `email` are personal data: never shown
    publicly, and emptied (with `personal_data_deleted_at` set) after the retention period.
    The committee's tags, decision and anonymous summary stay."""

    __tablename__ = "consultation_reactions"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultations.id"), nullable=False, index=True)
    )
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The core value it concerns (a value id of the questionnaire), if the resident chose one.
    value_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    name: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    # The language the resident wrote in, for the mail with the final advice.
    locale: str = Field(default="nl", sa_column=Column(String(5), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Themes, as a JSON list of short lower-case words the committee chose.
    tags_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    moderation: str = Field(
        default=Moderation.new, sa_column=Column(String(20), nullable=False, index=True)
    )
    public_summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    moderated_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    advice_mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    personal_data_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, nullable=False)
