"""Login, logout and the administrator's user pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.deps import AdminUser, CurrentUserOptional, ObjectId, SessionDep, SettingsDep
from app.errors import InvalidInput
from app.i18n import _
from app.users.labels import ROLE_LABELS
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
from app.web.middleware import LANG_COOKIE, cookie_header
from app.web.templating import render
from app.web.urls import safe_next

router = APIRouter()


def client_address(request: Request) -> str:
    """The client's address: the socket's peer, or, when that is one of the trusted proxies
    (DATAWAARDEN_TRUSTED_PROXIES, applied by uvicorn), the client it forwards for."""
    return request.client.host if request.client else "unknown"


@router.get("/login", summary="Login page")
def login_form(request: Request, user: CurrentUserOptional, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "users/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", summary="Log in")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=5000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    result = authenticate(
        session, email=email, password=password, client=client_address(request), settings=settings
    )
    context = {"next": safe_next(next), "email": email[:254]}
    if result.retry_after:
        context["error"] = wait_message(result.retry_after)
        return render(
            request,
            "users/login.html",
            context,
            status_code=429,
            headers={"Retry-After": str(result.retry_after)},
        )
    if result.user is None:
        context["error"] = _("The e-mail address or password is not correct.")
        return render(request, "users/login.html", context, status_code=401)
    token = start_session(session, user=result.user, client=client_address(request))
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = settings.is_production
    response.headers.append("Set-Cookie", cookie_header(SESSION_COOKIE, token, secure=secure))
    response.headers.append("Set-Cookie", cookie_header(CSRF_COOKIE, new_seed(), secure=secure))
    response.headers.append(
        "Set-Cookie",
        cookie_header(LANG_COOKIE, result.user.locale, secure=secure, max_age=365 * 24 * 3600),
    )
    response.headers["dw-csrf-rotated"] = "1"
    return response


@router.post("/logout", summary="Log out")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        end_session(session, token=token)
    response = RedirectResponse("/login", status_code=303)
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
    except InvalidInput as exc:
        session.rollback()
        return render(
            request,
            "users/admin_new.html",
            {
                "role_labels": ROLE_LABELS,
                "values": values,
                "errors": exc.fields,
                "error": exc.detail,
            },
            status_code=422,
        )
    response = RedirectResponse("/admin/users", status_code=303)
    flash(response, "user_created", name=user.name)
    return response


@router.get("/admin/users/{user_id}", summary="Edit a user's roles")
def admin_edit_user(
    request: Request, session: SessionDep, admin: AdminUser, user_id: ObjectId
) -> Response:
    user = get_user(session, user_id)
    return render(
        request,
        "users/admin_edit.html",
        {"user": user, "user_roles": roles_of(session, user), "role_labels": ROLE_LABELS},
    )


@router.post("/admin/users/{user_id}/roles", summary="Change a user's roles")
def admin_set_roles(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    user_id: ObjectId,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    user = get_user(session, user_id)
    set_roles(session, user=user, roles=parse_roles(roles or []), actor=admin)
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
