"""In-app notifications per user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """Something a user should know about an assessment; unread until opened."""

    __tablename__ = "notifications"
    # Every page counts the user's unread ones; a member collects thousands over the years.
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    assessment_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("assessments.id"))
    )
    params_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutgoingMail(SQLModel, table=True):
    """An e-mail in the durable outbox (app.notifications.outbox): written in the transaction
    that decided to send it, sent by the worker, which claims it (`claimed_at`, `claim_token`)
    before it talks to the SMTP server and marks it sent after the server accepted it. A claim
    older than MAIL_LEASE_SECONDS is taken again, with the same `message_id`, so receivers can
    recognise a copy (README, "Reminders and the job runner")."""

    __tablename__ = "outgoing_mails"
    # The worker takes the oldest mail that is neither sent nor given up: a partial index holds
    # just those, so finding it stays one index step however much has been sent.
    __table_args__ = (
        Index(
            "ix_outgoing_mails_waiting",
            "id",
            sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(sa_column=Column(String(250), nullable=False, unique=True))
    recipient: str = Field(sa_column=Column(String(254), nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Not tried before this time (a retry waits longer after each failure).
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, sa_column=Column(String(32)))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Given up: refused by the server for good, or MAIL_MAX_ATTEMPTS attempts failed.
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0, nullable=False)
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
