"""A session that times out without losing work.

* `POST /session/extend` is the "stay logged in" of the warning that app.js shows before the
  session expires (WCAG 2.2.1): it moves the idle limit, never the absolute one.
* A form sent after the session expired (an autosave, a comment) is parked
  (app.users.parking) instead of refused, and the browser goes to the login page.
* After logging in again, `GET /resume` sends the parked forms once more as the same user,
  through the app itself, so that the same routes check and save them as any other request,
  and the user lands back on the page they were on. What is refused then (the answer was
  changed meanwhile, the assessment moved on) is shown with the user's text, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from app.config import Settings
from app.deps import CurrentUser, SessionDep, resolve_user
from app.errors import NotAuthenticated
from app.i18n import N_
from app.users import parking
from app.users.service import SESSION_COOKIE, resolve_session, session_owner
from app.web import flash
from app.web.csrf import CSRF_COOKIE, CSRF_HEADER, token_for_seed
from app.web.handlers import handle_app_error, wants_json
from app.web.middleware import cookie_header
from app.web.problems import status_title
from app.web.session import request_session
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()

PARKED_COOKIE = "dw_parked"
# Forms that are about the session itself, or that the API answers: never parked.
_NOT_PARKED = ("/login", "/logout", "/language", "/session/", "/resume", "/api/")

flash.register(
    "parked",
    N_(
        "You were logged out because you had been inactive for a while. Log in again: "
        "what you just sent is kept and will then be saved."
    ),
)
flash.register(
    "resumed",
    N_("You are logged in again, and what you sent before is saved."),
)


# --- the warning's "stay logged in" ----------------------------------------------------------


@router.post("/session/extend", summary="Stay logged in")
def extend(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """The session's idle limit starts again (the dependency already looked it up; this asks
    it to extend, in the same unit of work). With JavaScript: JSON, the new times in the
    headers; without: back to the page."""
    live = resolve_session(
        session,
        token=request.cookies.get(SESSION_COOKIE, ""),
        settings=request.app.state.settings,
        extend=True,
    )
    if live is None:
        raise NotAuthenticated()
    request.state.session_expires_at = live.expires_at
    request.state.session_ends_at = live.ends_at
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"extended": True})
    return RedirectResponse(safe_next(next), status_code=303)


# --- a form sent after the session expired --------------------------------------------------


def _page_of(request: Request) -> str:
    """The page the user was on when the request was sent: htmx names it; a plain form's
    referrer on this site; else the path itself when it is a page (a GET)."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    current = request.headers.get("HX-Current-URL") or request.headers.get("referer") or ""
    try:
        parts = urlsplit(current)
    except ValueError:
        return "/"
    if parts.netloc and parts.netloc != request.headers.get("host", ""):
        return "/"
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


async def _form_fields(request: Request) -> list[tuple[str, str]] | None:
    """The form's fields, or None for a form that cannot be kept (a file upload, not a form)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    try:
        form = await request.form()
    except Exception:  # an unreadable body is not worth keeping
        return None
    fields: list[tuple[str, str]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            return None
        fields.append((name, value))
    return fields


def _park(request: Request, fields: list[tuple[str, str]], page: str) -> str | None:
    """Keep the form for the user whose session the cookie was; the browser's batch value,
    or None when there is nobody to keep it for."""
    with request_session(request) as session:
        owner = session_owner(session, token=request.cookies.get(SESSION_COOKIE, ""))
        if owner is None:
            return None
        batch = request.cookies.get(PARKED_COOKIE, "")
        if not (20 <= len(batch) <= 100):
            batch = parking.new_batch()
        kept = parking.park(
            session,
            batch=batch,
            user_id=owner,
            path=request.url.path,
            fields=fields,
            return_url=page,
        )
        return batch if kept else None


async def handle_not_authenticated(request: Request, exc: Exception) -> Response:
    """To the login page, back to where the user was afterwards; a form sent after the
    session expired is kept and saved after the login (see the module's description)."""
    assert isinstance(exc, NotAuthenticated)
    if wants_json(request):
        return await handle_app_error(request, exc)
    page = _page_of(request)
    batch = None
    if request.method == "POST" and not request.url.path.startswith(_NOT_PARKED):
        fields = await _form_fields(request)
        if fields is not None and request.cookies.get(SESSION_COOKIE):
            batch = await run_in_threadpool(_park, request, fields, page)
    target = "/login?next=" + quote(page, safe="/")
    response: Response
    if request.headers.get("HX-Request") == "true":
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    if batch is not None:
        secure = request.app.state.settings.is_production
        response.headers.append(
            "Set-Cookie",
            cookie_header(
                PARKED_COOKIE, batch, secure=secure, max_age=int(parking.MAX_AGE.total_seconds())
            ),
        )
        flash.flash(response, "parked", level="warning")
    return response


def after_login(request: Request, next_url: str) -> str:
    """Where a login sends the browser: first past `/resume` when forms are waiting."""
    if request.cookies.get(PARKED_COOKIE):
        return "/resume?" + urlencode({"next": safe_next(next_url)})
    return safe_next(next_url)


# --- after logging in again -----------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A parked form that was refused when sent again, with what the user had typed."""

    reason: str
    texts: list[str]


def _claim(request: Request) -> list[parking.Parked] | None:
    """The browser's parked forms of the logged-in user (None: nobody is logged in)."""
    settings: Settings = request.app.state.settings
    with request_session(request) as session:
        user = resolve_user(request, session, settings)
        if user is None:
            return None
        return parking.claim(
            session, batch=request.cookies.get(PARKED_COOKIE, ""), user_id=user.id or 0
        )


async def _send_again(request: Request, parked: parking.Parked) -> int:
    """Send one parked form through the app as the logged-in user; its response status."""
    client = request.client
    # A failure inside the app is a refused form (its text is shown), never a traceback here.
    transport = httpx.ASGITransport(
        app=request.app,
        raise_app_exceptions=False,
        client=(client.host, client.port) if client else ("127.0.0.1", 0),
    )
    headers = {
        "cookie": request.headers.get("cookie", ""),
        CSRF_HEADER: token_for_seed(request.cookies.get(CSRF_COOKIE, "")),
        "referer": str(request.base_url).rstrip("/") + parked.return_url,
        "accept-language": request.headers.get("accept-language", ""),
    }
    async with httpx.AsyncClient(transport=transport, base_url=str(request.base_url)) as http:
        sent = await http.post(parked.path, data=_as_data(parked.fields), headers=headers)
    return sent.status_code


def _as_data(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """The fields as httpx sends a form: a list for a name that occurs more than once."""
    data: dict[str, Any] = {}
    for name, value in fields:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    return data


def _typed(name: str, value: str) -> bool:
    """A field the user typed or chose, not one the page sent along (versions, digests)."""
    if name in _SENT_ALONG or name.startswith("v-"):
        return False
    return bool(value.strip()) and not value.strip().isdigit()


_SENT_ALONG = frozenset({"shown", "overwrite", "parent_id", "next", "question_id", "section_id"})


@router.get("/resume", summary="Save what was sent before logging in again")
async def resume(request: Request, next: str = "/") -> Response:
    claimed = await run_in_threadpool(_claim, request)
    if claimed is None:
        raise NotAuthenticated()
    back = safe_next(next, default=claimed[0].return_url if claimed else "/")
    refused: list[Refused] = []
    for parked in claimed:
        status = await _send_again(request, parked)
        if status >= 400:
            texts = [value for name, value in parked.fields if _typed(name, value)]
            refused.append(Refused(reason=status_title(status), texts=texts))
    response: Response
    if refused:
        response = render(request, "users/resumed.html", {"refused": refused, "back": back})
    else:
        response = RedirectResponse(back, status_code=303)
        if claimed:
            flash.flash(response, "resumed")
    secure = request.app.state.settings.is_production
    response.headers.append(
        "Set-Cookie", cookie_header(PARKED_COOKIE, "", secure=secure, max_age=0)
    )
    return response


def install(app: FastAPI) -> None:
    """Route not-logged-in requests through the handler that keeps their work."""
    app.add_exception_handler(NotAuthenticated, handle_not_authenticated)
