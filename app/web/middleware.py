"""Request context (id, locale, CSRF seed) and security headers, as one pure ASGI middleware."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.i18n import LOCALES, negotiate_locale, set_locale
from app.text import parse_int
from app.web.csrf import CSRF_COOKIE, is_valid_seed, new_seed

LANG_COOKIE = "dw_lang"
MAX_BODY = 21 * 1024 * 1024  # uploads are at most 20 MB; a form is far smaller
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value with our flags: HttpOnly, SameSite=Lax, Path=/, Secure in production."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def apply_security_headers(out: MutableHeaders, *, request_id: str, secure: bool) -> None:
    """The headers every response carries (also the 500 page, which bypasses middleware)."""
    out["X-Request-ID"] = request_id
    out["Content-Security-Policy"] = CSP
    out["X-Content-Type-Options"] = "nosniff"
    out["X-Frame-Options"] = "DENY"
    out["Referrer-Policy"] = "same-origin"
    out["Cross-Origin-Opener-Policy"] = "same-origin"
    out["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if secure:
        out["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


class RequestContextMiddleware:
    """Sets request id, locale and CSRF seed for the request; adds security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if (parse_int(length, default=0, max_digits=15) or 0) > MAX_BODY:
            # Refused before anything reads the body (the CSRF check reads forms).
            await PlainTextResponse("413 Request body too large", status_code=413)(
                scope, receive, send
            )
            return
        content_type = headers.get("content-type", "").lower()
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            charset = content_type.partition("charset=")[2].split(";")[0].strip(' "')
            if charset and charset not in ("utf-8", "utf8", "us-ascii"):
                # Other codecs (utf-7, unicode_escape) can smuggle in text that is not valid UTF-8.
                await PlainTextResponse("415 Forms must be sent as UTF-8", status_code=415)(
                    scope, receive, send
                )
                return
        cookies = cookie_parser(headers.get("cookie", ""))  # the parser of request.cookies
        incoming_id = headers.get("x-request-id", "")
        request_id = incoming_id if _REQUEST_ID.match(incoming_id) else uuid.uuid4().hex[:16]
        lang = cookies.get(LANG_COOKIE)
        locale = (
            lang
            if lang in LOCALES
            else (negotiate_locale(headers.get("accept-language")) or self.settings.default_locale)
        )
        set_locale(locale)
        seed = cookies.get(CSRF_COOKIE)
        fresh_seed = not is_valid_seed(seed)
        if fresh_seed:
            seed = new_seed()
        state: dict[str, Any] = scope.setdefault("state", {})
        state.update(request_id=request_id, locale=locale, csrf_seed=seed)
        secure = self.settings.is_production
        is_static = scope["path"].startswith("/static/")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                apply_security_headers(out, request_id=request_id, secure=secure)
                if not is_static:
                    out.setdefault("Cache-Control", "no-store")
                    out.setdefault("Content-Language", locale)
                if fresh_seed and not is_static and "dw-csrf-rotated" not in out:
                    out.append("Set-Cookie", cookie_header(CSRF_COOKIE, seed or "", secure=secure))
                if "dw-csrf-rotated" in out:
                    del out["dw-csrf-rotated"]
            await send(message)

        await self.app(scope, receive, send_wrapper)
