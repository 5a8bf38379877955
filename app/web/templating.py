"""Jinja2 templates with gettext, shared context, and named-block rendering for htmx."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.responses import Response

from app.config import get_settings
from app.i18n import LOCALES, get_locale
from app.jinja import environment
from app.timeutil import utcnow
from app.web.csrf import csrf_token
from app.web.flash import clear_flash, read_flash


def _session_timing(request: Request) -> dict[str, int] | None:
    """For a logged-in page: the seconds until its session expires if nothing more happens,
    until its absolute end, and how long before expiry the page warns (app.js)."""
    expires_at = getattr(request.state, "session_expires_at", None)
    ends_at = getattr(request.state, "session_ends_at", None)
    if expires_at is None or ends_at is None:
        return None
    now = utcnow()
    settings = get_settings()
    idle = settings.session_idle_minutes * 60
    return {
        "hours": settings.session_absolute_hours,
        "expires_in": max(0, int((expires_at - now).total_seconds())),
        "ends_in": max(0, int((ends_at - now).total_seconds())),
        "warn_before": min(300, idle // 2),
    }


def _context(request: Request) -> dict[str, Any]:
    settings = get_settings()
    state = request.state
    return {
        "session_timing": _session_timing(request),
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


templates = Jinja2Blocks(env=environment, context_processors=[_context])


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
