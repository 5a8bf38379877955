"""Personal API tokens: shown once, stored as SHA-256, with an optional expiry. A token acts
with the roles its user holds at the moment of the call."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.errors import InvalidInput, NotFound
from app.i18n import _
from app.text import tidy
from app.timeutil import utcnow
from app.users.models import ApiToken, User

TOKEN_PREFIX = "dw_"  # noqa: S105 (a marker, not a secret)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, *, user: User, name: str, expires_days: int | None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """A new token; returns the row and the token text, which is never shown again."""
    name = tidy(name, single_line=True)
    if not name or len(name) > 100:
        message = _("Give the token a name of at most 100 characters.")
        raise InvalidInput(message, fields={"name": message})
    if expires_days is not None and not 1 <= expires_days <= 3650:
        message = _("The validity must be between 1 and 3650 days.")
        raise InvalidInput(message, fields={"expires_days": message})
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        user_id=user.id or 0,
        name=name,
        prefix=prefix,
        token_hash=_hash(token),
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        action="token.created",
        actor_id=(actor or user).id,
        object_type="token",
        object_id=row.id or "",
        details={"user": user.id, "name": name, "prefix": prefix},
    )
    return row, token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())
        ).all()
    )


def revoke_token(session: Session, *, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("This token does not exist."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        record_event(
            session,
            action="token.revoked",
            actor_id=user.id,
            object_type="token",
            object_id=row.id or "",
        )
        session.flush()


def revoke_all_tokens(session: Session, *, user: User) -> int:
    """Revoke every live token of a user (deactivation, password reset); returns how many.
    The caller records one audit event for all of them."""
    rows = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
        session.add(row)
    session.flush()
    return len(rows)


def resolve_token(session: Session, token: str) -> tuple[ApiToken, User] | None:
    """The live token and its (active) user, or None. Touches last_used_at at most once a minute."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    now = utcnow()
    if api_token.revoked_at is not None or not user.is_active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
        api_token.last_used_at = now
        session.add(api_token)
        session.flush()
    return api_token, user


def is_live(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)
