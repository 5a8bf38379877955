"""Single sign-on pages: the redirect to the organisation's provider and its return."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.deps import CurrentUserOptional, SessionDep, SettingsDep
from app.errors import NotFound
from app.i18n import _
from app.pages.users import logged_in
from app.users import sso
from app.users.oidc import OidcError
from app.web.middleware import cookie_header
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()
logger = logging.getLogger(__name__)

BROWSER_COOKIE = "dw_sso"


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


@router.get(sso.CALLBACK_PATH, summary="Return from the organisation's sign-in service")
def callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    if not settings.sso_enabled:
        raise NotFound(_("Single sign-on is not configured."))
    try:
        finished = sso.finish_login(
            session,
            settings=settings,
            state=state,
            code=code,
            browser_token=request.cookies.get(BROWSER_COOKIE, ""),
            provider_error=error,
        )
    except sso.LoginRefused as refused:
        return _refused(request, refused.message, status_code=refused.status)
    response = logged_in(
        session,
        request,
        user=finished.user,
        next_url=finished.next_url,
        settings=settings,
        id_token=finished.id_token,
    )
    response.headers.append(
        "Set-Cookie", cookie_header(BROWSER_COOKIE, "", secure=settings.is_production, max_age=0)
    )
    return response


def _refused(request: Request, message: str, *, status_code: int) -> Response:
    return render(request, "users/sso_refused.html", {"message": message}, status_code=status_code)
