"""Single sign-on pages: the redirect to the organisation's provider and its return, for a
login and for a step-up before signing (app.users.stepup)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.config import Settings
from app.deps import CurrentUser, CurrentUserOptional, SessionDep, SettingsDep
from app.errors import NotFound
from app.i18n import N_, _
from app.pages.users import logged_in
from app.users import sso, stepup
from app.users.models import User
from app.users.oidc import OidcError
from app.users.service import SESSION_COOKIE
from app.web.flash import flash, register
from app.web.middleware import cookie_header
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()
logger = logging.getLogger(__name__)

BROWSER_COOKIE = "dw_sso"
register("stepped_up", N_("You have confirmed who you are. You can sign now."))


@router.get("/login/sso", summary="Log in through the organisation's sign-in service")
def start(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUserOptional,
    next: str = "/",
) -> Response:
    if not settings.sso_enabled:
        raise NotFound(_("Single sign-on is not configured."))
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    try:
        started = sso.start_login(
            session, settings=settings, next_url=safe_next(next), locale=request.state.locale
        )
    except OidcError as exc:  # the operator must learn why: a wrong issuer, an outage
        logger.warning("single sign-on cannot start: %s", exc)
        return _refused(
            request,
            _("The sign-in service cannot be reached. Please try again later."),
            status_code=502,
        )
    return _to_provider(started, settings)


def _to_provider(started: sso.StartedLogin, settings: Settings) -> Response:
    response = RedirectResponse(started.redirect_url, status_code=303)
    response.headers.append(
        "Set-Cookie",
        cookie_header(
            BROWSER_COOKIE,
            started.browser_token,
            secure=settings.is_production,
            max_age=sso.PENDING_MINUTES * 60,
        ),
    )
    return response


@router.post("/login/sso/step-up", summary="Confirm who you are at the sign-in service")
def step_up(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Before a signature: a fresh login at the provider for the account already logged in."""
    if not settings.sso_enabled:
        raise NotFound(_("Single sign-on is not configured."))
    try:
        started = stepup.start_step_up(
            session,
            settings=settings,
            user=user,
            next_url=safe_next(next),
            locale=request.state.locale,
        )
    except OidcError as exc:
        logger.warning("a step-up at the sign-in service cannot start: %s", exc)
        return _refused(
            request,
            _("The sign-in service cannot be reached. Please try again later."),
            status_code=502,
            back=safe_next(next),
        )
    return _to_provider(started, settings)


@router.get(sso.CALLBACK_PATH, summary="Return from the organisation's sign-in service")
def callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUserOptional,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    if not settings.sso_enabled:
        raise NotFound(_("Single sign-on is not configured."))
    try:
        returned = sso.verify_return(
            session,
            settings=settings,
            state=state,
            code=code,
            browser_token=request.cookies.get(BROWSER_COOKIE, ""),
            provider_error=error,
        )
        if returned.is_step_up:
            return _stepped_up(request, session, settings, returned, user)
        finished = sso.finish_login(session, settings=settings, returned=returned)
    except sso.LoginRefused as refused:
        return _refused(request, refused.message, status_code=refused.status, back=refused.back)
    response = logged_in(
        session,
        request,
        user=finished.user,
        next_url=finished.next_url,
        settings=settings,
        id_token=finished.id_token,
    )
    return _forget_browser(response, settings)


def _stepped_up(
    request: Request,
    session: Session,
    settings: Settings,
    returned: sso.Returned,
    user: User | None,
) -> Response:
    """The return of a step-up: the session is marked, the user goes back to sign."""
    next_url = stepup.confirm_step_up(
        session,
        settings=settings,
        returned=returned,
        user=user,
        session_token=request.cookies.get(SESSION_COOKIE, ""),
    )
    response = RedirectResponse(safe_next(next_url), status_code=303)
    flash(response, "stepped_up")
    return _forget_browser(response, settings)


def _forget_browser(response: Response, settings: Settings) -> Response:
    response.headers.append(
        "Set-Cookie", cookie_header(BROWSER_COOKIE, "", secure=settings.is_production, max_age=0)
    )
    return response


def _refused(request: Request, message: str, *, status_code: int, back: str = "") -> Response:
    return render(
        request,
        "users/sso_refused.html",
        {"message": message, "back": back},
        status_code=status_code,
    )
