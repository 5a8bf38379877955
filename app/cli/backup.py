"""`backup` and `restore`: SQLite online backups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    console,
    fail,
    settings_or_exit,
)


def _sqlite_path() -> Path | None:
    url = settings_or_exit().resolved_database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


PG_HELP = (
    "This database is PostgreSQL: use its own tools, for example\n"
    '  pg_dump --format=custom --file=datawaarden.dump "$DATABASE"\n'
    '  pg_restore --clean --if-exists --dbname="$DATABASE" datawaarden.dump\n'
    "and run `datawaarden archive verify` afterwards."
)


def backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")]) -> None:
    """A consistent copy of the SQLite database while the app keeps running (online backup)."""
    import sqlite3

    source = _sqlite_path()
    if source is None:
        fail(PG_HELP, 2)
    if not source.exists():
        fail(f"There is no database at {source}.")
    if file.exists():
        fail(f"{file} exists already; choose a new file name.")
    with sqlite3.connect(source) as db, sqlite3.connect(file) as copy:
        db.backup(copy)
    with sqlite3.connect(file) as copy:
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        fail(f"The backup failed its integrity check: {check}")
    console.print(f"Backup written to {file} ({file.stat().st_size} bytes, integrity ok).")


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made with `datawaarden backup`.")],
    force: Annotated[bool, typer.Option(help="Replace an existing database.")] = False,
) -> None:
    """Put a backup back in place of the SQLite database (stop the app first)."""
    import sqlite3

    target = _sqlite_path()
    if target is None:
        fail(PG_HELP, 2)
    if not file.is_file():
        fail(f"There is no backup at {file}.")
    with sqlite3.connect(file) as backup_db:
        try:
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            backup_db.execute("SELECT count(*) FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            check = "not a Datawaarden database"
    if check != "ok":
        fail(f"{file} is not a usable backup: {check}")
    if target.exists() and not force:
        fail(f"{target} exists; add --force to replace it (stop the app first).")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(file) as source, sqlite3.connect(target) as db:
        source.backup(db)
    console.print(f"Restored {file} to {target}. Run `datawaarden archive verify` to check it.")
