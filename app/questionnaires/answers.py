"""Validating one answer against its question. Messages are in the user's language."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from app.i18n import _
from app.questionnaires.schema import (
    DEFAULT_MAX_LENGTH,
    SCALE_POINTS,
    YES_NO_UNKNOWN,
    Column,
    ColumnType,
    Question,
    QuestionType,
)
from app.text import is_email_address, strip_invisible

MAX_URL = 2000
# Register fields (of the algorithm register) whose answer is an e-mail address.
EMAIL_FIELDS = frozenset({"contact_email"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # cannot be stored as UTF-8


class AnswerInvalid(ValueError):
    """An answer that does not fit its question; the message says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _text(raw: Any, *, max_length: int, single_line: bool = False) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or _SURROGATE.search(raw):
        raise AnswerInvalid(_("Enter text."))
    value = _CONTROL.sub("", raw).replace("\r\n", "\n")
    if single_line:
        value = strip_invisible(value)
    value = value.strip()
    if len(value) > max_length:
        raise AnswerInvalid(
            _("Use at most %(max)s characters (now %(n)s).", max=max_length, n=len(value))
        )
    return value


def _number(
    raw: Any, *, low: float | None, high: float | None, integer: bool
) -> float | int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise AnswerInvalid(_("Enter a number."))
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):  # Dutch thousands separators
            text = text.replace(".", "")
        text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise AnswerInvalid(_("Enter a number.")) from None
    elif isinstance(raw, (int, float)):
        try:
            number = float(raw)
        except OverflowError:
            raise AnswerInvalid(_("Enter a number.")) from None
    else:
        raise AnswerInvalid(_("Enter a number."))
    if not math.isfinite(number):
        raise AnswerInvalid(_("Enter a number."))
    if integer and number != int(number):
        raise AnswerInvalid(_("Enter a whole number."))
    if (low is not None and number < low) or (high is not None and number > high):
        raise AnswerInvalid(
            _("Enter a number from %(min)s to %(max)s.", min=_fmt(low), max=_fmt(high))
        )
    # Whole numbers are kept as integers where JSON can hold them exactly (RFC 8785: within
    # ±(2**53 - 1)); larger ones stay floating point.
    whole = integer or number == int(number)
    return int(number) if whole and abs(number) <= _SAFE_INTEGER else number


_SAFE_INTEGER = 2**53 - 1


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def _date(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if not isinstance(raw, str):
        raise AnswerInvalid(_("Enter a valid date (yyyy-mm-dd)."))
    try:
        parsed = date.fromisoformat(raw.strip())
    except ValueError:
        raise AnswerInvalid(_("Enter a valid date (yyyy-mm-dd).")) from None
    if not 1900 <= parsed.year <= 2200:
        raise AnswerInvalid(_("Enter a date between 1900 and 2200."))
    return parsed.isoformat()


def _url(raw: Any) -> str | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if not isinstance(raw, str):
        raise AnswerInvalid(_("Enter a web address starting with https:// or http://."))
    value = raw.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        raise AnswerInvalid(_("Enter a web address starting with https:// or http://.")) from None
    if (
        len(value) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in value)
        or _CONTROL.search(value)
        or _SURROGATE.search(value)
    ):
        raise AnswerInvalid(_("Enter a web address starting with https:// or http://."))
    return value


def _choice(raw: Any, allowed: list[str]) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or raw not in allowed:
        raise AnswerInvalid(_("Choose one of the options given."))
    return raw


def _multi(question: Question, raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    allowed = [o.id for o in question.options or []]
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise AnswerInvalid(_("Choose one or more of the options given."))
    if any(i not in allowed for i in items):
        raise AnswerInvalid(_("Choose one or more of the options given."))
    chosen = [a for a in allowed if a in items]  # option order, no duplicates
    if len(chosen) > 1:
        for option in question.options or []:
            if option.exclusive and option.id in chosen:
                raise AnswerInvalid(
                    _(
                        "'%(option)s' cannot be combined with other choices.",
                        option=option.label.get(_locale()),
                    )
                )
    return chosen


def _cell(column: Column, raw: Any) -> Any:
    kind = column.type
    if kind == ColumnType.short_text:
        return _text(raw, max_length=column.max_length, single_line=True) or None
    if kind == ColumnType.yes_no_unknown:
        return _choice(raw, list(YES_NO_UNKNOWN))
    if kind == ColumnType.single_choice:
        return _choice(raw, [o.id for o in column.options or []])
    if kind == ColumnType.number:
        return _number(raw, low=column.min, high=column.max, integer=False)
    if kind == ColumnType.date:
        return _date(raw)
    return _url(raw)


def _table(question: Question, raw: Any) -> list[dict[str, Any]]:
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise AnswerInvalid(_("The table could not be read."))
    columns = question.columns or []
    known = {c.id for c in columns}
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(raw, start=1):
        if set(row) - known:
            raise AnswerInvalid(_("The table could not be read."))
        clean: dict[str, Any] = {}
        for column in columns:
            try:
                value = _cell(column, row.get(column.id))
            except AnswerInvalid as exc:
                raise AnswerInvalid(
                    _(
                        "Row %(row)s, %(column)s: %(problem)s",
                        row=number,
                        column=column.label.get(_locale()),
                        problem=exc.message,
                    )
                ) from None
            if value is not None:
                clean[column.id] = value
        if not clean:
            continue  # an empty row is dropped
        for column in columns:
            if column.required and column.id not in clean:
                raise AnswerInvalid(
                    _(
                        "Row %(row)s: fill in %(column)s.",
                        row=number,
                        column=column.label.get(_locale()),
                    )
                )
        rows.append(clean)
    if len(rows) > question.max_rows:
        raise AnswerInvalid(_("Use at most %(max)s rows.", max=question.max_rows))
    return rows


def _locale() -> str:
    from app.i18n import get_locale

    return get_locale()


def validate_answer(question: Question, raw: Any) -> Any:
    """The normalised answer value, or AnswerInvalid with a message. An empty answer is None
    (text, choice, number, date, URL) or an empty list (multiple choice, table)."""
    kind = question.type
    if kind in (QuestionType.short_text, QuestionType.long_text):
        limit = question.max_length or DEFAULT_MAX_LENGTH[kind]
        single = kind == QuestionType.short_text
        text = _text(raw, max_length=limit, single_line=single) or None
        if text and question.register_field in EMAIL_FIELDS and not is_email_address(text):
            raise AnswerInvalid(_("Enter an e-mail address, such as team@example.nl."))
        return text
    if kind == QuestionType.single_choice:
        return _choice(raw, [o.id for o in question.options or []])
    if kind == QuestionType.multi_choice:
        return _multi(question, raw)
    if kind == QuestionType.yes_no_unknown:
        return _choice(raw, list(YES_NO_UNKNOWN))
    if kind == QuestionType.scale:
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        value = _choice(raw, list(SCALE_POINTS))
        return int(value) if value else None
    if kind == QuestionType.number:
        return _number(raw, low=question.min, high=question.max, integer=question.integer)
    if kind == QuestionType.date:
        return _date(raw)
    if kind == QuestionType.url:
        return _url(raw)
    return _table(question, raw)
