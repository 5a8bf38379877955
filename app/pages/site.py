"""Site-wide pages: home, language switch, health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text
from starlette.responses import Response

from app.db import READ_ONLY
from app.deps import CurrentUserOptional
from app.errors import NotFound
from app.i18n import LOCALES
from app.users.service import set_locale_preference
from app.web.middleware import LANG_COOKIE, cookie_header
from app.web.problems import PROBLEM_TYPES, problem_type_uri, status_title
from app.web.session import SessionDep
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()


@router.get("/", summary="Home page")
def home(request: Request, user: CurrentUserOptional) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "home.html")


@router.post("/language", summary="Switch the interface language")
def switch_language(
    request: Request,
    session: SessionDep,
    user: CurrentUserOptional,
    locale: Annotated[str, Form(max_length=5)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    chosen = locale if locale in LOCALES else "nl"
    if user is not None:
        set_locale_preference(session, user=user, locale=chosen)
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = request.app.state.settings.is_production
    response.headers.append(
        "Set-Cookie", cookie_header(LANG_COOKIE, chosen, secure=secure, max_age=365 * 24 * 3600)
    )
    return response


@router.get("/healthz", summary="Health check")
def healthz(request: Request) -> JSONResponse:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True}).execute(text("SELECT 1"))
    except Exception as exc:  # report, never raise: this is what monitoring reads
        reason = type(exc).__name__
        return JSONResponse({"status": "error", "database": reason}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/problems", summary="The problem types of the API")
def problem_types(request: Request, user: CurrentUserOptional) -> Response:
    return render(
        request,
        "problems/index.html",
        {"problems": sorted(PROBLEM_TYPES.items()), "status_title": status_title},
    )


@router.get("/problems/{slug}", summary="What one problem type means")
def problem_type(request: Request, user: CurrentUserOptional, slug: str) -> Response:
    problem = PROBLEM_TYPES.get(slug[:60])
    if problem is None:
        raise NotFound()
    return render(
        request,
        "problems/page.html",
        {
            "problem": problem,
            "title": status_title(problem.status),
            "uri": problem_type_uri(request.app.state.settings.public_url, slug),
        },
    )


@router.get("/toegankelijkheid", summary="Accessibility statement")
def accessibility_statement(request: Request, user: CurrentUserOptional) -> Response:
    return render(request, "accessibility.html")
