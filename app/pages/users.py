"""Login, logout and the administrator's user pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.config import Settings
from app.deps import AdminUser, CurrentUserOptional, ObjectId, SessionDep, SettingsDep
from app.i18n import _
from app.pages.session import after_login
from app.users.labels import ROLE_LABELS
from app.users.models import User
from app.users.oidc import end_session_url
from app.users.service import (
    SESSION_COOKIE,
    authenticate,
    create_user,
    deactivate_user,
    end_session,
    get_user,
    list_users,
    parse_roles,
    roles_of,
    set_roles,
    start_session,
)
from app.users.throttle import wait_message
from app.web.csrf import CSRF_COOKIE, new_seed
from app.web.flash import flash
from app.web.forms import REFUSALS, Refusal, refused
from app.web.middleware import LANG_COOKIE, cookie_header
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()


def client_address(request: Request) -> str:
    """The client's address: the socket's peer, or, when that is one of the trusted proxies
    (DATAWAARDEN_TRUSTED_PROXIES, applied by uvicorn), the client it forwards for."""
    return request.client.host if request.client else "unknown"


def login_context(settings: Settings, *, next_url: str, email: str = "") -> dict[str, object]:
    """What the login page shows: the single sign-on button, the password form, or both."""
    provider = settings.oidc_provider_name.strip()
    if settings.sso_enabled:
        sso_label = (
            _("Log in with %(provider)s", provider=provider)
            if provider
            else _("Log in with your %(organisation)s account", organisation=settings.org_name)
        )
    else:
        sso_label = ""
    return {
        "next": next_url,
        "email": email,
        "sso_label": sso_label,
        "local_login": settings.local_login,
    }


@router.get("/login", summary="Login page")
def login_form(
    request: Request, user: CurrentUserOptional, settings: SettingsDep, next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "users/login.html", login_context(settings, next_url=safe_next(next)))


def logged_in(
    session: Session,
    request: Request,
    *,
    user: User,
    next_url: str,
    settings: Settings,
    id_token: str | None = None,
) -> Response:
    """A new session for the user and the redirect to where they were going (any login)."""
    token = start_session(session, user=user, client=client_address(request), id_token=id_token)
    response = RedirectResponse(after_login(request, next_url), status_code=303)
    secure = settings.is_production
    response.headers.append("Set-Cookie", cookie_header(SESSION_COOKIE, token, secure=secure))
    response.headers.append("Set-Cookie", cookie_header(CSRF_COOKIE, new_seed(), secure=secure))
    response.headers.append(
        "Set-Cookie",
        cookie_header(LANG_COOKIE, user.locale, secure=secure, max_age=365 * 24 * 3600),
    )
    response.headers["dw-csrf-rotated"] = "1"
    return response


@router.post("/login", summary="Log in")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=5000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    context = login_context(settings, next_url=safe_next(next), email=email[:254])
    if not settings.local_login:
        context["form_error"] = _(
            "Logging in with a password is switched off. Log in through the sign-in service."
        )
        return render(request, "users/login.html", context, status_code=403)
    missing = {}
    if not email.strip():
        missing["email"] = _("Enter your e-mail address.")
    if not password:
        missing["password"] = _("Enter your password.")
    if missing:
        context["errors"] = missing
        return render(request, "users/login.html", context, status_code=422)
    result = authenticate(
        session, email=email, password=password, client=client_address(request), settings=settings
    )
    if result.retry_after:
        context["form_error"] = wait_message(result.retry_after)
        return render(
            request,
            "users/login.html",
            context,
            status_code=429,
            headers={"Retry-After": str(result.retry_after)},
        )
    if result.user is None:
        # Which of the two was wrong is not told; the summary leads back to the first.
        context["errors"] = {"email": _("The e-mail address or password is not correct.")}
        return render(request, "users/login.html", context, status_code=401)
    return logged_in(session, request, user=result.user, next_url=next, settings=settings)


@router.post("/logout", summary="Log out")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    id_token = end_session(session, token=token) if token else ""
    # After our own session ended: the provider's logout (RP-initiated), when it was an SSO login.
    provider_logout = (
        end_session_url(
            settings, id_token=id_token, post_logout_redirect_uri=settings.public_url + "/login"
        )
        if id_token and settings.sso_enabled
        else ""
    )
    response = RedirectResponse(provider_logout or "/login", status_code=303)
    response.headers.append(
        "Set-Cookie", cookie_header(SESSION_COOKIE, "", secure=settings.is_production, max_age=0)
    )
    flash(response, "logged_out")
    return response


# --- administration ----------------------------------------------------------------------


@router.get("/admin/users", summary="List users")
def admin_users(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    return render(
        request,
        "users/admin_list.html",
        {"users": list_users(session), "role_labels": ROLE_LABELS},
    )


@router.get("/admin/users/new", summary="New user form")
def admin_new_user_form(request: Request, admin: AdminUser) -> Response:
    return render(
        request,
        "users/admin_new.html",
        {"role_labels": ROLE_LABELS, "values": {"roles": [], "locale": "nl"}, "errors": {}},
    )


@router.post("/admin/users/new", summary="Create a user")
def admin_create_user(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    email: Annotated[str, Form(max_length=1000)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=5000)] = "",
    locale: Annotated[str, Form(max_length=5)] = "nl",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    values = {"email": email, "name": name, "locale": locale, "roles": roles or []}
    try:
        user = create_user(
            session,
            email=email,
            name=name,
            password=password,
            roles=parse_roles(roles or []),
            locale=locale,
            actor=admin,
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: render(
                request,
                "users/admin_new.html",
                {"role_labels": ROLE_LABELS, "values": values, **why.context()},
                status_code=why.status,
            ),
        )
    response = RedirectResponse("/admin/users", status_code=303)
    flash(response, "user_created", name=user.name)
    return response


def _edit_page(
    request: Request,
    session: Session,
    user: User,
    *,
    selected: set[str] | None = None,
    why: Refusal | None = None,
) -> Response:
    return render(
        request,
        "users/admin_edit.html",
        {
            "user": user,
            "user_roles": selected if selected is not None else roles_of(session, user),
            "role_labels": ROLE_LABELS,
            **(why.context() if why else {"errors": {}}),
        },
        status_code=why.status if why else 200,
    )


@router.get("/admin/users/{user_id}", summary="Edit a user's roles")
def admin_edit_user(
    request: Request, session: SessionDep, admin: AdminUser, user_id: ObjectId
) -> Response:
    return _edit_page(request, session, get_user(session, user_id))


@router.post("/admin/users/{user_id}/roles", summary="Change a user's roles")
def admin_set_roles(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    user_id: ObjectId,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    user = get_user(session, user_id)
    try:
        set_roles(session, user=user, roles=parse_roles(roles or []), actor=admin)
    except REFUSALS as exc:
        chosen = set(roles or [])
        return refused(
            request,
            session,
            exc,
            lambda why: _edit_page(
                request, session, user, selected=chosen, why=why.on_field("roles")
            ),
        )
    response = RedirectResponse(f"/admin/users/{user_id}", status_code=303)
    flash(response, "roles_saved", name=user.name)
    return response


@router.post("/admin/users/{user_id}/deactivate", summary="Deactivate a user")
def admin_deactivate(
    request: Request, session: SessionDep, admin: AdminUser, user_id: ObjectId
) -> Response:
    user = get_user(session, user_id)
    deactivate_user(session, user=user, actor=admin)
    response = RedirectResponse("/admin/users", status_code=303)
    flash(response, "user_deactivated", name=user.name)
    return response
