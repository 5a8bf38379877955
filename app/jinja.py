"""The one Jinja2 environment: templates with gettext in the current locale and the filters
they share. Pages (app.web.templating) and the signed report (app.reports.render) both render
with it, so they say things the same way."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app import formatting
from app.config import ROOT
from app.i18n import get_locale, translations


def _gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def css_string(value: object) -> Markup:
    """A quoted CSS string (for `content:` in print styles): HTML escaping does not apply
    inside <style>, so characters are escaped the CSS way."""
    # Concatenating with translated text in a template yields escaped Markup: undo that first.
    text = value.unescape() if isinstance(value, Markup) else str(value)
    out = []
    for char in text:
        if char.isalnum() or char in " .,:;-_()/":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return Markup('"' + "".join(out) + '"')  # noqa: S704 (every character escaped above)


environment = Environment(
    loader=FileSystemLoader(str(ROOT / "templates")),
    autoescape=select_autoescape(default=True),
    extensions=["jinja2.ext.i18n"],
)
environment.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=_gettext, ngettext=_ngettext, newstyle=True
)
environment.policies["ext.i18n.trimmed"] = True
environment.filters["css_string"] = css_string
environment.filters.update(
    day=formatting.day,
    moment=formatting.moment,
    iso=formatting.iso,
    decimal=formatting.decimal,
    percent=formatting.percent,
)
