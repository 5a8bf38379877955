"""Authentication for the API: a personal token (Authorization: Bearer), or the session cookie
for same-origin calls (which then need the CSRF header like any page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.api.ratelimit import RateLimiter
from app.deps import SessionDep, SettingsDep, Viewer, resolve_user
from app.errors import NotAuthenticated, TooManyRequests
from app.i18n import _
from app.users.models import User
from app.users.service import roles_of
from app.users.tokens import resolve_token

_LIMITERS: dict[int, RateLimiter] = {}


def _limiter(per_minute: int) -> RateLimiter:
    limiter = _LIMITERS.get(per_minute)
    if limiter is None:
        limiter = _LIMITERS[per_minute] = RateLimiter(per_minute, 60.0)
    return limiter


def api_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """The caller; 401 as a problem when there is none."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        resolved = resolve_token(session, auth[7:].strip())
        if resolved is None:
            raise NotAuthenticated(
                _("The API token is missing, expired or revoked."),
                headers={"WWW-Authenticate": "Bearer"},
            )
        token, user = resolved
        wait = _limiter(settings.api_rate_limit_per_minute).check(f"token:{token.id}")
        if wait:
            raise TooManyRequests(
                _("Too many requests with this token. Try again in %(s)s seconds.", s=wait),
                headers={"Retry-After": str(wait)},
            )
        request.state.user = user
        request.state.user_resolved = True
        request.state.roles = frozenset(roles_of(session, user))
        request.state.viewer = Viewer(id=user.id or 0, name=user.name, email=user.email)
        return user
    cookie_user = resolve_user(request, session, settings)
    if cookie_user is None:
        raise NotAuthenticated(
            _("Log in or send a personal API token."), headers={"WWW-Authenticate": "Bearer"}
        )
    return cookie_user


ApiUser = Annotated[User, Depends(api_user)]
