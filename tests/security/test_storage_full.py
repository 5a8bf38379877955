"""A full disk gives a clear 503 and saves nothing. SQLite only: its page limit fills the
database for real; PostgreSQL's own code for a full disk (53100) is classified in
test_storage_and_problems.py."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from app.assessments import answering
from tests.security.test_storage_and_problems import _as_lead, _autosave


@pytest.fixture
def engine(sqlite_engine):
    """SQLite only (this directory otherwise runs on both databases)."""
    return sqlite_engine


def test_it_answers_503_when_the_disk_is_full(app, login, make_assessment, db, caplog):
    a = make_assessment()
    lead = _as_lead(app, login)
    db.commit()
    pages = db.connection().execute(text("PRAGMA page_count")).scalar_one()
    db.connection().execute(text(f"PRAGMA max_page_count = {pages}"))
    try:
        with caplog.at_level(logging.ERROR, logger="datawaarden"):
            response = _autosave(lead, a)
    finally:
        db.rollback()
        db.connection().execute(text("PRAGMA max_page_count = 1073741823"))
    assert response.status_code == 503, response.text[:500]
    assert "vol" in response.text or "full" in response.text
    assert any("storage-full" in r.getMessage() for r in caplog.records)
    assert "sources" not in answering.answer_values(db, a)  # nothing half-saved
