"""Concurrent login attempts and sweeps, each in its own committed transaction, on a database of
their own: no attempt fails, nothing deadlocks, and every attempt is in exactly one summary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from app.audit.chain import verify_chain
from app.audit.models import AuditEvent
from app.audit.service import event_details
from app.config import get_settings
from app.db import make_engine, session_scope
from app.migrate import upgrade_to_head
from app.users import service
from app.users.models import LoginThrottle
from app.users.service import authenticate
from app.users.throttle import sweep
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
THREADS, ATTEMPTS = 6, 12
EMAILS = ("target@example.org", "other@example.org")


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'throttle.db'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        skip_without_postgres()
    url = create_postgres_database()
    engine = make_engine(url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
    drop_postgres_database(url)


def test_it_loses_no_attempt_and_never_deadlocks_under_concurrency(fresh_engine, monkeypatch):
    monkeypatch.setattr(service, "verify_password", lambda _hash, _password: False)
    settings = get_settings()
    errors: list[BaseException] = []
    go = threading.Barrier(THREADS + 1)

    def attacker(n: int) -> None:
        try:
            go.wait()
            for i in range(ATTEMPTS):
                with session_scope(fresh_engine) as session:
                    authenticate(
                        session,
                        email=EMAILS[i % 2],
                        password="wrong",
                        client=f"10.9.0.{n % 3}",  # pairs of threads share an address
                        settings=settings,
                        # Minutes apart, so that windows close while others count.
                        now=START + timedelta(minutes=4 * i, seconds=n),
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def sweeper() -> None:
        try:
            go.wait()
            for i in range(ATTEMPTS):
                with session_scope(fresh_engine) as session:
                    sweep(session, settings=settings, now=START + timedelta(minutes=4 * i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=sweeper))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an attempt hangs"
    assert not errors, errors

    with session_scope(fresh_engine) as session:
        sweep(session, settings=settings, now=START + timedelta(days=2))
        assert session.exec(select(LoginThrottle)).all() == []  # everything summarised, forgotten
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
        ).all()
        totals = dict.fromkeys(EMAILS, 0)
        for event in events:
            details = event_details(event)
            totals[details["email"]] += details["count"] + details["refused"]
        assert totals == dict.fromkeys(EMAILS, THREADS * ATTEMPTS // 2)
        assert len(events) < THREADS * ATTEMPTS / 4  # summaries, not one event per attempt
        assert verify_chain(session).ok
