"""Accounts, roles, login throttling and server-side sessions. Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import metrics
from app.audit.service import record_event
from app.config import Settings
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import LOCALES, _
from app.text import is_email_address, tidy
from app.timeutil import utcnow
from app.users import throttle
from app.users.models import Role, User, UserRole, WebSession
from app.users.passwords import hash_password, password_problem, verify_password
from app.users.tokens import revoke_all_tokens

SESSION_COOKIE = "dw_session"


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding space."""
    return email.strip().lower()


# Read on every request, so built once (SQLAlchemy reuses their compiled form).
_ROLES = UserRole.__table__  # type: ignore[attr-defined]
_SESSIONS = WebSession.__table__  # type: ignore[attr-defined]
_ROLES_OF = select(_ROLES.c.role).where(_ROLES.c.user_id == bindparam("user_id"))
# The session, its user and the user's roles in one statement: every request starts with it.
_SESSION_BY_TOKEN = (
    sa_select(
        User,
        _SESSIONS.c.id,
        _SESSIONS.c.created_at,
        _SESSIONS.c.last_seen_at,
        _SESSIONS.c.ended_at,
        sa_select(func.aggregate_strings(_ROLES.c.role, ","))
        .where(_ROLES.c.user_id == _SESSIONS.c.user_id)
        .scalar_subquery()
        .label("roles"),
    )
    .join(_SESSIONS, _SESSIONS.c.user_id == User.id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
_SESSION_SEEN = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("session_id"))
    .values(last_seen_at=bindparam("now"))
)
_SESSION_END = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("session_id"))
    .values(ended_at=bindparam("now"))
)


def roles_of(session: Session, user: User) -> set[Role]:
    """The roles a user holds."""
    rows = session.execute(_ROLES_OF, {"user_id": user.id}).scalars()
    return {Role(r) for r in rows}


def parse_roles(values: list[str]) -> set[Role]:
    """Roles from user input; an unknown role is refused with a clear message."""
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip()))
        except ValueError:
            raise InvalidInput(
                _("Unknown role: %(role)s", role=value), fields={"roles": _("Unknown role")}
            ) from None
    return roles


def get_user_by_email(session: Session, email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def validate_email(email: str) -> str:
    """A normalised e-mail address, or InvalidInput."""
    email = normalise_email(email)
    if not is_email_address(email):
        raise InvalidInput(
            _("Enter a valid e-mail address."), fields={"email": _("Enter a valid e-mail address.")}
        )
    return email


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role],
    locale: str = "nl",
    actor: User | None = None,
    is_demo: bool = False,
    check_password: bool = True,
) -> User:
    """Create an account with its roles, after checking e-mail, name and password."""
    fields: dict[str, str] = {}  # in the order of the form
    name = tidy(name, single_line=True)
    if not name or len(name) > 200:
        fields["name"] = _("Enter a name of at most 200 characters.")
    try:
        email = validate_email(email)
    except InvalidInput as exc:
        fields.update(exc.fields)
    if locale not in LOCALES:
        fields["locale"] = _("Choose Dutch or English.")
    problem = password_problem(password, email=email, name=name) if check_password else None
    if problem:
        fields["password"] = problem
    if "email" not in fields and get_user_by_email(session, email) is not None:
        fields["email"] = _("An account with this e-mail address already exists.")
    if fields:
        raise InvalidInput(next(iter(fields.values())), fields=fields)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        locale=locale,
        is_demo=is_demo,
    )
    session.add(user)
    session.flush()
    assert user.id is not None  # the flush assigned it
    for role in sorted(roles):
        session.add(UserRole(user_id=user.id, role=role.value))
    session.flush()
    record_event(
        session,
        action="user.created",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id or "",
        details={"email": email, "roles": sorted(r.value for r in roles)},
    )
    return user


def set_roles(session: Session, *, user: User, roles: set[Role], actor: User | None) -> None:
    """Replace a user's roles; an administrator cannot remove their own admin role."""
    if actor is not None and actor.id == user.id and Role.admin not in roles:
        raise Conflict(_("You cannot remove your own administrator role."))
    before = roles_of(session, user)
    session.execute(delete(UserRole).where(col(UserRole.user_id) == user.id))
    assert user.id is not None  # a stored user
    for role in sorted(roles):
        session.add(UserRole(user_id=user.id, role=role.value))
    session.flush()
    record_event(
        session,
        action="user.roles_changed",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id or "",
        details={
            "before": sorted(r.value for r in before),
            "after": sorted(r.value for r in roles),
        },
    )


def deactivate_user(session: Session, *, user: User, actor: User | None) -> None:
    """Deactivate an account, end all its web sessions and revoke all its API tokens (for good:
    they stay revoked should the account come back); the account and its history stay."""
    if actor is not None and actor.id == user.id:
        raise Conflict(_("You cannot deactivate your own account."))
    user.is_active = False
    session.add(user)
    record_event(
        session,
        action="user.deactivated",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id or "",
    )
    revoke_access(session, user=user, actor=actor, reason="deactivated")


def set_password(session: Session, *, user: User, password: str, actor: User | None) -> None:
    """Set a new password after checking the policy (an administrator's reset: `datawaarden
    users set-password`). Ends all the user's web sessions and revokes all their API tokens:
    whoever knew the old password may have made either."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise InvalidInput(problem, fields={"password": problem})
    user.password_hash = hash_password(password)
    session.add(user)
    record_event(
        session,
        action="user.password_set",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id or "",
    )
    revoke_access(session, user=user, actor=actor, reason="password_reset")


def revoke_access(session: Session, *, user: User, actor: User | None, reason: str) -> None:
    """End every web session and revoke every API token of a user, with one audit event."""
    sessions = end_all_sessions(session, user=user)
    tokens = revoke_all_tokens(session, user=user)
    record_event(
        session,
        action="user.access_revoked",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id or "",
        details={"reason": reason, "sessions": sessions, "tokens": tokens},
    )


def list_users(session: Session) -> list[tuple[User, set[Role]]]:
    """All users with their roles, by name."""
    users = session.exec(select(User).order_by(func.lower(User.name))).all()
    role_rows = session.exec(select(UserRole)).all()
    by_user: dict[int, set[Role]] = {}
    for row in role_rows:
        by_user.setdefault(row.user_id, set()).add(Role(row.role))
    return [(u, by_user.get(u.id or 0, set())) for u in users]


def get_user(session: Session, user_id: int) -> User:
    """A user by id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("This user does not exist."))
    return user


# --- logging in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: the user, or none; `retry_after` seconds when the
    attempt was refused unchecked because its (account, address) pair or its address must
    wait (see app.users.throttle)."""

    user: User | None
    retry_after: int = 0


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    client: str,
    settings: Settings,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login, throttled per (account, client address) pair and, more loosely, per
    address; never locks an account for everyone. Never says which part was wrong, nor
    whether the account exists. Failed attempts reach the audit log as one summary per
    account and window, not one event each."""
    now = now or throttle.clock()
    keys = throttle.keys_for(normalise_email(email), client)
    wait = throttle.check(session, keys=keys, now=now)
    result: LoginResult
    if wait:
        throttle.record_refusal(session, keys=keys, settings=settings, now=now)
        result = LoginResult(None, wait)
        metrics.LOGIN_FAILURES.labels(reason="throttled").inc()
    else:
        user = get_user_by_email(session, email) if len(email) <= 254 else None
        ok = verify_password(user.password_hash if user else None, password[:1024])
        if not ok or user is None or not user.is_active:
            throttle.record_failure(session, keys=keys, settings=settings, now=now)
            result = LoginResult(None)
            metrics.LOGIN_FAILURES.labels(reason="invalid").inc()
        else:
            throttle.record_success(session, keys=keys, now=now)
            record_event(
                session,
                action="auth.login",
                actor_id=user.id,
                object_type="user",
                object_id=user.id or "",
            )
            result = LoginResult(user)
    # A few windows that closed meanwhile (of any account), so that none waits for the sweep.
    throttle.sweep(session, settings=settings, now=now, limit=5)
    return result


# --- sessions -------------------------------------------------------------------------------


def session_token_hash(token: str) -> str:
    """What the sessions table keeps of a cookie token."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, user: User, client: str, id_token: str | None = None) -> str:
    """A new server-side session (a new id at every login); returns the cookie token. A single
    sign-on login keeps its ID token for the logout at the provider."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=session_token_hash(token),
            user_id=user.id or 0,
            client=client[:64],
            id_token=id_token,
        )
    )
    session.flush()
    return token


@dataclass(frozen=True)
class LiveSession:
    """A session that is still valid, with its user and the roles the user holds now.
    `expires_at` is when it ends if nothing more happens; `ends_at` is its absolute end, which no
    activity moves (`expires_at` never lies beyond it)."""

    user: User
    roles: frozenset[Role]
    expires_at: datetime
    ends_at: datetime


def resolve_session(
    session: Session, *, token: str, settings: Settings, extend: bool = False
) -> LiveSession | None:
    """The live session for a cookie token (one statement). A timed-out session is refused
    for good (the time only grows); it is marked ended when the request's work commits."""
    if not token or len(token) > 100:
        return None
    row = session.execute(_SESSION_BY_TOKEN, {"token_hash": session_token_hash(token)}).first()
    if row is None:
        return None
    user, session_id, created_at, last_seen_at, ended_at, roles = row
    if ended_at is not None:
        return None
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_absolute_hours)
    if now - last_seen_at > idle or now - created_at > absolute:
        session.execute(_SESSION_END, {"session_id": session_id, "now": now})
        return None
    if not user.is_active:
        return None
    # Touch at most once a minute, so that reading a page rarely writes; asked to extend it
    # (the "stay logged in" button), always.
    if extend or now - last_seen_at > timedelta(minutes=1):
        session.execute(_SESSION_SEEN, {"session_id": session_id, "now": now})
        last_seen_at = now
    ends_at = created_at + absolute
    return LiveSession(
        user,
        frozenset(Role(r) for r in roles.split(",")) if roles else frozenset(),
        expires_at=min(last_seen_at + idle, ends_at),
        ends_at=ends_at,
    )


def session_owner(session: Session, *, token: str) -> int | None:
    """Whose session a cookie token was, live or not (None for a token never issued): work sent
    with an expired session is kept for that user only (app.users.parking)."""
    if not token or len(token) > 100:
        return None
    owner: int | None = session.execute(
        sa_select(_SESSIONS.c.user_id).where(_SESSIONS.c.token_hash == session_token_hash(token))
    ).scalar()
    return owner


def end_session(session: Session, *, token: str) -> str:
    """Log out: the session ends on the server, so the old cookie is worthless. Returns the
    ID token of a single sign-on session ("" for another), for the logout at the provider."""
    web = session.exec(
        select(WebSession).where(WebSession.token_hash == session_token_hash(token))
    ).first()
    if web is not None and web.ended_at is None:
        web.ended_at = utcnow()
        session.add(web)
        record_event(
            session,
            action="auth.logout",
            actor_id=web.user_id,
            object_type="user",
            object_id=web.user_id,
        )
        session.flush()
        return web.id_token or ""
    return ""


def end_all_sessions(session: Session, *, user: User) -> int:
    """End every open session of a user (deactivation, password reset); returns how many."""
    rows = session.exec(
        select(WebSession).where(WebSession.user_id == user.id, col(WebSession.ended_at).is_(None))
    ).all()
    now = utcnow()
    for web in rows:
        web.ended_at = now
        session.add(web)
    session.flush()
    return len(rows)


def set_locale_preference(session: Session, *, user: User, locale: str) -> None:
    """Remember a user's preferred language."""
    if locale in LOCALES and user.locale != locale:
        user.locale = locale
        session.add(user)
        session.flush()


COMMITTEE_ROLES = frozenset({Role.board, Role.chair})


def users_with_roles(session: Session, roles: frozenset[Role]) -> list[User]:
    """The active users holding at least one of the roles."""
    ids = select(UserRole.user_id).where(col(UserRole.role).in_([r.value for r in roles]))
    return list(session.exec(select(User).where(col(User.id).in_(ids), User.is_active)).all())
