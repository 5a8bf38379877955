"""`datawaarden jobs run --once` and `jobs status`, as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from tests.jobs.conftest import ROOT, TODAY, Inbox, World, worker_env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "jobs", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_operator_runs_one_pass_for_a_chosen_day_and_reads_the_state(
    world: World, smtp: Inbox, tmp_path: Path
):
    world.signed(
        [
            {"due_on": TODAY + timedelta(days=20), "owner_email": "later@example.org"},
            {"due_on": TODAY + timedelta(days=10), "owner_email": "soon@example.org"},
        ]
    )
    env = worker_env(world, os.environ["DATAWAARDEN_SMTP_URL"], tmp_path / "data")
    never = json.loads(_cli(env, "status", "--json").stdout)
    assert never["last_scan"] is None and never["reminders"]["total"] == 0

    first = _cli(env, "run", "--once", "--today", TODAY.isoformat())
    assert first.returncode == 0, first.stderr
    assert "Reminders for 2027-03-01: 1 recorded (0 in the app, 1 e-mails queued)" in first.stdout
    assert "Outbox: 1 sent" in first.stdout
    again = _cli(env, "run", "--once", "--today", TODAY.isoformat())
    assert "Reminders for 2027-03-01: 0 recorded" in again.stdout
    later = _cli(env, "run", "--once", "--today", (TODAY + timedelta(days=6)).isoformat())
    assert "Reminders for 2027-03-07: 1 recorded" in later.stdout
    assert sorted(m["To"] for m in smtp.messages) == ["later@example.org", "soon@example.org"]

    state = json.loads(_cli(env, "status", "--json").stdout)
    assert state["mail"] == {
        "pending": 0,
        "claimed": 0,
        "sent": 2,
        "failed": 0,
        "oldest_pending": None,
    }
    assert state["last_scan"]["scanned_for"] == "2027-03-07"
    assert state["reminders"] == {"total": 2, "by_kind": {"condition_due": 2}}
    if world.kind == "postgresql":
        assert state["queue"] == {}  # `--once` uses no queue
    else:
        assert state["queue"] is None
    text = _cli(env, "status").stdout
    assert "Reminders recorded: 2 (condition_due 2)." in text
    assert "Last reminder scan:" in text and "(for 2027-03-07)" in text


def test_it_refuses_a_day_that_is_not_a_date(world: World, tmp_path: Path):
    env = worker_env(world, "", tmp_path / "data")
    refused = _cli(env, "run", "--once", "--today", "1 maart")
    assert refused.returncode == 2
    assert "--today: '1 maart' is not a date; write it as YYYY-MM-DD." in refused.stderr
