"""Engine, metadata naming convention, and units of work (`session_scope`); the request's unit
of work is app.web.session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, SQLModel, create_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


READ_ONLY = "dw_read_only"


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so writers never lose updates."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that BEGIN below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers marked read_only take no write lock (WAL lets them read alongside a writer).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for SQLite (embedded default) or PostgreSQL (psycopg 3)."""
    # Errors must never carry answer text or other user data into the logs.
    kwargs.setdefault("hide_parameters", True)
    idle_ping = kwargs.pop("ping_after_idle", PING_AFTER_IDLE_SECONDS)  # PostgreSQL only
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        # SQLite has one writer at a time. Queueing writers of this process on a lock is much
        # faster than letting them poll SQLite's busy handler, which sleeps between tries.
        _WRITE_LOCKS[id(engine)] = threading.Lock()
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **kwargs)
    _ping_when_idle(engine, idle_ping)
    return engine


# A pooled connection that has rested this long is checked before use (the server may have
# restarted meanwhile); one that was in use a moment ago is not, which spares the busy path a
# round trip per request. Should the server go away between two busy moments, the first
# request fails (503: try again in a moment) and SQLAlchemy discards the whole pool.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["dw_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("dw_checked_in")
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool throws this connection away and checks out a fresh one.
            raise DisconnectionError("the connection did not answer a ping") from exc


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    """True when the bound database is SQLite."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else (session_or_engine)
    )
    return bind.dialect.name == "sqlite"


_WRITE_LOCKS: dict[int, threading.Lock] = {}


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error (requests, CLI, jobs)."""
    lock = _WRITE_LOCKS.get(id(engine))
    if lock is not None:
        lock.acquire()
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if lock is not None:
            lock.release()
