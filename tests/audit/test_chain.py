"""The audit trail is a hash chain: an edited, deleted or inserted event is found and named."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.audit.chain import verify_chain
from app.audit.service import record_event
from app.db import make_engine, session_scope
from app.migrate import upgrade_to_head
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.tamper import as_dba


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = make_engine(url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        for i in range(5):
            record_event(session, action="test.event", actor_id=None, details={"i": i})
    yield engine, url
    engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def _ids(engine):
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT id FROM audit_events ORDER BY id"))]


def test_it_verifies_an_intact_chain(fresh):
    engine, _url = fresh
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.ok and report.count == 5


def test_it_names_an_edited_event(fresh):
    engine, _url = fresh
    target = _ids(engine)[2]
    with as_dba(engine) as conn:
        conn.execute(
            text("UPDATE audit_events SET details_json = :d WHERE id = :id"),
            {"d": '{"i":99}', "id": target},
        )
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problem is not None and report.problem.event_id == target
    assert "changed" in report.problem.reason


def test_it_names_the_event_after_a_deleted_one(fresh):
    engine, _url = fresh
    ids = _ids(engine)
    with as_dba(engine) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problem is not None and report.problem.event_id == ids[2]
    assert "removed or inserted" in report.problem.reason


def test_it_names_an_inserted_event(fresh):
    engine, _url = fresh
    ids = _ids(engine)
    with as_dba(engine) as conn:
        row = (
            conn.execute(text("SELECT * FROM audit_events WHERE id = :id"), {"id": ids[1]})
            .mappings()
            .one()
        )
        fake = dict(row)
        fake["id"] = ids[1] * 1000 if engine.dialect.name == "sqlite" else 10_000
        fake["hash"] = "f" * 64
        fake["action"] = "test.forged"
        conn.execute(
            text("UPDATE audit_events SET id = :new WHERE id = :old"),
            {"new": 20_000, "old": ids[4]},
        )
        fake["id"] = 15_000
        fake["prev_hash"] = row["hash"]
        columns = ", ".join(fake)
        conn.execute(
            text(
                f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + k for k in fake)})"
            ),
            fake,
        )
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problem is not None
    assert report.problem.event_id in (15_000, 20_000)


def test_it_exits_1_from_the_command_line_when_the_chain_is_broken(fresh):
    engine, url = fresh
    env_cmd = [sys.executable, "-m", "app", "audit", "verify"]
    import os

    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": url}
    ok = subprocess.run(env_cmd, capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "5 events" in ok.stdout
    target = _ids(engine)[3]
    with as_dba(engine) as conn:
        conn.execute(text("UPDATE audit_events SET action = 'x.y' WHERE id = :id"), {"id": target})
    broken = subprocess.run(env_cmd, capture_output=True, text=True, env=env, timeout=60)
    assert broken.returncode == 1
    assert f"event {target}" in broken.stderr


# --- every hashed field is covered ---------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def trail(request, tmp_path):  # type: ignore[no-untyped-def]
    """A trail whose events name an actor and an assessment, so that every field has a value."""
    from app.assessments import lifecycle
    from app.questionnaires.registry import find_version
    from app.users.service import get_user_by_email
    from tests.conftest import PERSONAS, build_database

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'trail.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = build_database(url)
    with session_scope(engine) as session:
        lead = get_user_by_email(session, PERSONAS["lead"].email)
        board = get_user_by_email(session, PERSONAS["board"].email)
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title="Spoor",
            department="Audit",
            description="Een spoor met alle velden.",
            questionnaire=find_version(session, "sample"),
        )
        for i in range(3):
            record_event(
                session,
                action="test.event",
                actor_id=lead.id,
                object_type="thing",
                object_id=f"t{i}",
                assessment_id=a.id,
                details={"i": i},
            )
        other = board.id
    yield engine, other
    engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


HASHED_FIELDS = {
    "created_at": "created_at = created_at + {interval}",
    "actor_id": "actor_id = {other}",
    "action": "action = 'test.forged'",
    "object_type": "object_type = 'forged'",
    "object_id": "object_id = 'forged'",
    "assessment_id": "assessment_id = NULL",
    "details_json": "details_json = '{{\"i\": 99}}'",
    "prev_hash": "prev_hash = '" + "0" * 64 + "'",
}


@pytest.mark.parametrize("field", list(HASHED_FIELDS))
def test_it_notices_a_change_to_any_hashed_field(trail, field):
    engine, other = trail
    with engine.connect() as conn:
        target = conn.execute(
            text("SELECT max(id) FROM audit_events WHERE action = 'test.event'")
        ).scalar_one()
    interval = "interval '1 second'" if engine.dialect.name == "postgresql" else "0"
    change = HASHED_FIELDS[field].format(other=other, interval=interval)
    if field == "created_at" and engine.dialect.name == "sqlite":
        change = "created_at = '2001-01-01 00:00:00.000000'"
    with as_dba(engine) as conn:
        conn.execute(text(f"UPDATE audit_events SET {change} WHERE id = :id"), {"id": target})
    with Session(engine) as session:
        report = verify_chain(session)
    assert report.problem is not None and report.problem.event_id == target, field
