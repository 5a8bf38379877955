"""Request context (id, locale, CSRF seed) and security headers, as one pure ASGI middleware."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import logs, metrics
from app.config import Settings, note_served_origin
from app.errors import PayloadTooLarge
from app.i18n import LOCALES, _, negotiate_locale, set_locale
from app.text import parse_int
from app.timeutil import utcnow
from app.web.csrf import CSRF_COOKIE, is_valid_seed, new_seed
from app.web.problems import status_title

access = logging.getLogger("datawaarden.access")
LANG_COOKIE = "dw_lang"
MAX_BODY = 21 * 1024 * 1024  # uploads are at most 20 MB; a form is far smaller
# The policy of a download that must never run or load anything (an attached file): a response
# that sets exactly this keeps it instead of the pages' policy.
SANDBOX_CSP = "default-src 'none'; sandbox"
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


def content_security_policy(settings: Settings | None = None) -> str:
    """The CSP; with single sign-on, forms may also lead to the provider's origin (logging out
    is a form whose answer sends the browser on to the provider's logout)."""
    if settings is None or not settings.sso_enabled:
        return CSP
    issuer = urlsplit(settings.oidc_issuer)
    return CSP.replace(
        "form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}"
    )


def security_headers(*, secure: bool, csp: str = CSP) -> list[tuple[str, str]]:
    """The headers every response carries, besides its request id."""
    headers = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def apply_security_headers(out: MutableHeaders, *, request_id: str, secure: bool) -> None:
    """Set the headers every response carries (the 500 page, which bypasses middleware)."""
    out["X-Request-ID"] = request_id
    for name, value in security_headers(secure=secure):
        out[name] = value


def _raw(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


_ROTATED = b"dw-csrf-rotated"


class RequestContextMiddleware:
    """Sets request id, locale and CSRF seed for the request; adds security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        # Encoded once: every response gets them, so this is on the path of every request.
        self.raw_security = _raw(
            security_headers(secure=settings.is_production, csp=content_security_policy(settings))
        )
        self.ours = frozenset(name for name, _ in self.raw_security) | {b"x-request-id"}
        self.raw_sandboxed = _raw(security_headers(secure=settings.is_production, csp=SANDBOX_CSP))
        # A larger limit per attachment (DATAWAARDEN_ATTACHMENT_MAX_FILE_MB) raises the limit
        # of a request's body with it.
        self.max_body = max(MAX_BODY, (settings.attachment_max_file_mb + 1) * 1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
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

        csrf_cookie = (
            cookie_header(CSRF_COOKIE, seed or "", secure=secure).encode("latin-1")
            if fresh_seed and not is_static
            else None
        )
        extra = [(b"x-request-id", request_id.encode("latin-1")), *self.raw_security]
        sandboxed = [(b"x-request-id", request_id.encode("latin-1")), *self.raw_sandboxed]
        ours = self.ours

        status = [500]  # what the client gets when the app fails before it answers

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                # Our values replace any the response set; defaults only where it set none.
                raw = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() not in ours
                ]
                present = {name.lower() for name, _value in raw}
                own = (b"content-security-policy", _SANDBOX_RAW) in message.get("headers", ())
                raw.extend(sandboxed if own else extra)
                if not is_static:
                    if b"cache-control" not in present:
                        raw.append((b"cache-control", b"no-store"))
                    if b"content-language" not in present:
                        raw.append((b"content-language", locale.encode("latin-1")))
                if _ROTATED in present:
                    # The login handler set a fresh seed itself: drop the marker, keep its cookie.
                    raw = [(name, value) for name, value in raw if name.lower() != _ROTATED]
                elif csrf_cookie is not None:
                    raw.append((b"set-cookie", csrf_cookie))
                raw.extend(session_headers(state))
                message["headers"] = raw
            await send(message)

        # Not reset afterwards: each request runs in a task of its own (and so in a context of
        # its own), and the 500 handler, which runs outside this middleware, logs with the id.
        logs.request_id.set(request_id)
        note_served_origin(scope.get("scheme", "http"), headers.get("host", ""))
        started = time.perf_counter()
        try:
            refusal = _refusal(headers, self.max_body)
            if refusal is not None:
                # Refused before anything reads the body (the CSRF check reads forms).
                await refusal(scope, receive, send_wrapper)
            else:
                await self.app(scope, _bounded(receive, self.max_body), send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            _access_log(scope, status, seconds)
            _observe(scope, status[0], seconds)


def session_headers(state: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    """For a logged-in request: in how many seconds its session expires if nothing more
    happens, and when it ends in any case (the page's timeout warning keeps count from these)."""
    expires_at = state.get("session_expires_at")
    ends_at = state.get("session_ends_at")
    if expires_at is None or ends_at is None:
        return []
    now = utcnow()
    return [
        (b"dw-session-expires-in", str(max(0, int((expires_at - now).total_seconds()))).encode()),
        (b"dw-session-ends-in", str(max(0, int((ends_at - now).total_seconds()))).encode()),
    ]


def _access_log(scope: Scope, status: list[int], seconds: float) -> None:
    """One line per request: method, path (never the query, which may carry search terms),
    status and duration; the request id comes with the context."""
    method, path = scope["method"], scope["path"]
    access.info(
        "%s %s %s %.1f ms",
        method,
        path,
        status[0],
        seconds * 1000,
        extra={
            "method": method,
            "path": path,
            "status": status[0],
            "duration_ms": round(seconds * 1000, 2),
        },
    )


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _observe(scope: Scope, status: int, seconds: float) -> None:
    """The latency histogram, per route template (never the raw path: one series per route)."""
    route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED_ROUTE
    method = scope["method"] if scope["method"] in _METHODS else "other"
    metrics.REQUEST_DURATION.labels(method, route, str(status)).observe(seconds)


def _bounded(receive: Receive, limit: int) -> Receive:
    """The request's body, refused (413) once more than `limit` bytes arrived: a body sent
    without a Content-Length (chunked) is never read, or spooled to disk, without bound."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise PayloadTooLarge(status_title(413))
        return message

    return bounded


_SANDBOX_RAW = SANDBOX_CSP.encode("latin-1")


def _refusal(headers: Headers, max_body: int = MAX_BODY) -> PlainTextResponse | None:
    """A body that is too large, or a form in another codec than UTF-8 (utf-7 or
    unicode_escape can smuggle in text that is not valid UTF-8): refused in the user's language."""
    length = parse_int(headers.get("content-length", ""), default=0, max_digits=15) or 0
    if length > max_body:
        return PlainTextResponse(status_title(413), status_code=413)
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        charset = content_type.partition("charset=")[2].split(";")[0].strip(' "')
        if charset and charset not in ("utf-8", "utf8", "us-ascii"):
            return PlainTextResponse(_("Forms must be sent as UTF-8."), status_code=415)
    return None
