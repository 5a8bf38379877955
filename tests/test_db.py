"""The database layer: SQLite settings and writes that do not lose updates under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from app.audit.chain import verify_chain
from app.audit.service import record_event
from app.db import make_engine, session_scope
from app.migrate import upgrade_to_head
from app.users.models import LoginThrottle


def test_it_runs_sqlite_in_wal_mode_with_foreign_keys(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _hammer(engine, key: str, per_thread: int, threads: int) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(per_thread):
                # A plain ORM read-modify-write: safe only because writes are serialised.
                with session_scope(engine) as session:
                    row = session.get(LoginThrottle, key)
                    row.failures += 1
                    session.add(row)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors


def test_it_loses_no_update_under_concurrent_read_modify_write_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'concurrency.db'}")
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        session.add(LoginThrottle(key="counter", failures=0))
    _hammer(engine, "counter", per_thread=25, threads=8)
    with Session(engine) as session:
        assert session.get(LoginThrottle, "counter").failures == 200
    engine.dispose()


def test_it_never_forks_the_audit_chain_under_concurrent_appends(any_engine):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                with session_scope(any_engine) as session:
                    record_event(
                        session, action="test.concurrent", actor_id=None, details={"n": n, "i": i}
                    )
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    with Session(any_engine) as session:
        report = verify_chain(session)
        assert report.ok, report.problem
        from app.audit.models import AuditEvent

        prevs = session.exec(select(AuditEvent.prev_hash)).all()
        assert len(prevs) == len(set(prevs)), "two events share a predecessor: the chain forked"


def _second_engine(postgresql_engine, ping_after_idle: float):  # type: ignore[no-untyped-def]
    url = postgresql_engine.url.render_as_string(hide_password=False)
    return make_engine(url, ping_after_idle=ping_after_idle)


def _drop_backend(postgresql_engine, pid: int) -> None:  # type: ignore[no-untyped-def]
    with postgresql_engine.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        admin.commit()


def test_it_replaces_a_pooled_postgresql_connection_that_died_while_it_rested(postgresql_engine):
    engine = _second_engine(postgresql_engine, ping_after_idle=0)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _drop_backend(postgresql_engine, pid)  # as a server restart would
        with engine.connect() as conn:  # the ping finds it dead; the pool connects anew
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_it_does_not_ping_a_postgresql_connection_that_was_in_use_a_moment_ago(
    postgresql_engine, monkeypatch
):
    import time

    engine = _second_engine(postgresql_engine, ping_after_idle=0.5)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or real_ping(c))
    try:
        for _ in range(3):  # a busy moment: one round trip saved per request
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
        time.sleep(0.6)  # rested: checked before use
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert pings == [1]
        # Without the ping, a connection that died while pooled fails its next request once.
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _drop_backend(postgresql_engine, pid)
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        with engine.connect() as conn:  # and SQLAlchemy has replaced the pool's connections
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_it_answers_503_with_a_clear_message_when_the_database_connection_broke_off(
    postgresql_engine,
):
    from app.config import get_settings
    from app.main import create_app
    from tests.conftest import Client, page_text

    engine = _second_engine(postgresql_engine, ping_after_idle=3600)  # no ping saves it
    app = create_app(get_settings(), engine=engine)
    try:
        with Client(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            assert client.get("/register").status_code == 200
            with engine.connect() as conn:  # the one pooled connection the page used
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _drop_backend(postgresql_engine, pid)  # as a server restart would
            page = client.get("/register")
            assert page.status_code == 503 and page.headers["retry-after"] == "5"
            assert "De dienst is even niet beschikbaar" in page_text(page.text)
            assert "misschien niet bewaard" in page_text(page.text)
            assert client.get("/register").status_code == 200  # the pool connected anew
            with engine.connect() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _drop_backend(postgresql_engine, pid)
            problem = client.get("/register", headers={"Accept": "application/json"})
            assert problem.status_code == 503
            assert problem.json()["type"].endswith("unavailable")
    finally:
        engine.dispose()
