"""Committee review: comments, section verdicts, advice rounds, conditions and opinions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Verdict(enum.StrEnum):
    """The committee's judgement of one section."""

    acceptable = "acceptable"
    needs_improvement = "needs_improvement"
    to_correct = "to_correct"


class Outcome(enum.StrEnum):
    """The outcome of an advice."""

    positive = "positive"
    conditional = "conditional"
    negative = "negative"


class Stance(enum.StrEnum):
    """A committee member's opinion on an advice."""

    agree = "agree"
    disagree = "disagree"
    abstain = "abstain"


class ReviewComment(SQLModel, table=True):
    """A comment on a question or on the whole assessment; threaded and resolvable."""

    __tablename__ = "review_comments"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    submission_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("submissions.id"))
    )
    question_id: str | None = Field(default=None, sa_column=Column(String(100)))
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("review_comments.id"))
    )
    author_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"))
    )


class SectionVerdict(SQLModel, table=True):
    """The committee's verdict on one section of one submission."""

    __tablename__ = "section_verdicts"
    __table_args__ = (UniqueConstraint("submission_id", "section_id"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("submissions.id"), nullable=False)
    )
    section_id: str = Field(sa_column=Column(String(100), nullable=False))
    verdict: str = Field(sa_column=Column(String(30), nullable=False))
    author_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Advice(SQLModel, table=True):
    """One advice round; finalised advice is never edited, a correction opens a new round."""

    __tablename__ = "advices"
    __table_args__ = (UniqueConstraint("assessment_id", "round"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    round: int = Field(default=1, nullable=False)
    submission_id: int = Field(
        sa_column=Column(Integer, ForeignKey("submissions.id"), nullable=False)
    )
    outcome: str = Field(sa_column=Column(String(30), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    rationale_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    reassess_on: date | None = Field(default=None, sa_column=Column(Date))
    drafted_by_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finalised_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"))
    )
    finalised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AdviceCondition(SQLModel, table=True):
    """A numbered condition of an advice, with an owner and a due date.

    The owner is a name, and either an account (`owner_user_id`) or a contact address
    (`owner_email`) of a party without one. Like the advice, the row is sealed once the
    assessment is signed; its follow-up lives in ConditionFollowUp."""

    __tablename__ = "advice_conditions"
    __table_args__ = (UniqueConstraint("advice_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    advice_id: int = Field(sa_column=Column(Integer, ForeignKey("advices.id"), nullable=False))
    number: int = Field(nullable=False)
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(sa_column=Column(String(200), nullable=False))
    due_on: date | None = Field(default=None, sa_column=Column(Date))
    owner_user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True, index=True)
    )
    owner_email: str = Field(default="", sa_column=Column(String(254), nullable=False))


class ConditionFollowUp(SQLModel, table=True):
    """Where a condition of a signed advice stands (app.followup): its status moves by the
    table in app.followup.transitions, each move a ConditionUpdate row and an audit event;
    `version` makes a move compare-and-set, so two people cannot both move it from one state."""

    __tablename__ = "condition_followups"
    # The follow-up lists (dashboard, reminders) select on status.
    __table_args__ = (Index("ix_condition_followups_status", "status"),)

    # A condition that goes (only a DBA can delete a sealed one) takes its follow-up along.
    condition_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("advice_conditions.id", ondelete="CASCADE"), primary_key=True
        )
    )
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    status: str = Field(default="open", sa_column=Column(String(20), nullable=False))
    version: int = Field(default=1, nullable=False)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ConditionUpdate(SQLModel, table=True):
    """One move of a condition's status: who, when, from what to what, and why."""

    __tablename__ = "condition_updates"

    id: int | None = Field(default=None, primary_key=True)
    condition_id: int = Field(
        sa_column=Column(Integer, ForeignKey("advice_conditions.id"), nullable=False, index=True)
    )
    from_status: str = Field(sa_column=Column(String(20), nullable=False))
    to_status: str = Field(sa_column=Column(String(20), nullable=False))
    action: str = Field(sa_column=Column(String(20), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    actor_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Opinion(SQLModel, table=True):
    """A committee member's opinion on an advice, so that dissent is visible."""

    __tablename__ = "opinions"
    __table_args__ = (UniqueConstraint("advice_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    advice_id: int = Field(sa_column=Column(Integer, ForeignKey("advices.id"), nullable=False))
    member_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    stance: str = Field(sa_column=Column(String(20), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
