"""Several workers at once double nothing: on PostgreSQL two procrastinate workers and a
`jobs run --once` beside them; on SQLite a second loop started by mistake waits as a standby
and takes over when the first dies."""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from app.jobs import runs
from tests.jobs.conftest import TODAY, Inbox, Worker, World, wait_until, worker_env


def _seed(world: World, first: int, count: int) -> None:
    for start in range(first, first + count, 10):
        world.signed(
            [
                {"due_on": TODAY + timedelta(days=2), "owner_email": f"owner{n}@example.org"}
                for n in range(start, min(start + 10, first + count))
            ]
        )


def _all_sent(world: World, expected: int) -> bool:
    mail = runs.status(world.engine)["mail"]
    return mail["sent"] == expected and mail["pending"] == 0 and mail["claimed"] == 0


def _once_each(smtp: Inbox, expected: int) -> None:
    counts = Counter(m["To"] for m in smtp.messages)
    assert len(counts) == expected and set(counts.values()) == {1}
    assert len(set(smtp.message_ids())) == len(smtp.messages) == expected


def test_two_procrastinate_workers_and_a_one_off_run_send_each_reminder_once(
    postgres_world: World, smtp: Inbox, tmp_path: Path
):
    world = postgres_world
    _seed(world, 0, 80)
    env = worker_env(world, os.environ["DATAWAARDEN_SMTP_URL"], tmp_path / "data")
    today = ("--today", TODAY.isoformat())
    workers = [Worker(env, *today), Worker(env, *today), Worker(env, "--once", *today)]
    try:

        def registered() -> bool:
            with world.engine.connect() as conn:
                return (
                    conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() == 2
                )

        wait_until(registered, 90, "both procrastinate workers registered")
        wait_until(lambda: _all_sent(world, 80), 120, "80 mails marked sent")
        workers[2].process.wait(timeout=60)
        assert workers[2].process.returncode == 0
    finally:
        for worker in workers:
            worker.stop()
    _once_each(smtp, 80)
    assert runs.status(world.engine)["reminders"]["total"] == 80


def test_a_second_sqlite_worker_waits_as_a_standby_and_takes_over(
    sqlite_world: World, smtp: Inbox, tmp_path: Path
):
    world = sqlite_world
    _seed(world, 0, 20)
    env = worker_env(world, os.environ["DATAWAARDEN_SMTP_URL"], tmp_path / "data")
    first = Worker(env, "--today", TODAY.isoformat())
    second = None
    try:
        wait_until(lambda: _all_sent(world, 20), 120, "20 mails marked sent")
        second = Worker(env, "--today", TODAY.isoformat())
        second.wait_for_line("another worker runs for this database")
        _seed(world, 20, 5)  # the first worker scans again only in five minutes
        first.kill()
        second.wait_for_line("takes over")
        wait_until(lambda: _all_sent(world, 25), 120, "25 mails marked sent")
    finally:
        first.stop()
        if second is not None:
            second.stop()
    _once_each(smtp, 25)
