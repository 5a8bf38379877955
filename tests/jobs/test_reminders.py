"""Reminders on SQLite and PostgreSQL, with a real SMTP server and a moved clock: one e-mail
per reminder over many scans and days, to the right people, in their language, and none for
conditions that no longer ask anything of their owner."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from app.config import get_settings
from app.i18n import use_locale
from app.jobs import runs
from app.notifications.models import Notification, OutgoingMail
from app.notifications.service import notification_path, render_notification
from app.reminders.models import Reminder
from tests.jobs.conftest import TODAY, Inbox, World, body_of, subject_of


def scan(world: World, today: date) -> runs.ScanResult:
    return runs.scan(world.engine, get_settings(), today=today)


def send(world: World) -> runs.SendResult:
    return runs.send(world.engine, get_settings())


def notifications(world: World) -> list[Notification]:
    with Session(world.engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)).all())  # type: ignore[arg-type]


def reminders(world: World) -> list[Reminder]:
    with Session(world.engine) as session:
        return list(session.exec(select(Reminder).order_by(Reminder.id)).all())  # type: ignore[arg-type]


def test_it_sends_one_email_per_reminder_over_many_scans_and_days(world: World, smtp: Inbox):
    owner = world.users["lead2"]
    due = TODAY + timedelta(days=20)
    world.signed([{"due_on": due, "owner_user_id": owner, "owner": "Lars"}])
    # Every day from 30 days before the due date to 20 days after, three scans a day.
    for offset in range(-30, 21):
        for _ in range(3):
            scan(world, due + timedelta(days=offset))
            send(world)
    messages = smtp.messages
    assert len(messages) == len(set(smtp.message_ids())) == 3
    assert [m["To"] for m in messages] == [
        "lead2@example.org",  # due within 14 days: the owner
        "lead2@example.org",  # overdue: the owner …
        "board@example.org",  # … and the rapporteur
    ]
    assert "DW-2027-0001" in subject_of(messages[0])
    kinds = [r.kind for r in reminders(world)]
    assert kinds == ["condition_due", "condition_overdue", "condition_overdue"]
    first = reminders(world)[0]
    assert first.scanned_for == due - timedelta(days=14)  # the first day it was within 14 days


def test_it_reminds_no_one_of_conditions_reported_done_accepted_or_waived(
    world: World, smtp: Inbox
):
    soon, late = TODAY + timedelta(days=3), TODAY - timedelta(days=3)
    statuses = ["open", "in_progress", "reopened", "done", "accepted", "waived"]
    assessment = world.signed(
        [{"due_on": d, "status": s} for s in statuses for d in (soon, late)], rapporteur=None
    )
    scan(world, TODAY)
    send(world)
    ids = world.condition_ids(assessment)
    reminded = {r.subject_id for r in reminders(world)}
    outstanding = set(ids[:6])  # open, in progress, reopened: due soon and overdue
    assert reminded == outstanding
    # A condition reported done later gets no more reminders; a reopened one is reminded of
    # a date it has not been reminded of only.
    before = len(smtp.messages)
    world.set_status(ids[0], "done")
    scan(world, TODAY + timedelta(days=10))  # condition 1 (due soon) is now overdue
    send(world)
    assert ids[0] not in {r.subject_id for r in reminders(world) if r.kind == "condition_overdue"}
    # Conditions 3 and 5 (in progress, reopened) became overdue: the lead (the owner has
    # neither account nor address) and the chair (no rapporteur) hear it.
    assert len(smtp.messages) == before + 4


def test_it_sends_the_owner_the_reminder_and_when_overdue_the_rapporteur_or_the_chairs(
    world: World, smtp: Inbox
):
    english = world.add_user("owner@example.org", "Olive Owner", locale="en")
    gone = world.add_user("gone@example.org", "Gone Owner", active=False)
    late = TODAY - timedelta(days=1)
    with_rapporteur = world.signed(
        [
            {"due_on": late, "owner_user_id": english, "owner": "Olive"},
            {"due_on": late, "owner": "Stichting Data", "owner_email": "Info@Stichting.example"},
            {"due_on": late, "owner": "Team zonder adres"},
            {"due_on": late, "owner_user_id": gone, "owner": "Gone"},
        ]
    )
    without = world.signed([{"due_on": late, "owner_user_id": english}], rapporteur=None)
    world.declare_conflict(without.id or 0, "board")  # not a chair anyway: no effect
    scan(world, TODAY)
    send(world)
    got = {(r.subject_id, r.recipient) for r in reminders(world)}
    c1, c2, c3, c4 = world.condition_ids(with_rapporteur)
    (c5,) = world.condition_ids(without)
    u = world.users
    assert got == {
        (c1, f"user:{english}"),
        (c1, f"user:{u['board']}"),
        (c2, "mail:info@stichting.example"),  # a party without an account: its address
        (c2, f"user:{u['board']}"),
        (c3, f"user:{u['lead']}"),  # neither account nor address: the lead
        (c3, f"user:{u['board']}"),
        (c4, f"user:{u['lead']}"),  # an inactive account counts as none
        (c4, f"user:{u['board']}"),
        (c5, f"user:{english}"),
        (c5, f"user:{u['chair']}"),  # no rapporteur: the chair
    }
    to_owner = smtp.to("owner@example.org")
    assert len(to_owner) == 2
    with use_locale("en"):
        assert subject_of(to_owner[0]) == "Overdue: condition 1 of DW-2027-0001"
        assert "was due on 28 February 2027" in body_of(to_owner[0])
        assert f"/assessments/{with_rapporteur.id}/follow-up" in body_of(to_owner[0])
    contact = smtp.to("info@stichting.example")
    assert len(contact) == 1
    contact_body = body_of(contact[0])
    # A contact address gets the default language (Dutch) and no link it cannot use, but
    # the lead to tell.
    assert "28 februari 2027" in contact_body
    assert "/follow-up" not in contact_body
    assert "lead@example.org" in contact_body
    assert contact[0]["Auto-Submitted"] == "auto-generated"
    # Accounts have the reminder in the app too; the contact address only by e-mail.
    assert len(notifications(world)) == 9


def test_it_shows_reminders_in_the_app_in_the_readers_language(world: World):
    due = TODAY + timedelta(days=7)
    assessment = world.signed([{"due_on": due, "owner_user_id": world.users["lead2"]}])
    scan(world, TODAY)  # no SMTP: in the app only
    (notice,) = notifications(world)
    assert notice.user_id == world.users["lead2"]
    params = json.loads(notice.params_json)
    subject_en, body_en = render_notification(notice.kind, params, "en")
    subject_nl, _body_nl = render_notification(notice.kind, params, "nl")
    assert subject_en == "Reminder: condition 1 of DW-2027-0001 is due on 8 March 2027"
    assert "8 maart 2027" in subject_nl
    assert "Voorwaarde 1" in body_en  # the condition's own text
    assert notification_path(notice.kind, notice.assessment_id) == (
        f"/assessments/{assessment.id}/follow-up"
    )
    with Session(world.engine) as session:
        assert session.exec(select(OutgoingMail)).all() == []


def test_it_reminds_the_lead_and_the_committee_of_a_reassessment_coming_up(
    world: World, smtp: Inbox
):
    soon = world.signed([], reassess_on=TODAY + timedelta(days=30))
    later = world.signed([], reassess_on=TODAY + timedelta(days=31))
    world.declare_conflict(soon.id or 0, "board")
    followed = world.signed([], reassess_on=TODAY + timedelta(days=5))
    world.start_reassessment(followed)
    for day in range(3):
        scan(world, TODAY + timedelta(days=day))
        send(world)
    by_subject: dict[int, set[str]] = {}
    for r in reminders(world):
        assert r.kind == "reassessment_due"
        by_subject.setdefault(r.subject_id, set()).add(r.recipient)
    u = world.users
    assert by_subject == {
        soon.id: {f"user:{u['lead']}", f"user:{u['chair']}"},  # board declared a conflict
        later.id: {f"user:{u['lead']}", f"user:{u['chair']}", f"user:{u['board']}"},
    }
    assert len(smtp.messages) == 5
    note = next(n for n in notifications(world) if n.assessment_id == soon.id)
    assert notification_path(note.kind, note.assessment_id) == f"/assessments/{soon.id}"


def test_it_retries_a_refused_mail_with_the_same_message_id_and_gives_up_on_a_permanent_refusal(
    world: World, smtp: Inbox, settings_with
):
    settings = settings_with(mail_max_attempts=3)
    world.signed(
        [
            {"due_on": TODAY, "owner_user_id": world.users["lead2"]},
            {"due_on": TODAY, "owner_email": "nobody@example.org"},
        ]
    )
    scan(world, TODAY)
    smtp.refusals[:] = ["451 4.3.0 try again later", "550 5.1.1 no such user"]
    first = runs.send(world.engine, settings)
    assert (first.sent, first.retried, first.failed) == (0, 1, 1)
    with Session(world.engine) as session:
        waiting, refused = session.exec(select(OutgoingMail).order_by(OutgoingMail.id)).all()  # type: ignore[arg-type]
    assert refused.failed_at is not None and "550" in refused.last_error
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.next_attempt_at
    # Not before its time; then with the same Message-ID.
    assert runs.send(world.engine, settings).sent == 0
    from app.notifications.outbox import send_pending

    later = waiting.next_attempt_at + timedelta(seconds=1)
    assert send_pending(world.engine, settings, now=lambda: later).sent == 1
    (message,) = smtp.messages
    assert message["Message-ID"] == waiting.message_id
    status = runs.status(world.engine)
    assert status["mail"] == {
        "pending": 0,
        "claimed": 0,
        "sent": 1,
        "failed": 1,
        "oldest_pending": None,
    }
    assert status["last_scan"]["scanned_for"] == TODAY.isoformat()
    assert status["reminders"]["total"] == 2


@pytest.mark.parametrize("workers", [4])
def test_scans_and_senders_running_at_once_record_and_send_each_reminder_once(
    world: World, smtp: Inbox, workers: int
):
    """Below the job runner's own locks: the database keys alone keep concurrent scans and
    concurrent senders from doubling anything."""
    import threading

    for n in range(6):
        world.signed(
            [{"due_on": TODAY - timedelta(days=1), "owner_email": f"o{n}-{i}@example.org"}
             for i in range(10)]
        )  # fmt: skip
    settings = get_settings()
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def both() -> None:
        try:
            barrier.wait()
            runs.scan(world.engine, settings, today=TODAY)
            barrier.wait()
            runs.send(world.engine, settings)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=both) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    expected = 60 + 60  # each condition: its owner's address and the rapporteur
    assert len(reminders(world)) == expected
    ids = smtp.message_ids()
    assert len(ids) == len(set(ids)) == expected
