"""The durable outbox: mail written in the transaction that decided to send it, and a sender
that claims one message at a time, sends it, and marks it sent.

    claim (commit) ─► SMTP DATA accepted ─► mark sent (commit)

A crash before the SMTP server accepted a message leaves a claim that expires after
MAIL_LEASE_SECONDS: the message is sent then. A crash after the server accepted it and before
the mark was committed cannot be told apart from the first case, so that message is sent a
second time, with the same Message-ID (README, "Reminders and the job runner": the one window
this design cannot close). Claims are compare-and-set: on PostgreSQL the row is taken with
SELECT … FOR UPDATE SKIP LOCKED, on SQLite inside BEGIN IMMEDIATE (app.db); the mark and the
release name the claim's token, so a worker whose lease was taken over changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import session_scope
from app.notifications.models import OutgoingMail
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.mail")

Checkpoint = Callable[[str], None]
MAIL = OutgoingMail.__table__  # type: ignore[attr-defined]
# The wait after the n-th failed attempt: a minute, doubling, at most six hours.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


def _nothing(_point: str) -> None:
    return None


def message_id_for(key: str, settings: Settings) -> str:
    """A Message-ID that is the same every time this installation sends this message (a
    keyed hash of what the message is about, so that it names no person and no other
    installation makes the same one)."""
    digest = hmac.new(
        settings.resolved_secret_key().encode(), key.encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"<dw.{digest}@{mail_domain(settings)}>"


def mail_domain(settings: Settings) -> str:
    """The domain of the sender's address (or of BASE_URL) for Message-IDs."""
    sender = settings.mail_from.rsplit("<", 1)[-1].strip(" >")
    if "@" in sender:
        return sender.rsplit("@", 1)[1].lower()
    return urlsplit(settings.public_url).hostname or "localhost"


def queue_mail(session: Session, *, to: str, subject: str, body: str, message_id: str) -> int:
    """Put a message in the outbox, in the caller's transaction; it leaves when that has
    committed and the worker sends it. Returns the mail's id."""
    now = utcnow()
    return int(
        session.execute(
            _QUEUE,
            {
                "recipient": to,
                "subject": subject,
                "body": body,
                "message_id": message_id,
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
                "last_error": "",
            },
        ).scalar_one()
    )


_QUEUE = MAIL.insert().returning(MAIL.c.id)


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0
    # When the earliest message still waiting may be tried (a retry, or a claim expiring).
    next_due: datetime | None = None
    errors: list[str] = field(default_factory=list)


def _claimable(now: datetime, lease: timedelta):  # type: ignore[no-untyped-def]
    return and_(
        MAIL.c.sent_at.is_(None),
        MAIL.c.failed_at.is_(None),
        MAIL.c.next_attempt_at <= now,
        or_(MAIL.c.claimed_at.is_(None), MAIL.c.claimed_at <= now - lease),
    )


def _claim_one(engine: Engine, now: datetime, lease: timedelta) -> tuple[int, str, dict] | None:
    """Claim the oldest claimable message: (id, claim token, the message), or None."""
    token = secrets.token_hex(16)
    with session_scope(engine) as session:
        oldest = (
            select(MAIL.c.id)
            .where(_claimable(now, lease))
            .order_by(MAIL.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds BEGIN IMMEDIATE
        ).scalar_subquery()
        row = (
            session.execute(
                update(MAIL)
                # Compare-and-set: the row must still be claimable when it is written.
                .where(MAIL.c.id == oldest, _claimable(now, lease))
                .values(claimed_at=now, claim_token=token, attempts=MAIL.c.attempts + 1)
                .returning(
                    MAIL.c.id,
                    MAIL.c.recipient,
                    MAIL.c.subject,
                    MAIL.c.body,
                    MAIL.c.message_id,
                    MAIL.c.attempts,
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return int(row["id"]), token, dict(row)


def _mark(engine: Engine, mail_id: int, token: str, **values: object) -> bool:
    """Write the outcome of a claim; False when the claim was no longer ours."""
    with session_scope(engine) as session:
        done = session.execute(
            update(MAIL)
            .where(MAIL.c.id == mail_id, MAIL.c.claim_token == token, MAIL.c.sent_at.is_(None))
            .values(**values)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _message(row: dict, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row["message_id"]
    # RFC 3834: written by a program; vacation responders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["body"])
    return message


def _connect(smtp_url: str) -> smtplib.SMTP:
    parts = urlsplit(smtp_url)
    smtp = smtplib.SMTP(parts.hostname or "localhost", parts.port or 25, timeout=30)
    if parts.scheme == "smtp+starttls":
        smtp.starttls()
    if parts.username:
        smtp.login(parts.username, parts.password or "")
    return smtp


def _retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _permanent(exc: Exception) -> bool:
    """A refusal that trying again will not change (5xx, or every recipient refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def pending_exists(engine: Engine, now: datetime, lease: timedelta) -> bool:
    with session_scope(engine) as session:
        return (
            session.execute(select(MAIL.c.id).where(_claimable(now, lease)).limit(1)).first()
            is not None
        )


def next_due(engine: Engine, lease: timedelta) -> datetime | None:
    """When the earliest message that is neither sent nor given up can next be tried."""
    with session_scope(engine) as session:
        waiting = and_(MAIL.c.sent_at.is_(None), MAIL.c.failed_at.is_(None))
        unclaimed = session.execute(
            select(func.min(MAIL.c.next_attempt_at)).where(waiting, MAIL.c.claimed_at.is_(None))
        ).scalar()
        claimed = session.execute(
            select(func.min(MAIL.c.claimed_at)).where(waiting, MAIL.c.claimed_at.is_not(None))
        ).scalar()
    times = [t for t in (unclaimed, claimed + lease if claimed else None) if t is not None]
    return min(times) if times else None


def send_pending(
    engine: Engine,
    settings: Settings,
    *,
    now: Callable[[], datetime] = utcnow,
    limit: int = 500,
    checkpoint: Checkpoint = _nothing,
) -> SendResult:
    """Send what the outbox holds, one claimed message at a time over one SMTP connection.
    Nothing happens without SMTP_URL (nothing is queued then either)."""
    result = SendResult()
    lease = timedelta(seconds=settings.mail_lease_seconds)
    if not settings.smtp_url:
        return result
    if not pending_exists(engine, now(), lease):
        result.next_due = next_due(engine, lease)
        return result
    try:
        smtp = _connect(settings.smtp_url)
    except (OSError, smtplib.SMTPException) as exc:
        # Nothing was claimed: the messages wait, no attempt is counted; try in a minute.
        log.warning("could not reach the SMTP server: %s", type(exc).__name__)
        result.errors.append(f"SMTP server not reached: {type(exc).__name__}")
        result.next_due = now() + FIRST_RETRY
        return result
    try:
        for _ in range(limit):
            claimed = _claim_one(engine, now(), lease)
            if claimed is None:
                break
            mail_id, token, row = claimed
            checkpoint("mail:claimed")
            try:
                smtp.send_message(_message(row, settings, now()))
            except (OSError, smtplib.SMTPException) as exc:
                _after_failure(engine, settings, mail_id, token, row, exc, now(), result)
                if not isinstance(
                    exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                ):
                    break  # the connection is gone: the rest waits for the next pass
                continue
            # The window: the server has the message, the mark below is not yet committed.
            checkpoint("mail:accepted")
            if _mark(engine, mail_id, token, sent_at=now(), last_error=""):
                result.sent += 1
            else:
                result.lost_claims += 1
                log.warning("mail %s was sent after its claim had expired", mail_id)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    result.next_due = next_due(engine, lease)
    return result


def _after_failure(
    engine: Engine,
    settings: Settings,
    mail_id: int,
    token: str,
    row: dict,
    exc: Exception,
    at: datetime,
    result: SendResult,
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    give_up = _permanent(exc) or int(row["attempts"]) >= settings.mail_max_attempts
    values: dict[str, object] = {"claimed_at": None, "claim_token": None, "last_error": error}
    if give_up:
        values["failed_at"] = at
    else:
        values["next_attempt_at"] = at + _retry_delay(int(row["attempts"]))
    if _mark(engine, mail_id, token, **values):
        if give_up:
            result.failed += 1
        else:
            result.retried += 1
    log.warning(
        "mail %s not sent (attempt %s%s): %s",
        mail_id,
        row["attempts"],
        ", given up" if give_up else "",
        type(exc).__name__,
    )
    result.errors.append(error)


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    claimed: int
    sent: int
    failed: int
    oldest_pending: datetime | None


def outbox_counts(session: Session) -> OutboxCounts:
    """What the outbox holds: waiting, claimed by a worker now, sent, given up."""
    waiting = and_(MAIL.c.sent_at.is_(None), MAIL.c.failed_at.is_(None))
    sent, failed, pending, claimed, oldest = session.execute(
        select(
            func.count().filter(MAIL.c.sent_at.is_not(None)),
            func.count().filter(MAIL.c.failed_at.is_not(None)),
            func.count().filter(waiting, MAIL.c.claimed_at.is_(None)),
            func.count().filter(waiting, MAIL.c.claimed_at.is_not(None)),
            func.min(MAIL.c.created_at).filter(waiting),
        )
    ).one()
    return OutboxCounts(int(pending), int(claimed), int(sent), int(failed), oldest)
