"""Jinja2 templates with gettext, shared context, and named-block rendering for htmx."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup
from starlette.responses import Response

from app.config import ROOT, get_settings
from app.i18n import LOCALES, get_locale, translations
from app.web.csrf import csrf_token
from app.web.flash import clear_flash, read_flash


def _gettext(message: str) -> str:
    return translations(get_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ngettext(singular, plural, n)


def _context(request: Request) -> dict[str, Any]:
    settings = get_settings()
    state = request.state
    return {
        "locale": get_locale(),
        "locales": LOCALES,
        "current_user": getattr(state, "viewer", None),
        "current_roles": getattr(state, "roles", frozenset()),
        "csrf_token": csrf_token(request),
        "org_name": settings.org_name,
        "committee_name": settings.committee_name,
        "request_id": getattr(state, "request_id", ""),
        "is_htmx": request.headers.get("HX-Request") == "true",
        "unread_count": getattr(state, "unread_count", 0),
        "flash": read_flash(request),
    }


_env = Environment(
    loader=FileSystemLoader(str(ROOT / "templates")),
    autoescape=select_autoescape(default=True),
    extensions=["jinja2.ext.i18n"],
)
templates = Jinja2Blocks(env=_env, context_processors=[_context])
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=_gettext, ngettext=_ngettext, newstyle=True
)
templates.env.policies["ext.i18n.trimmed"] = True


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


templates.env.filters["css_string"] = css_string


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block_name: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page, or one named block of it for an htmx request."""
    response = templates.TemplateResponse(
        request,
        name,
        context or {},
        status_code=status_code,
        block_name=block_name,
        headers=headers,
    )
    response.headers.setdefault("Vary", "HX-Request, Cookie")
    if block_name is None:
        clear_flash(request, response)
    return response
