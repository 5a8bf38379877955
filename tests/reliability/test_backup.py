"""Backup and restore of the SQLite database, with `archive verify` after the restore."""

from __future__ import annotations

import os
import subprocess
import sys

from app.config import get_settings
from tests.conftest import PASSWORD
from tests.reports.conftest import build_world, drive_to_advice


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _evidence(url: str) -> tuple[list, list, list, list]:
    """Reports (bytes), audit events (hashes), snapshots and archive entries of a database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT id, pdf, sha256 FROM reports ORDER BY id")).all(),
                conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all(),
                conn.execute(text("SELECT id, snapshot_json FROM submissions ORDER BY id")).all(),
                conn.execute(text("SELECT reference, title FROM archive_entries")).all(),
            )
    finally:
        engine.dispose()


def test_it_backs_up_and_restores_an_archive_that_still_verifies(tmp_path, dev_pki):
    world = build_world(tmp_path)
    assessment_id = drive_to_advice(world)
    with world.login("chair") as chair:
        assert (
            chair.post_form(
                f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
            ).status_code
            == 303
        )
    backup_file = tmp_path / "backup.db"
    made = _cli(world.url, "backup", str(backup_file))  # while the app's engine is still open
    assert made.returncode == 0, made.stderr
    assert _cli(world.url, "backup", str(backup_file)).returncode == 1  # never overwrites
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    result = _cli(restored, "restore", str(backup_file))
    assert result.returncode == 0, result.stderr
    verify = _cli(restored, "archive", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "Problems" in verify.stdout
    # The restored database holds the same evidence, byte for byte.
    assert _evidence(restored) == _evidence(world.url)
    reports, events, submissions, entries = _evidence(restored)
    assert len(reports) == 1 and len(submissions) == 1 and len(entries) == 1
    assert len(events) > 10
    assert (
        _cli(restored, "restore", str(backup_file)).returncode == 1
    )  # refuses to replace without --force
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    refused = _cli(restored, "restore", str(garbage), "--force")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    world.engine.dispose()


def test_it_explains_pg_dump_for_postgresql():
    result = _cli("postgresql+psycopg://nobody@127.0.0.1:1/none", "backup", "x.db")
    assert result.returncode == 2 and "pg_dump" in result.stderr
    assert get_settings().env == "test"
