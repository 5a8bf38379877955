"""Step-up re-authentication: before a signature the signer proves again that it is them.

A local account does so with its password. An account that logs in through the organisation's
sign-in service (single sign-on) has no password it knows, so it confirms who it is at the
provider instead: an authorization request with `prompt=login` and `max_age=0` (the provider
must ask for a fresh login), through the same pending logins and callback as a login
(app.users.sso). The return must carry the issuer and subject of the logged-in account and an
`auth_time` no older than STEP_UP_MAX_AGE; it then marks the web session as re-authenticated.
A signature takes that mark (in one UPDATE, so two requests cannot both use it): it proves one
signature, within STEP_UP_MAX_AGE of the login at the provider, on the same session.

Who may sign is decided elsewhere, exactly as before; this module only answers "is it you?".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.config import Settings
from app.errors import InvalidInput
from app.i18n import _
from app.timeutil import utcnow
from app.users.models import User, WebSession
from app.users.passwords import verify_password
from app.users.service import session_token_hash
from app.users.sso import LoginRefused, Returned, StartedLogin, audit_refusal, start_login

STEP_UP_MAX_AGE = timedelta(minutes=5)  # from the login at the provider to the signature
# How a signer proved it is them, as the audit event of the signature says.
BY_PASSWORD = "password"  # noqa: S105 (a method, not a password)
BY_OIDC = "oidc"


def can_step_up(user: User, settings: Settings) -> bool:
    """Whether the account confirms who it is at the configured provider (its identity there)."""
    return (
        settings.sso_enabled
        and bool(user.oidc_subject)
        and user.oidc_issuer == settings.oidc_issuer
    )


def accepts_password(user: User, settings: Settings) -> bool:
    """A password proves it is you where passwords still log in: always for a local account,
    for an account of the provider only while local login is on (a linked account that once
    had a password)."""
    return settings.local_login or not can_step_up(user, settings)


def start_step_up(
    session: Session, *, settings: Settings, user: User, next_url: str, locale: str
) -> StartedLogin:
    """The authorization request that asks the provider for a fresh login of this account."""
    if not can_step_up(user, settings):
        raise InvalidInput(
            _(
                "Your account does not log in through the sign-in service. "
                "Confirm who you are with your password."
            )
        )
    return start_login(
        session, settings=settings, next_url=next_url, locale=locale, step_up_user_id=user.id
    )


def _refuse(
    session: Session, settings: Settings, message: str, *, reason: str, subject: str, back: str
) -> LoginRefused:
    audit_refusal(session, settings=settings, reason=reason, subject=subject)
    return LoginRefused(message, reason=reason, status=403, back=back)


def _auth_time(claims: dict[str, object]) -> datetime | None:
    value = claims.get("auth_time")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def confirm_step_up(
    session: Session,
    *,
    settings: Settings,
    returned: Returned,
    user: User | None,
    session_token: str,
) -> str:
    """Mark the session as re-authenticated after a verified return of a step-up, or
    LoginRefused (audited). Returns where the user was going."""
    pending = returned.pending
    subject = str(returned.claims.get("sub", ""))
    if user is None or user.id != pending.step_up_user_id:
        raise _refuse(
            session,
            settings,
            _("This confirmation was started for another session. Please log in again."),
            reason="step_up_other_session",
            subject=subject,
            back=pending.next_url,
        )
    if returned.claims.get("iss") != user.oidc_issuer or subject != user.oidc_subject:
        raise _refuse(
            session,
            settings,
            _(
                "You confirmed with another account at the sign-in service than the one you "
                "are logged in with. Confirm with your own account."
            ),
            reason="step_up_other_subject",
            subject=subject,
            back=pending.next_url,
        )
    now = utcnow()
    leeway = timedelta(seconds=settings.oidc_leeway_seconds)
    auth_time = _auth_time(returned.claims)
    if auth_time is None or not now - STEP_UP_MAX_AGE - leeway <= auth_time <= now + leeway:
        raise _refuse(
            session,
            settings,
            _(
                "The sign-in service did not confirm a new login just now, so we cannot be "
                "sure it is you. Please try again."
            ),
            reason="step_up_not_fresh",
            subject=subject,
            back=pending.next_url,
        )
    marked = session.execute(
        update(WebSession)
        .where(
            col(WebSession.token_hash) == session_token_hash(session_token),
            col(WebSession.user_id) == user.id,
            col(WebSession.ended_at).is_(None),
        )
        .values(reauthenticated_at=min(auth_time, now))
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse(
            session,
            settings,
            _("This confirmation was started for another session. Please log in again."),
            reason="step_up_other_session",
            subject=subject,
            back=pending.next_url,
        )
    record_event(
        session,
        action="auth.step_up",
        actor_id=user.id,
        object_type="user",
        object_id=user.id or "",
        details={"issuer": settings.oidc_issuer, "auth_time": int(auth_time.timestamp())},
    )
    session.flush()
    return pending.next_url


def fresh_step_up(session: Session, *, user: User, session_token: str) -> datetime | None:
    """Until when this session's confirmation at the provider can sign, or None."""
    if not session_token:
        return None
    at = session.exec(
        select(WebSession.reauthenticated_at).where(
            WebSession.token_hash == session_token_hash(session_token),
            WebSession.user_id == user.id,
        )
    ).first()
    if at is None or utcnow() - at > STEP_UP_MAX_AGE:
        return None
    return at + STEP_UP_MAX_AGE


def take_proof(
    session: Session, *, user: User, password: str, session_token: str, settings: Settings
) -> str:
    """Check that the signer proved it is them, with the password or by a fresh confirmation
    at the provider on the session of `session_token`, and return how ("password" or "oidc").
    A confirmation is used up by this (in the caller's transaction). Raises InvalidInput."""
    if password and accepts_password(user, settings):
        if verify_password(user.password_hash, password[:1024]):
            return BY_PASSWORD
        message = _("The password is not correct.")
        raise InvalidInput(message, fields={"password": message})
    if can_step_up(user, settings):
        if session_token and _use_step_up(session, user=user, token=session_token):
            return BY_OIDC
        message = _(
            "Please confirm who you are at the sign-in service first. A confirmation counts "
            "for one signature, within %(minutes)s minutes.",
            minutes=int(STEP_UP_MAX_AGE.total_seconds() // 60),
        )
        raise InvalidInput(message, fields={"reauthenticate": message})
    message = _("The password is not correct.")
    raise InvalidInput(message, fields={"password": message})


def _use_step_up(session: Session, *, user: User, token: str) -> bool:
    """Clear a fresh confirmation on this session; whether there was one."""
    taken = session.execute(
        update(WebSession)
        .where(
            col(WebSession.token_hash) == session_token_hash(token),
            col(WebSession.user_id) == user.id,
            col(WebSession.ended_at).is_(None),
            col(WebSession.reauthenticated_at) >= utcnow() - STEP_UP_MAX_AGE,
        )
        .values(reauthenticated_at=None)
    )
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]
