"""procrastinate 3.10's schema, on PostgreSQL only

The job queue of `datawaarden jobs run` on PostgreSQL (app.jobs.queue) keeps its jobs in
tables, functions and triggers of its own, all named procrastinate_*. They are made here, from
the copy of procrastinate 3.10.0's schema.sql in migrations/procrastinate/, so that the schema
is made like every other part of it: by `datawaarden init`, once, in a transaction, and never
by the worker at start-up. On SQLite nothing happens: the worker there is a plain loop.

Upgrading procrastinate past 3.10 means a new migration that runs the files of its
sql/migrations/ from 3.10.0 on (tests/jobs/test_procrastinate_schema.py says so when the
installed version's schema no longer matches this copy).

Revision ID: ae12edea4d75
Revises: 5876b1f9ce19
Create Date: 2026-12-03 09:10:00
"""

from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "ae12edea4d75"
down_revision: str | None = "5876b1f9ce19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate" / "schema-3.10.0.sql"


def _run_script(sql: str) -> None:
    """Run a script of many statements through the driver as it is (no parameters, so
    neither SQLAlchemy nor psycopg reads its colons and percent signs)."""
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
            procrastinate_jobs, procrastinate_workers CASCADE;
        DO $$
        DECLARE f record;
        BEGIN
          FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
          LOOP
            EXECUTE 'DROP FUNCTION ' || f.sig || ' CASCADE';
          END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
            procrastinate_job_status CASCADE;
        """
    )
