"""Hygiene for free text from users: no control characters (they break XML feeds, PDFs and
PostgreSQL, which refuses NUL) and no lone surrogates (they cannot be stored as UTF-8)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from app.errors import InvalidInput
from app.i18n import _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Characters that change how text around them is shown without being seen themselves: the
# bidirectional controls (an override makes "riahC" display as "Chair") and the zero-width
# characters (which make two equal-looking names differ). Removed from single-line fields:
# names, titles, owners; they have no place there.
INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value)


def is_email_address(value: str) -> bool:
    """Whether the text is an e-mail address (its form; nobody is asked whether it exists).
    The one rule for accounts and for answers that name an address."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


def has_surrogates(value: str) -> bool:
    return bool(_SURROGATE.search(value))


def scrub(value: str) -> str:
    """Text that can always be shown and encoded (for echoing input back in errors)."""
    return _SURROGATE.sub("\ufffd", value)


def clean_text(value: str, *, field: str, single_line: bool = False) -> str:
    """Strip control characters and surrounding space; refuse text that is not valid Unicode."""
    if has_surrogates(value):
        message = _("The text contains characters that are not valid.")
        raise InvalidInput(message, fields={field: message})
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    if single_line:
        value = " ".join(strip_invisible(value).split())
    return value.strip()


def parse_int(value: object, *, default: int | None = None, max_digits: int = 9) -> int | None:
    """A small non-negative whole number from user input (ASCII digits only), else the default."""
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and 0 < len(value) <= max_digits
    ):
        return int(value)
    return default


def tidy(value: str, *, single_line: bool = False) -> str:
    """Free text made safe to store and show: lone surrogates become U+FFFD, control
    characters go, surrounding space goes (and inner runs of space for single-line fields)."""
    value = _CONTROL.sub("", scrub(value or "").replace("\r\n", "\n"))
    if single_line:
        value = " ".join(strip_invisible(value).split())
    return value.strip()


def parse_day(value: str) -> datetime | None:
    """A date from a form (YYYY-MM-DD, as a date field sends it), at noon UTC; None if empty."""
    text = value.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        message = _("Enter a date such as 2040-01-31.")
        raise InvalidInput(message, fields={"at": message}) from None
    if not 2000 <= day.year <= 2200:
        message = _("Enter a date between the years 2000 and 2200.")
        raise InvalidInput(message, fields={"at": message})
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
