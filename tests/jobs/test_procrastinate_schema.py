"""procrastinate's schema is made by a migration, on PostgreSQL only, from a copy that matches
the installed procrastinate."""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from app.migrate import alembic_config
from tests.jobs.conftest import World

ROOT = Path(__file__).resolve().parents[2]
COPY = ROOT / "migrations" / "procrastinate" / "schema-3.10.0.sql"


def test_the_copied_schema_is_the_installed_procrastinates():
    installed = (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")
    assert installed == COPY.read_text(encoding="utf-8"), (
        f"procrastinate {metadata.version('procrastinate')} has another schema than the copy "
        f"of 3.10.0 that migrations apply: add an Alembic migration that runs its "
        f"sql/migrations/ files since 3.10.0 (README, 'Upgrading procrastinate')"
    )


def test_the_migration_makes_procrastinates_tables_on_postgresql_only(world: World):
    tables = set(inspect(world.engine).get_table_names())
    queue = {"procrastinate_jobs", "procrastinate_workers", "procrastinate_events"}
    if world.kind == "sqlite":
        assert not {t for t in tables if t.startswith("procrastinate")}
        return
    assert queue <= tables
    config = alembic_config(world.url)
    command.downgrade(config, "5876b1f9ce19")
    with world.engine.connect() as conn:
        left = (
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%' UNION ALL "
                    "SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%'"
                )
            )
            .scalars()
            .all()
        )
    assert left == [0, 0]
    assert not {t for t in inspect(world.engine).get_table_names() if t.startswith("procrastinate")}
    command.upgrade(config, "head")
    assert queue <= set(inspect(world.engine).get_table_names())
