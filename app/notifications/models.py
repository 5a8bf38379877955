"""In-app notifications per user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
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
