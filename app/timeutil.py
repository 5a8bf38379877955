"""Time helpers: everything is stored in UTC and read back timezone-aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["UTC", "UTCDateTime", "amsterdam_today", "utcnow"]

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def amsterdam_today(now: datetime | None = None) -> date:
    """The date in Europe/Amsterdam at `now` (default: now): due dates are days there."""
    return (now or utcnow()).astimezone(ZoneInfo("Europe/Amsterdam")).date()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC; SQLite gives naive values back, so attach UTC on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
