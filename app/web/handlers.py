"""The one mapping from errors to responses: an HTML page, an htmx fragment or problem+json."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.errors import AppError, InvalidInput, NotFound
from app.i18n import _
from app.web.problems import PROBLEM_TYPES, problem_type_uri, status_title

log = logging.getLogger("datawaarden")


def wants_json(request: Request) -> bool:
    """API paths and clients that ask for JSON get problem details."""
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {
        "type": problem_type_uri(request.app.state.settings.public_url, slug),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if fields:
        body["errors"] = [{"field": k, "message": v} for k, v in fields.items()]
    if extra:
        body.update(extra)
    # ASCII escapes: input echoed back (a field name, a value) can never break the encoding.
    return Response(
        json.dumps(body, ensure_ascii=True, default=str),
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


def error_page(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error as a page, or as a fragment for htmx requests."""
    from app.web.templating import render

    is_htmx = request.headers.get("HX-Request") == "true"
    from app.text import scrub

    safe_fields = {scrub(str(k)): scrub(str(v)) for k, v in (fields or {}).items()}
    context = {"status": status, "title": title, "detail": scrub(detail), "fields": safe_fields}
    return render(
        request,
        "errors/error.html",
        context,
        status_code=status,
        block_name="error" if is_htmx else None,
        headers=headers,
    )


def _respond(request: Request, exc: AppError) -> Response:
    title = str(exc.title)
    if wants_json(request):
        return problem_response(
            request,
            status=exc.status_code,
            slug=exc.slug,
            title=title,
            detail=exc.detail,
            fields=exc.fields,
            headers=exc.headers,
            extra=exc.extra,
        )
    # A page that needs a login is answered by app.pages.session (which keeps a form's work).
    return error_page(
        request,
        status=exc.status_code,
        title=title,
        detail=exc.detail,
        fields=exc.fields,
        headers=exc.headers,
    )


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return _respond(request, exc)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own parameter validation, translated and listed per field."""
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        name = ".".join(loc) or "request"
        kind = err.get("type", "")
        if kind == "missing":
            fields[name] = _("This field is required.")
        elif kind.startswith(("int", "float", "decimal")):
            fields[name] = _("Enter a number.")
        elif "too_long" in kind or "max_length" in kind:
            fields[name] = _("This value is too long.")
        elif kind.startswith("date"):
            fields[name] = _("Enter a valid date.")
        else:
            fields[name] = _("This value is not valid.")
    error = InvalidInput(_("Some of the input is not valid."), fields=fields)
    return _respond(request, error)


def slug_for_status(status: int) -> str:
    slug = f"http-{status}"
    if slug in PROBLEM_TYPES:
        return slug
    return "bad-request" if status < 500 else "server-error"


def _identify_viewer(request: Request) -> None:
    """An unknown address matched no route, so nobody looked up the user: do it in a short
    session of its own, so the 404 page keeps the navigation of a logged-in user."""
    if getattr(request.state, "viewer", None) is not None or not request.cookies.get("dw_session"):
        return
    from app.web.session import request_session

    identify = getattr(request.app.state, "identify_viewer", None)
    if identify is None:
        return
    try:
        with request_session(request) as session:  # the routes' unit of work
            identify(request, session, request.app.state.settings)
    except Exception:  # the page is shown without navigation then
        log.info("could not identify the viewer of a 404 page")


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in the user's language."""
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    title = status_title(status)
    if status == 404:
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(_identify_viewer, request)
        return _respond(request, NotFound())
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        headers["Allow"] = allowed_methods(request)
    if wants_json(request):
        return problem_response(
            request,
            status=status,
            slug=slug_for_status(status),
            title=title,
            detail=title,
            headers=headers or None,
        )
    return error_page(request, status=status, title=title, detail=title, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route accepts at this path (Starlette names only the first route's,
    so a path with a GET and a POST route answered 405 with "Allow: GET")."""
    from starlette.routing import Match

    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    """Log with the request id; show a friendly page without any internals.

    This handler runs outside the other middleware, so it adds the security headers itself."""
    response = _unexpected_response(request, exc)
    from app.web.middleware import apply_security_headers

    apply_security_headers(
        response.headers,
        request_id=getattr(request.state, "request_id", "-"),
        secure=request.app.state.settings.is_production,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_dropped(exc: Exception) -> bool:
    """The database connection broke off during the request (a server restart, a failover):
    SQLAlchemy has discarded its pooled connections, so trying again will work."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# What SQLite and PostgreSQL say when the storage cannot take a write.
_FULL_SQLSTATES = {"53100"}  # disk_full
_READ_ONLY_SQLSTATES = {"25006"}  # read_only_sql_transaction


def storage_problem(exc: BaseException) -> str | None:
    """'storage-full' or 'storage-read-only' when the error (or its cause) says the disk or the
    database cannot take a write; None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        errno = getattr(current, "errno", None)
        if errno == 28:  # ENOSPC
            return "storage-full"
        if errno == 30:  # EROFS
            return "storage-read-only"
        sqlstate = getattr(current, "sqlstate", None)
        if sqlstate in _FULL_SQLSTATES:
            return "storage-full"
        if sqlstate in _READ_ONLY_SQLSTATES:
            return "storage-read-only"
        text = str(current).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return "storage-full"
        if "readonly database" in text or "read-only file system" in text:
            return "storage-read-only"
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _unexpected_response(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "-")
    headers: dict[str, str] | None = None
    storage = storage_problem(exc)
    if storage is not None:
        log.error(
            "storage cannot take writes (%s) request_id=%s path=%s: %s",
            storage,
            request_id,
            request.url.path,
            exc,
        )
        status, slug, headers = 503, storage, {"Retry-After": "60"}
        detail = str(PROBLEM_TYPES[storage].explanation)
    elif _database_dropped(exc):
        log.warning("database connection lost request_id=%s path=%s", request_id, request.url.path)
        status, slug, headers = 503, "unavailable", {"Retry-After": "5"}
        detail = _(
            "The connection to the database was interrupted, so your last change may not "
            "have been saved. Please try again in a moment."
        )
    else:
        log.error(
            "unhandled error request_id=%s path=%s", request_id, request.url.path, exc_info=exc
        )
        status, slug = 500, "server-error"
        detail = _("The error has been logged with reference %(ref)s.", ref=request_id)
    title = status_title(status)
    if wants_json(request):
        return problem_response(
            request, status=status, slug=slug, title=title, detail=detail, headers=headers
        )
    try:
        return error_page(request, status=status, title=title, detail=detail, headers=headers)
    except Exception:  # the template itself failed: fall back to plain text
        return Response(
            f"{title}. {detail}", status_code=status, media_type="text/plain", headers=headers
        )


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
