"""Dates and times as people read them: in the reader's language, and times in
Europe/Amsterdam with the zone named (the database keeps UTC)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from app.i18n import get_locale

ZONE = ZoneInfo("Europe/Amsterdam")


def day(value: date | datetime | None, locale: str | None = None) -> str:
    """A date in words, for example "1 december 2026"."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(ZONE).date()
    return format_date(value, "d MMMM y", locale=locale or get_locale())


def moment(value: datetime | None, locale: str | None = None) -> str:
    """A time with its date and zone, for example "1 december 2026 10:52 CET"."""
    if value is None:
        return "–"
    local = value.astimezone(ZONE)
    text = format_datetime(local, "d MMMM y HH:mm", locale=locale or get_locale())
    return f"{text} {local.tzname()}"
