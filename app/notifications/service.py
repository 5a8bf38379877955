"""In-app notifications."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.notifications.models import Notification
from app.users.models import User


def unread_count(session: Session, *, user: User) -> int:
    """How many notifications the user has not read yet."""
    return session.exec(
        select(func.count()).where(
            Notification.user_id == user.id, col(Notification.read_at).is_(None)
        )
    ).one()
