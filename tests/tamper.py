"""Tampering as someone with write access to the database only: a DBA, an injected statement
elsewhere, a restored copy that was edited. The guard triggers refuse changes to sealed rows,
so these helpers first switch them off, as such a person could."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


@contextmanager
def as_dba(engine: Engine) -> Iterator[Connection]:
    """A transaction in which the guard triggers do not fire."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Triggers do not fire for a superuser's session in replica mode.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            names = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dw_%'")
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn


def tamper(engine: Engine, *statements: str, **params: object) -> None:
    """Run raw SQL statements outside the application, past the guard triggers."""
    with as_dba(engine) as conn:
        for statement in statements:
            conn.execute(text(statement), params)
