"""Deleting residents' personal data after a consultation's retention period: daily by the job
runner, or by hand with `datawaarden consultations purge [--today YYYY-MM-DD]`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from app.config import get_settings
from app.consultations.models import Consultation, ConsultationReaction
from app.db import session_scope
from app.jobs.queue import PURGE_TASK, Runtime, build_app
from tests.jobs.conftest import ROOT, World, worker_env

ENDED = date(2027, 3, 31)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "consultations", *args],
        cwd=ROOT,
        env={**env, "COLUMNS": "200", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _consulted(world: World) -> int:
    """A signed assessment whose consultation ended on ENDED, with two reactions."""
    assessment = world.signed([])
    with session_scope(world.engine) as session:
        consultation = Consultation(
            assessment_id=assessment.id or 0,
            purpose="Tellen.",
            data_used="Tellingen.",
            questions="Wat vindt u ervan?",
            starts_on=ENDED - timedelta(days=13),
            ends_on=ENDED,
            created_by_id=world.users["board"],
            published_by_id=world.users["chair"],
        )
        from app.timeutil import utcnow

        consultation.published_at = utcnow()
        session.add(consultation)
        session.flush()
        for name in ("Ria de Vries", None):
            session.add(
                ConsultationReaction(
                    consultation_id=consultation.id or 0,
                    body="Bewaar het kort.",
                    name=name,
                    email="ria@example.org" if name else None,
                    value_id="transparent",
                    tags_json='["bewaartermijn"]',
                    moderation="published",
                    public_summary="Iemand vraagt om een korte bewaartermijn.",
                )
            )
        return consultation.id or 0


def _reactions(world: World, consultation_id: int) -> list[ConsultationReaction]:
    with Session(world.engine) as session:
        return list(
            session.exec(
                select(ConsultationReaction)
                .where(ConsultationReaction.consultation_id == consultation_id)
                .order_by(col(ConsultationReaction.id))
            ).all()
        )


def test_it_deletes_personal_data_after_the_retention_period_and_not_before(
    world: World, tmp_path: Path
):
    consultation_id = _consulted(world)
    env = worker_env(world, "", tmp_path / "data", DATAWAARDEN_DEFAULT_LOCALE="en")
    days = get_settings().consultation_retention_days
    last_day_kept = ENDED + timedelta(days=days)
    before = _cli(env, "purge", "--today", last_day_kept.isoformat())
    assert before.returncode == 0, before.stderr
    assert f"Personal data deleted from 0 reactions (retention {days} days)." in before.stdout
    assert [r.body for r in _reactions(world, consultation_id)] == ["Bewaar het kort."] * 2

    after = _cli(env, "purge", "--today", (last_day_kept + timedelta(days=1)).isoformat())
    assert after.returncode == 0, after.stderr
    assert f"Personal data deleted from 2 reactions (retention {days} days)." in after.stdout
    emptied = _reactions(world, consultation_id)
    assert [(r.body, r.name, r.email) for r in emptied] == [(None, None, None)] * 2
    assert all(r.personal_data_deleted_at is not None for r in emptied)
    # What the public account is made of stays.
    assert [(r.value_id, r.tags_json, r.moderation) for r in emptied] == [
        ("transparent", '["bewaartermijn"]', "published")
    ] * 2
    assert {r.public_summary for r in emptied} == {"Iemand vraagt om een korte bewaartermijn."}

    again = _cli(env, "purge", "--today", (last_day_kept + timedelta(days=1)).isoformat())
    assert "Personal data deleted from 0 reactions" in again.stdout
    status = subprocess.run(
        [sys.executable, "-m", "app", "jobs", "status", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    state = json.loads(status.stdout)
    assert state["last_purge"]["outcome"] == {"reactions": 0}


def test_it_refuses_a_day_that_is_not_a_date(world: World, tmp_path: Path):
    env = worker_env(world, "", tmp_path / "data", DATAWAARDEN_DEFAULT_LOCALE="en")
    refused = _cli(env, "purge", "--today", "31 maart")
    assert refused.returncode == 2
    assert "--today: '31 maart' is not a date; write it as YYYY-MM-DD." in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr


def test_the_job_runner_purges_daily(world: World):
    app = build_app(Runtime(world.engine, get_settings()))
    periodic = {task: t for (task, _id), t in app.periodic_registry.periodic_tasks.items()}
    assert PURGE_TASK in app.tasks
    cron = periodic[PURGE_TASK].cron.split()
    assert len(cron) == 5 and cron[2:] == ["*", "*", "*"]  # once a day
