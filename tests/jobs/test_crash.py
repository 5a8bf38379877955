"""A worker killed with SIGKILL in the middle of its work loses no reminder: after a restart
every reminder's mail arrives, once. The one exception the design cannot close — killed after
the SMTP server accepted a message and before the worker marked it sent — sends that message
again with the same Message-ID, so a receiver can drop the copy; the test pins exactly that.

On SQLite the worker is the plain loop, on PostgreSQL the procrastinate worker; each is
`datawaarden jobs run` in a process of its own, paused at a known point by a test-only hook
(DATAWAARDEN_TEST_PAUSE_AT) and killed when it says it is there."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from app.jobs import runs
from app.notifications.models import OutgoingMail
from app.reminders.models import Reminder
from tests.jobs.conftest import TODAY, Inbox, Worker, World, wait_until, worker_env


def _seed(world: World, conditions: int) -> None:
    """Conditions due within the fortnight, each owned by a party with its own address."""
    per_assessment = 10
    for start in range(0, conditions, per_assessment):
        world.signed(
            [
                {"due_on": TODAY + timedelta(days=3), "owner_email": f"owner{n}@example.org"}
                for n in range(start, min(start + per_assessment, conditions))
            ]
        )


def _all_sent(world: World, expected: int) -> bool:
    mail = runs.status(world.engine)["mail"]
    return mail["sent"] == expected and mail["pending"] == 0 and mail["claimed"] == 0


def _run_to_the_end(world: World, smtp: Inbox, env: dict[str, str], expected: int) -> None:
    worker = Worker(env, "--today", TODAY.isoformat())
    try:
        wait_until(lambda: _all_sent(world, expected), 120, f"{expected} mails marked sent")
    finally:
        worker.stop()


def _killed_at(world: World, smtp: Inbox, tmp_path: Path, point: str) -> dict[str, str]:
    env = worker_env(world, _smtp_url(smtp), tmp_path / "data")
    worker = Worker({**env, "DATAWAARDEN_TEST_PAUSE_AT": point}, "--today", TODAY.isoformat())
    try:
        worker.wait_for_line(f"PAUSED {point.split('#')[0]}")
    finally:
        worker.kill()
    return env


def _smtp_url(smtp: Inbox) -> str:
    import os

    return os.environ["DATAWAARDEN_SMTP_URL"]


def _once_each(smtp: Inbox, expected: int) -> None:
    recipients = Counter(m["To"] for m in smtp.messages)
    assert len(recipients) == expected
    assert set(recipients.values()) == {1}
    assert len(set(smtp.message_ids())) == expected


def test_a_worker_killed_in_the_middle_of_a_scan_loses_no_reminder(
    world: World, smtp: Inbox, tmp_path: Path
):
    _seed(world, 60)  # more than one batch of 50: the first is committed, the second is not
    env = _killed_at(world, smtp, tmp_path, "scan:before-commit#2")
    with Session(world.engine) as session:
        assert len(session.exec(select(Reminder)).all()) == 50
        assert len(session.exec(select(OutgoingMail)).all()) == 50
    assert smtp.messages == []
    _run_to_the_end(world, smtp, env, 60)
    _once_each(smtp, 60)
    with Session(world.engine) as session:
        assert len(session.exec(select(Reminder)).all()) == 60


def test_a_worker_killed_after_claiming_a_mail_sends_it_once_after_the_restart(
    world: World, smtp: Inbox, tmp_path: Path
):
    _seed(world, 5)
    env = _killed_at(world, smtp, tmp_path, "mail:claimed")
    assert smtp.messages == []
    mail = runs.status(world.engine)["mail"]
    assert (mail["claimed"], mail["pending"], mail["sent"]) == (1, 4, 0)
    _run_to_the_end(world, smtp, env, 5)
    _once_each(smtp, 5)
    with Session(world.engine) as session:
        attempts = sorted(m.attempts for m in session.exec(select(OutgoingMail)).all())
    assert attempts == [1, 1, 1, 1, 2]  # the claimed one was taken again after its lease


def test_a_worker_killed_after_the_server_accepted_a_mail_sends_it_again_with_the_same_message_id(
    world: World, smtp: Inbox, tmp_path: Path
):
    _seed(world, 5)
    env = _killed_at(world, smtp, tmp_path, "mail:accepted")
    (first,) = smtp.wait_for(1)
    _run_to_the_end(world, smtp, env, 5)
    # The documented window: the accepted message comes twice, as the same message.
    copies = [m for m in smtp.messages if m["Message-ID"] == first["Message-ID"]]
    assert len(copies) == 2
    assert copies[0]["To"] == copies[1]["To"] and copies[0]["Subject"] == copies[1]["Subject"]
    # Every other reminder exactly once; by Message-ID, every reminder exactly once.
    others = [m for m in smtp.messages if m["Message-ID"] != first["Message-ID"]]
    assert len(others) == len({m["Message-ID"] for m in others}) == 4
    assert len(set(smtp.message_ids())) == 5
