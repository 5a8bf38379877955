"""Each reminder once: the record that it was decided, in the transaction that wrote its
notification and its mail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Reminder(SQLModel, table=True):
    """One reminder to one recipient: its kind (app.notifications.reminder_texts), what it is
    about (`subject_id`: a condition, or an assessment for a re-assessment), the date it is
    about and the recipient (`user:<id>` or `mail:<address>`). The unique key makes recording
    it again (a second scan, a second worker, a scan after a crash) do nothing."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "due_on", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(30), nullable=False))
    subject_id: int = Field(nullable=False)
    due_on: date = Field(sa_column=Column(Date, nullable=False))
    recipient: str = Field(sa_column=Column(String(260), nullable=False))
    assessment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("assessments.id"), nullable=False, index=True)
    )
    # The day (Europe/Amsterdam) the scan that recorded it took as today.
    scanned_for: date = Field(sa_column=Column(Date, nullable=False))
    notification_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("notifications.id"))
    )
    mail_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("outgoing_mails.id"))
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
