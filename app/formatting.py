"""Dates, times and numbers as people read them: in the reader's language, and times in
Europe/Amsterdam with the zone named (the database keeps UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from app.i18n import get_locale

ZONE = ZoneInfo("Europe/Amsterdam")


@lru_cache(maxsize=16)
def _babel(identifier: str) -> Locale:
    """Babel's locale, parsed once (a page of 100 times parsed it 100 times)."""
    return Locale.parse(identifier)


def day(value: date | datetime | str | None, locale: str | None = None) -> str:
    """A date in words, for example "1 december 2026" (also from an ISO date string)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = _from_iso(value)
    if isinstance(value, datetime):
        value = _aware(value).astimezone(ZONE).date()
    return format_date(value, "d MMMM y", locale=_babel(locale or get_locale()))


def _aware(value: datetime) -> datetime:
    """The database keeps UTC; SQLite hands it back without a zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _from_iso(text: str) -> date | datetime:
    """An ISO date, or an ISO time (UTC unless it names its offset)."""
    if len(text) <= 10:
        return date.fromisoformat(text)
    return _aware(datetime.fromisoformat(text))


def moment(value: datetime | None, locale: str | None = None, *, seconds: bool = False) -> str:
    """A time with its date and zone, for example "1 december 2026 10:52 CET"."""
    if value is None:
        return "–"
    local = _aware(value).astimezone(ZONE)
    pattern = "d MMMM y HH:mm:ss" if seconds else "d MMMM y HH:mm"
    text = format_datetime(local, pattern, locale=_babel(locale or get_locale()))
    return f"{text} {local.tzname()}"


def iso(value: date | datetime) -> str:
    """The machine-readable form for a <time datetime> attribute (UTC for times)."""
    if isinstance(value, datetime):
        return _aware(value).isoformat(timespec="seconds")
    return value.isoformat()


def decimal(value: float | str, locale: str | None = None) -> str:
    """A number with the language's separators and at most one decimal: "12,5", "60.000"."""
    return format_decimal(float(value), "#,##0.#", locale=_babel(locale or get_locale()))


def percent(value: float, locale: str | None = None, *, digits: int = 1) -> str:
    """A percentage (0-100), by default with one decimal: "36,0 %" in Dutch (with the space the
    Dutch spelling rules ask for), "36.0%" in English; `digits=0` gives "36 %"."""
    locale = locale or get_locale()
    number = "#,##0" + ("." + "0" * digits if digits else "")
    pattern = number + ("%" if locale.startswith("en") else " %")
    return format_percent(value / 100, pattern, locale=_babel(locale))
