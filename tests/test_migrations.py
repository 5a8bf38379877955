"""Alembic is the only way the schema is made: from empty to head, and no drift."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from app.db import make_engine
from app.migrate import alembic_config, upgrade_to_head
from app.models import metadata
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        skip_without_postgres()
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def test_it_migrates_an_empty_database_to_head_and_finds_no_drift(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade_to_head(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert "alembic_version" in tables
        # `alembic check` raises when autogenerate would produce operations.
        command.check(alembic_config(empty_url))
    finally:
        engine.dispose()


def test_it_can_run_the_migrations_twice(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    upgrade_to_head(engine)
    upgrade_to_head(engine)
    engine.dispose()


def test_it_names_constraints_by_convention(engine):
    foreign_keys = inspect(engine).get_foreign_keys("answers")
    assert {fk["name"] for fk in foreign_keys} >= {
        "fk_answers_assessment_id_assessments",
        "fk_answers_updated_by_id_users",
    }
