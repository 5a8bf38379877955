"""Login throttling that slows guessing without ever locking an account for everyone, and the
audit summary of failed logins.

* Per (account, client address) pair: after `login_max_failures` failures, each further attempt
  of that pair is refused until a delay has passed that starts at `login_first_delay_seconds`
  and doubles with every further failure, up to `login_max_delay_minutes`. The same account from
  another address is not affected, nor are other accounts from this address. A successful login
  clears the pair; a pair that has been quiet for PAIR_MEMORY is forgotten.
* Per client address over all accounts, against password spraying: the same delays once the
  address has `login_address_max_failures` failures within `login_window_minutes`.
* While a delay runs, the password is not checked (so the answer says nothing about it), and
  the answer is the same whether or not the account exists.
* The audit log gets one `auth.login_failed` event per e-mail address and window (failures,
  attempts refused while waiting, first and last attempt, the first few client addresses),
  never one write per attempt. Audit events are immutable, so the event is written when the
  window closes: at the address's next attempt or successful login, or by `sweep` (which every
  login attempt runs for a few closed windows, and `datawaarden users sweep-logins` for all).
  Until then the counts live in the account's throttle row: no window is lost.

Locking (PostgreSQL): an attempt locks its pair row first (concurrent guesses of one pair queue
behind each other and cannot slip past a delay), then the address row, then the account row,
and only then appends to the audit chain. `sweep` skips rows that others hold, so it never waits
for a row while it may hold the chain. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.config import Settings
from app.i18n import _
from app.timeutil import utcnow
from app.users.models import LoginThrottle

FAILED_LOGINS = "auth.login_failed"
PAIR_MEMORY = timedelta(hours=24)
MAX_CLIENTS = 5  # client addresses a summary names; "more_clients" says whether there were more
_MORE = "+"
PAIR, CLIENT, ACCOUNT = "pair", "client", "account"
_TABLE = LoginThrottle.__table__  # type: ignore[attr-defined]


def clock() -> datetime:
    """The throttle's current time (tests move it by patching `utcnow` here)."""
    return utcnow()


@dataclass(frozen=True)
class Keys:
    """The throttle rows one attempt touches."""

    email: str  # normalised
    client: str

    @property
    def pair(self) -> str:
        return f"{PAIR}:{self.email}|{self.client}"

    @property
    def address(self) -> str:
        return f"{CLIENT}:{self.client}"

    @property
    def account(self) -> str:
        return f"{ACCOUNT}:{self.email}"


def keys_for(email: str, client: str) -> Keys:
    """The keys of an attempt with a normalised e-mail address from a client address."""
    return Keys(email=email[:254], client=(client or "unknown")[:60])


def _window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.login_window_minutes)


def _delay(beyond: int, settings: Settings) -> timedelta:
    """The wait after the failure `beyond` failures past the limit (0: the one reaching it)."""
    seconds = settings.login_first_delay_seconds * 2 ** min(beyond, 40)
    return timedelta(seconds=min(seconds, settings.login_max_delay_minutes * 60))


def _locked(
    session: Session, key: str, kind: str, now: datetime, *, create: bool = True
) -> LoginThrottle | None:
    """The row of a key, locked for this transaction; made first (empty) when missing."""
    session.flush()
    for _attempt in range(5):
        if create:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            session.execute(
                insert(_TABLE)
                .values(
                    key=key, kind=kind, failures=0, refused=0, window_started_at=now, clients=""
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        if row is not None or not create:
            return row
        # A sweep deleted the row between the two statements (PostgreSQL): make it again.
    raise RuntimeError(f"the login throttle row {key!r} keeps disappearing")


def check(session: Session, *, keys: Keys, now: datetime) -> int:
    """Seconds this attempt must still wait (0: go ahead and check the password)."""
    pair = _locked(session, keys.pair, PAIR, now)
    address = session.get(LoginThrottle, keys.address)  # a looser limit: no lock needed
    ends = [
        row.blocked_until
        for row in (pair, address)
        if row is not None and row.blocked_until is not None and row.blocked_until > now
    ]
    if not ends:
        return 0
    return max(1, math.ceil((max(ends) - now).total_seconds()))


def record_refusal(session: Session, *, keys: Keys, settings: Settings, now: datetime) -> None:
    """An attempt refused while its pair or address waits: only counted for the summary."""
    _count(session, keys=keys, settings=settings, now=now, refused=1)


def record_failure(session: Session, *, keys: Keys, settings: Settings, now: datetime) -> None:
    """A wrong password (or an unknown or inactive account): count it, and set the delays."""
    pair = _locked(session, keys.pair, PAIR, now)
    assert pair is not None  # made by _locked
    if pair.last_attempt_at is not None and now - pair.last_attempt_at > PAIR_MEMORY:
        pair.failures, pair.window_started_at = 0, now
    pair.failures += 1
    pair.last_attempt_at = now
    if pair.failures >= settings.login_max_failures:
        pair.blocked_until = now + _delay(pair.failures - settings.login_max_failures, settings)
    session.add(pair)

    address = _locked(session, keys.address, CLIENT, now)
    assert address is not None
    if now - address.window_started_at >= _window(settings):
        address.failures, address.window_started_at = 0, now
    address.failures += 1
    address.last_attempt_at = now
    limit = settings.login_address_max_failures
    if address.failures >= limit:
        address.blocked_until = now + _delay(address.failures - limit, settings)
    session.add(address)

    _count(session, keys=keys, settings=settings, now=now, failed=1)


def record_success(session: Session, *, keys: Keys, now: datetime) -> None:
    """A successful login clears its pair and ends the account's open window (summarised
    first, so that the trail shows the failures before the login)."""
    pair = session.get(LoginThrottle, keys.pair)
    if pair is not None:
        session.delete(pair)
    account = _locked(session, keys.account, ACCOUNT, now, create=False)
    if account is not None:
        if account.failures or account.refused:
            _summarise(session, account)
        session.delete(account)
    session.flush()


def _count(
    session: Session,
    *,
    keys: Keys,
    settings: Settings,
    now: datetime,
    failed: int = 0,
    refused: int = 0,
) -> None:
    account = _locked(session, keys.account, ACCOUNT, now)
    assert account is not None
    if account.failures or account.refused:
        if now - account.window_started_at >= _window(settings):
            _summarise(session, account)
            account.failures = account.refused = 0
            account.clients = ""
            account.window_started_at = now
    else:
        account.window_started_at = now
    account.failures += failed
    account.refused += refused
    account.last_attempt_at = now
    account.clients = _with_client(account.clients, keys.client)
    session.add(account)
    session.flush()


def _with_client(clients: str, client: str) -> str:
    known = [c for c in clients.split(",") if c]
    if client in known or _MORE in known:
        return clients
    if len(known) >= MAX_CLIENTS:
        return ",".join([*known, _MORE])
    return ",".join([*known, client])


def _summarise(session: Session, account: LoginThrottle) -> None:
    """The audit event of one account's window."""
    clients = [c for c in account.clients.split(",") if c]
    record_event(
        session,
        action=FAILED_LOGINS,
        actor_id=None,
        details={
            "email": account.key.removeprefix(f"{ACCOUNT}:"),
            "count": account.failures,
            "refused": account.refused,
            "first_at": account.window_started_at.isoformat(),
            "last_at": (account.last_attempt_at or account.window_started_at).isoformat(),
            "clients": [c for c in clients if c != _MORE],
            "more_clients": _MORE in clients,
        },
    )


def sweep(
    session: Session, *, settings: Settings, now: datetime | None = None, limit: int | None = None
) -> int:
    """Summarise the windows that have closed (at most `limit`) and forget throttle rows that
    no longer slow anybody; returns the number of summaries written."""
    now = now or clock()
    session.flush()
    closed = session.exec(
        select(LoginThrottle)
        .where(
            LoginThrottle.kind == ACCOUNT,
            col(LoginThrottle.window_started_at) <= now - _window(settings),
        )
        .order_by(col(LoginThrottle.window_started_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    written = 0
    for account in closed:
        if account.failures or account.refused:
            _summarise(session, account)
            written += 1
        session.delete(account)
    forgotten = session.exec(
        select(LoginThrottle.key)
        .where(
            or_(
                and_(
                    col(LoginThrottle.kind) == PAIR,
                    col(LoginThrottle.window_started_at) < now - PAIR_MEMORY,
                    func.coalesce(LoginThrottle.last_attempt_at, LoginThrottle.window_started_at)
                    < now - PAIR_MEMORY,
                ),
                and_(
                    col(LoginThrottle.kind) == CLIENT,
                    col(LoginThrottle.window_started_at) < now - _window(settings),
                ),
            ),
            or_(
                col(LoginThrottle.blocked_until).is_(None),
                col(LoginThrottle.blocked_until) <= now,
            ),
        )
        .limit(limit * 10 if limit else None)
        .with_for_update(skip_locked=True)
    ).all()
    session.flush()
    if forgotten:
        session.execute(delete(LoginThrottle).where(col(LoginThrottle.key).in_(forgotten)))
    return written


def wait_message(seconds: int) -> str:
    """What a refused attempt is told, in the user's language (never more: not whether the
    account exists, nor whether the password was right)."""
    if seconds <= 90:
        return _(
            "Too many failed attempts. Wait %(seconds)s seconds before you try again.",
            seconds=max(5, math.ceil(seconds / 5) * 5),
        )
    return _(
        "Too many failed attempts. Wait %(minutes)s minutes before you try again.",
        minutes=math.ceil(seconds / 60),
    )
