"""Alembic environment: the schema comes from app.models, the URL from the settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import app.models
from app.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = app.models.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from app.config import get_settings

    return get_settings().resolved_database_url


# Full-text structures are made by hand in the migrations, per database: not in the models.
_HAND_MADE = {"archive_fts", "ix_archive_entries_fts"}


# procrastinate's tables on PostgreSQL (the job queue, app.jobs.queue) are its own, made from
# its schema file by a migration: not in the models either.
_FOREIGN_PREFIXES = ("archive_fts_", "procrastinate_")


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (name and (name in _HAND_MADE or name.startswith(_FOREIGN_PREFIXES)))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="app.timeutil.",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
