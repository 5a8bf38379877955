"""Dates and times as people read them: in the reader's language, and times in
Europe/Amsterdam with the zone named (the database keeps UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from app.i18n import get_locale

ZONE = ZoneInfo("Europe/Amsterdam")


def day(value: date | datetime | None, locale: str | None = None) -> str:
    """A date in words, for example "1 december 2026"."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = _aware(value).astimezone(ZONE).date()
    return format_date(value, "d MMMM y", locale=locale or get_locale())


def _aware(value: datetime) -> datetime:
    """The database keeps UTC; SQLite hands it back without a zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def moment(value: datetime | None, locale: str | None = None, *, seconds: bool = False) -> str:
    """A time with its date and zone, for example "1 december 2026 10:52 CET"."""
    if value is None:
        return "–"
    local = _aware(value).astimezone(ZONE)
    pattern = "d MMMM y HH:mm:ss" if seconds else "d MMMM y HH:mm"
    text = format_datetime(local, pattern, locale=locale or get_locale())
    return f"{text} {local.tzname()}"


def iso(value: date | datetime) -> str:
    """The machine-readable form for a <time datetime> attribute (UTC for times)."""
    if isinstance(value, datetime):
        return _aware(value).isoformat(timespec="seconds")
    return value.isoformat()


def number(value: float | int, digits: int = 1, locale: str | None = None) -> str:
    """A number as the reader writes it: "36,5" in Dutch, "36.5" in English."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=locale or get_locale())


def percent(value: float | int, digits: int = 0, locale: str | None = None) -> str:
    """A share out of 100 as the reader writes it: "36%" in both, "36,5%" in Dutch with a decimal."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value / 100, format=fmt, locale=locale or get_locale())
