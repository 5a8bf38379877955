"""Accounts, roles, web sessions, login throttling and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """The roles a user can hold; one person may hold several."""

    lead = "lead"
    board = "board"
    chair = "chair"
    auditor = "auditor"
    admin = "admin"


COMMITTEE_ROLES = frozenset({Role.board, Role.chair})


class User(SQLModel, table=True):
    """A local account. Never deleted: deactivated, so that its history stays."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True, index=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    password_hash: str = Field(sa_column=Column(String(255), nullable=False))
    is_active: bool = Field(default=True, nullable=False)
    locale: str = Field(default="nl", sa_column=Column(String(5), nullable=False))
    is_demo: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The single sign-on identity (OpenID Connect `iss` and `sub`) this account belongs to;
    # empty for a local account (app.users.sso).
    oidc_issuer: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    oidc_subject: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))

    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)


class UserRole(SQLModel, table=True):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id"), primary_key=True, nullable=False)
    )
    role: str = Field(sa_column=Column(String(20), primary_key=True, nullable=False))


class WebSession(SQLModel, table=True):
    """A server-side login session; the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    client: str = Field(default="", sa_column=Column(String(64), nullable=False))
    # The ID token of a single sign-on login, sent back to the provider as `id_token_hint`
    # when the user logs out (RP-initiated logout).
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the user last confirmed who they are at the provider on this session (step-up
    # before signing, app.users.stepup); cleared when a signature uses it.
    reauthenticated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PendingLogin(SQLModel, table=True):
    """A single sign-on login between the redirect to the provider and its return: kept in the
    database so that any app process can finish it. Used once (`used_at`), then kept until it
    expires so that a replayed state is recognised and refused."""

    __tablename__ = "pending_logins"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    nonce: str = Field(sa_column=Column(String(64), nullable=False))
    code_verifier: str = Field(sa_column=Column(String(128), nullable=False))
    # SHA-256 of the random value in the browser's cookie: the return must come from the
    # browser that started the login (no login CSRF with someone else's code).
    browser_hash: str = Field(sa_column=Column(String(64), nullable=False))
    next_url: str = Field(default="/", sa_column=Column(String(500), nullable=False))
    # Set for a step-up (app.users.stepup): the account already logged in that must confirm
    # who it is again; the return then marks its session instead of starting one.
    step_up_user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginThrottle(SQLModel, table=True):
    """Small per-key state of the login throttle (see app.users.throttle), one row per key:

    * kind "pair", key "pair:<e-mail>|<address>": failures of one account from one client
      address, when the last was, and until when the pair must wait;
    * kind "client", key "client:<address>": failures from one address over all accounts in
      the window that began at window_started_at, and until when it must wait;
    * kind "account", key "account:<e-mail>": the open audit window of one e-mail address:
      failures, attempts refused while waiting, first (window_started_at) and last attempt,
      and the first few client addresses. It becomes one audit event when the window closes.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_kind_window", "kind", "window_started_at"),)

    key: str = Field(sa_column=Column(String(400), primary_key=True))
    # Empty only where the table serves as a plain counter (tests/test_db.py).
    kind: str = Field(default="", sa_column=Column(String(10), nullable=False))
    failures: int = Field(default=0, nullable=False)
    refused: int = Field(default=0, nullable=False)
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    clients: str = Field(default="", sa_column=Column(String(300), nullable=False))


class ApiRateWindow(SQLModel, table=True):
    """Calls under one key in one fixed window of a rate limit (app.users.ratelimit): an API
    token ("token:…", minute windows) or a consultation respondent's hashed address
    ("consultation:…", hour windows); the window is the number of whole windows since the
    epoch. Shared by every process; each limit sweeps its own windows older than the previous
    one."""

    __tablename__ = "api_rate_windows"
    __table_args__ = (Index("ix_api_rate_windows_window_index", "window_index"),)

    key: str = Field(sa_column=Column(String(100), primary_key=True))
    window_index: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    calls: int = Field(default=0, nullable=False)


class ApiToken(SQLModel, table=True):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(100), nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ParkedRequest(SQLModel, table=True):
    """A form sent after its session had expired (an autosave, a comment): kept for the user
    whose session it was until they log in again in the same browser, then sent once more as
    them (app.users.parking). Rows of one browser share `batch_hash`, the SHA-256 of the random
    value in its cookie; they are short-lived and removed when used or stale."""

    __tablename__ = "parked_requests"

    id: int | None = Field(default=None, primary_key=True)
    batch_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    path: str = Field(sa_column=Column(String(500), nullable=False))
    # The form's fields as a JSON list of [name, value] pairs (the CSRF token left out).
    fields: str = Field(sa_column=Column(Text, nullable=False))
    # The page the user was on: where they land after logging in again.
    return_url: str = Field(default="/", sa_column=Column(String(500), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
