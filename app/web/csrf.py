"""CSRF protection: a random seed in an HttpOnly cookie, and a form/header token that is an
HMAC of that seed. Every state-changing request must carry the token, except API calls that
authenticate with a bearer token (they carry no ambient credentials)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from fastapi import Request

from app.config import get_settings
from app.errors import CsrfError

SESSION_COOKIE = "dw_session"  # the same name as app.users.service.SESSION_COOKIE

CSRF_COOKIE = "dw_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def new_seed() -> str:
    """A fresh random seed for the CSRF cookie."""
    return secrets.token_urlsafe(32)


_SEED = re.compile(r"[A-Za-z0-9_-]{43}")


def is_valid_seed(value: str | None) -> bool:
    """A seed we could have issued (right length and alphabet)."""
    return bool(value) and _SEED.fullmatch(value or "") is not None


def token_for_seed(seed: str) -> str:
    """The token that belongs to a seed."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for this request's seed (set by the request-context middleware)."""
    seed = getattr(request.state, "csrf_seed", None)
    return token_for_seed(seed) if seed else ""


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request without a valid token (an app-wide dependency)."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path.startswith("/api/"):
        # The API uses only the token when one is sent (never the cookie), so there is no ambient
        # credential to protect; and a call without any cookie is answered 401 by the API itself.
        if request.headers.get("authorization", "").lower().startswith("bearer "):
            return
        if SESSION_COOKIE not in request.cookies:
            return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    seed = request.cookies.get(CSRF_COOKIE)
    if (
        not sent
        or not is_valid_seed(seed)
        or not hmac.compare_digest(sent, token_for_seed(seed or ""))
    ):
        raise CsrfError()
