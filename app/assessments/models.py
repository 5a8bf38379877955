"""Assessments, their answers and revisions, submissions and state history."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class State(enum.StrEnum):
    """Where an assessment is in its lifecycle."""

    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    changes_requested = "changes_requested"
    advice_drafted = "advice_drafted"
    signed = "signed"
    archived = "archived"
    withdrawn = "withdrawn"


class Assessment(SQLModel, table=True):
    """A project lead's assessment of one proposed data project."""

    __tablename__ = "assessments"
    # One re-assessment follows an assessment: the chain of a project never forks.
    __table_args__ = (Index("ix_assessments_previous_id", "previous_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    title: str = Field(sa_column=Column(String(200), nullable=False))
    department: str = Field(sa_column=Column(String(200), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    questionnaire_version_id: int = Field(
        sa_column=Column(Integer, ForeignKey("questionnaire_versions.id"), nullable=False)
    )
    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
    )
    state: str = Field(
        default=State.draft, sa_column=Column(String(30), nullable=False, index=True)
    )
    locale: str = Field(default="nl", sa_column=Column(String(5), nullable=False))
    version: int = Field(default=1, nullable=False)
    is_public: bool = Field(default=False, nullable=False)
    rapporteur_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    # A re-assessment names the assessment it follows (app.assessments.reassessing); the
    # chain of one project runs through these links.
    previous_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AssessmentEditor(SQLModel, table=True):
    """A co-author who may edit an assessment besides its lead."""

    __tablename__ = "assessment_editors"

    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), primary_key=True)
    )
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), primary_key=True))
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ConflictOfInterest(SQLModel, table=True):
    """A committee member's declared conflict of interest for one assessment."""

    __tablename__ = "conflicts_of_interest"

    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), primary_key=True)
    )
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), primary_key=True))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    declared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReferenceCounter(SQLModel, table=True):
    """The last reference number handed out per year (DW-2026-0042)."""

    __tablename__ = "reference_counters"

    year: int = Field(primary_key=True)
    last_number: int = Field(default=0, nullable=False)


class Answer(SQLModel, table=True):
    """The current answer to one question; `version` guards against lost updates."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    question_id: str = Field(sa_column=Column(String(100), nullable=False))
    value_json: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(default=1, nullable=False)
    updated_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AnswerRevision(SQLModel, table=True):
    """One change to an answer: who, when, from what to what."""

    __tablename__ = "answer_revisions"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    question_id: str = Field(sa_column=Column(String(100), nullable=False))
    old_value_json: str | None = Field(default=None, sa_column=Column(Text))
    new_value_json: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="save", sa_column=Column(String(20), nullable=False))
    actor_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Submission(SQLModel, table=True):
    """A frozen snapshot of an assessment at submission: canonical JSON plus its SHA-256."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "number"),
        # An assessment's submissions, and its first one (the dashboard) from the index alone.
        Index("ix_submissions_assessment_id_submitted_at", "assessment_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False)
    )
    number: int = Field(nullable=False)
    snapshot_json: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    submitted_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class StateChange(SQLModel, table=True):
    """One move in an assessment's lifecycle."""

    __tablename__ = "state_changes"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    from_state: str = Field(sa_column=Column(String(30), nullable=False))
    to_state: str = Field(sa_column=Column(String(30), nullable=False))
    actor_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
