"""Translations: Dutch is the default, English is complete. The request's locale lives in a
context variable so that templates, services and error messages all speak the user's language."""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"

_current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


class CatalogMissing(RuntimeError):
    """Compiled catalogs are missing: run `make messages` (make run and make test do)."""


@lru_cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The compiled catalog for a locale."""
    mo = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise CatalogMissing(f"compiled catalog missing: {mo} (run `make messages`)")
    with mo.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def get_locale() -> str:
    """The locale of the current request or command."""
    return _current_locale.get()


def set_locale(locale: str) -> None:
    """Set the locale for the current context (a request or a command)."""
    _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Temporarily switch the locale (for e-mails to other users, PDFs in another language)."""
    token = _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str, **params: Any) -> str:
    """Translate a message into the current locale and fill in %(name)s parameters."""
    text = translations(get_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """Translate a message with a count."""
    text = translations(get_locale()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext


class LazyString:
    """A message translated when shown, for module-level texts such as enum labels."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"


def lazy_gettext(message: str) -> LazyString:
    """Mark a message for translation at display time."""
    return LazyString(message)


N_ = lazy_gettext


def negotiate_locale(accept_language: str | None) -> str | None:
    """The best supported locale from an Accept-Language header, if any."""
    if not accept_language:
        return None
    weighted = []
    for part in accept_language.split(","):
        piece = part.strip().split(";")
        tag = piece[0].strip().lower()
        quality = 1.0
        for param in piece[1:]:
            name, _sep, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weighted.append((quality, tag))
    for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
        base = tag.split("-")[0]
        if base in LOCALES:
            return base
    return None
