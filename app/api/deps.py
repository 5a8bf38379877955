"""Authentication for the API: a personal token (Authorization: Bearer), or the session cookie
for same-origin calls (which then need the CSRF header like any page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import is_sqlite
from app.deps import SessionDep, SettingsDep, Viewer, resolve_user
from app.errors import NotAuthenticated, TooManyRequests
from app.i18n import _
from app.users import ratelimit
from app.users.models import User
from app.users.service import roles_of
from app.users.tokens import resolve_token

# The API's keys in the shared rate-limit table (app.users.ratelimit).
RATE_KEY_PREFIX = "token:"


def _rate_limit_wait(request: Request, session: Session, key: str, per_minute: int) -> int:
    """Count a call against the shared limit (app.users.ratelimit); the seconds to wait, or 0.

    On PostgreSQL the count is its own short transaction, so that it holds the token's row only
    for a moment and stands even when the request fails. SQLite has one writer at a time and
    this request holds it already, so there the count is part of the request's transaction."""
    if is_sqlite(session):
        verdict = ratelimit.hit(session.connection(), key, limit=per_minute)
        if verdict.fresh:
            ratelimit.sweep(session.connection(), prefix=RATE_KEY_PREFIX)
        return verdict.wait
    engine = request.app.state.engine
    with engine.begin() as conn:
        verdict = ratelimit.hit(conn, key, limit=per_minute)
    if verdict.fresh:
        with engine.begin() as conn:
            ratelimit.sweep(conn, prefix=RATE_KEY_PREFIX)
    return verdict.wait


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
        wait = _rate_limit_wait(
            request, session, f"{RATE_KEY_PREFIX}{token.id}", settings.api_rate_limit_per_minute
        )
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
