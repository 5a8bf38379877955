"""Notifications: in the app for every recipient, and by e-mail when SMTP_URL is set.

E-mails are queued on the database session and sent only after the transaction commits, so a
refused or rolled-back action never sends mail."""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, func, update
from sqlmodel import Session, col, select

from app.config import get_settings
from app.formatting import day
from app.i18n import N_, LazyString, gettext, use_locale
from app.notifications.models import Notification
from app.notifications.reminder_texts import DATE_PARAMS, REMINDER_KINDS, REMINDER_PAGES
from app.timeutil import utcnow
from app.users.models import User

log = logging.getLogger("datawaarden.mail")

KINDS: dict[str, tuple[LazyString, LazyString]] = {
    # kind: (subject, body); params: ref, title, actor
    "submitted": (
        N_("%(ref)s submitted to the committee"),
        N_("%(actor)s submitted the assessment %(ref)s, %(title)s, to the ethics committee."),
    ),
    "changes_requested": (
        N_("Changes requested for %(ref)s"),
        N_(
            "The ethics committee asks for changes to %(ref)s, %(title)s. Read the comments next to the questions."
        ),
    ),
    "resubmitted": (
        N_("%(ref)s submitted again"),
        N_("%(actor)s submitted %(ref)s, %(title)s, again after changes."),
    ),
    "advice_finalised": (
        N_("Advice on %(ref)s is final"),
        N_("The chair finalised the committee's advice on %(ref)s, %(title)s."),
    ),
    "coauthor_added": (
        N_("You can now edit %(ref)s"),
        N_("%(actor)s added you as a co-author of the assessment %(ref)s, %(title)s."),
    ),
    "opinion_requested": (
        N_("Your opinion on the draft advice on %(ref)s"),
        N_(
            "%(actor)s saved a draft advice on %(ref)s, %(title)s. Please record whether you agree, disagree or abstain."
        ),
    ),
    "opinions_complete": (
        N_("All opinions on the advice on %(ref)s are in"),
        N_(
            "Every member has given an opinion on the draft advice on %(ref)s, %(title)s. The chair can finalise it."
        ),
    ),
    "signed": (
        N_("Advice on %(ref)s has been signed"),
        N_("The signed advice report on %(ref)s, %(title)s, is available."),
    ),
    # The follow-up of conditions (app.followup); params also: number
    "condition_reported": (
        N_("Condition %(number)s of %(ref)s reported done"),
        N_(
            "%(actor)s reported condition %(number)s of the advice on %(ref)s, %(title)s, as done. Please accept it or reopen it."
        ),
    ),
    "condition_accepted": (
        N_("Condition %(number)s of %(ref)s accepted"),
        N_("%(actor)s accepted condition %(number)s of the advice on %(ref)s, %(title)s."),
    ),
    "condition_reopened": (
        N_("Condition %(number)s of %(ref)s reopened"),
        N_(
            "%(actor)s reopened condition %(number)s of the advice on %(ref)s, %(title)s. The reason is on the follow-up page."
        ),
    ),
    "condition_waived": (
        N_("Condition %(number)s of %(ref)s waived"),
        N_(
            "%(actor)s waived condition %(number)s of the advice on %(ref)s, %(title)s. The reason is on the follow-up page."
        ),
    ),
    # Resident consultations (app.consultations)
    "consultation_to_check": (
        N_("Please check the public summary of %(ref)s"),
        N_(
            "%(actor)s wrote the summary of %(ref)s, %(title)s, that residents will read in the "
            "consultation. Please check it, correct it where needed and confirm it."
        ),
    ),
    "consultation_confirmed": (
        N_("The summary of %(ref)s is confirmed"),
        N_(
            "%(actor)s confirmed the public summary of %(ref)s, %(title)s. The consultation can be published."
        ),
    ),
}


def unread_count(session: Session, *, user: User) -> int:
    """How many notifications the user has not read yet."""
    return session.exec(
        select(func.count()).where(
            Notification.user_id == user.id, col(Notification.read_at).is_(None)
        )
    ).one()


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


_UNKNOWN_KIND = (
    N_("A notice about %(ref)s"),
    N_("Something happened to the assessment %(ref)s. Open it to see what."),
)


def render_notification(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """Subject and text of a notification in a language. A kind this version does not know
    (one stored by another version) is shown in general words, never as an error."""
    subject, body = KINDS.get(kind, _UNKNOWN_KIND)
    if kind not in KINDS:
        params = {"ref": str(params.get("ref", ""))}
    with use_locale(locale):
        params = {k: day(v) if k in DATE_PARAMS and v else v for k, v in params.items()}
        return gettext(subject.message, **params), gettext(body.message, **params)


def notify(
    session: Session,
    *,
    recipients: list[User],
    kind: str,
    assessment_id: int | None,
    params: dict[str, Any],
) -> None:
    """Store an in-app notification per recipient and queue an e-mail (sent after commit)."""
    settings = get_settings()
    seen: set[int] = set()
    for user in recipients:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id or 0)
        session.add(
            Notification(
                user_id=user.id or 0,
                kind=kind,
                assessment_id=assessment_id,
                params_json=json.dumps(params, ensure_ascii=False),
            )
        )
        if settings.smtp_url:
            subject, body = render_notification(kind, params, user.locale)
            link = settings.public_url + notification_path(kind, assessment_id)
            with use_locale(user.locale):
                footer = gettext("Open it in Datawaarden: %(link)s", link=link)
            session.info.setdefault("outbox", []).append(
                Mail(user.email, subject, f"{body}\n\n{footer}\n")
            )
    session.flush()


# Where a notification takes its reader: the page on which they act. A notification that
# reaches authors and committee alike goes to the assessment's page, which both may see (after
# signing it shows the outcome, the conditions and the signed report).
_PAGES = {
    "submitted": "/committee/assessments/{id}",
    "resubmitted": "/committee/assessments/{id}",
    "opinion_requested": "/committee/assessments/{id}/advice",
    "opinions_complete": "/committee/assessments/{id}/advice",
    "condition_reported": "/assessments/{id}/follow-up",
    "condition_accepted": "/assessments/{id}/follow-up",
    "condition_reopened": "/assessments/{id}/follow-up",
    "condition_waived": "/assessments/{id}/follow-up",
    "consultation_to_check": "/assessments/{id}/consultation",
    "consultation_confirmed": "/assessments/{id}/consultation",
}


def notification_path(kind: str, assessment_id: int | None) -> str:
    """The path a notification links to, in the app and in its e-mail (one rule for both)."""
    if not assessment_id:
        return "/notifications"
    return _PAGES.get(kind, "/assessments/{id}").format(id=assessment_id)


def list_notifications(session: Session, *, user: User, limit: int = 100) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(col(Notification.id).desc())
            .limit(limit)
        ).all()
    )


def mark_all_read(session: Session, *, user: User) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )


# --- sending -------------------------------------------------------------------------------


def send_mail(messages: list[Mail], smtp_url: str, sender: str) -> None:
    """Deliver messages over SMTP (smtp://host:port, optionally user:password@)."""
    parts = urlsplit(smtp_url)
    host, port = parts.hostname or "localhost", parts.port or 25
    try:
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            if parts.scheme == "smtp+starttls":
                smtp.starttls()
            if parts.username:
                smtp.login(parts.username, parts.password or "")
            for mail in messages:
                message = EmailMessage()
                message["From"] = sender
                message["To"] = mail.to
                message["Subject"] = mail.subject
                message.set_content(mail.body)
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:  # mail is best effort; the app still works
        log.warning(
            "could not send %s e-mail(s) via %s:%s: %s",
            len(messages),
            host,
            port,
            type(exc).__name__,
        )


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox: list[Mail] = session.info.pop("outbox", [])
    if not outbox:
        return
    settings = get_settings()
    if settings.smtp_url:
        threading.Thread(
            target=send_mail, args=(outbox, settings.smtp_url, settings.mail_from), daemon=True
        ).start()


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop("outbox", None)


# Reminders (app.reminders) are notifications of their own kinds, shown by the same list.
KINDS.update(REMINDER_KINDS)
_PAGES.update(REMINDER_PAGES)
