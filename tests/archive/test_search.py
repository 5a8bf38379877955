"""Archive search on SQLite (FTS5) and PostgreSQL (full-text search), behind one interface."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from app.archive.models import ArchiveEntry
from app.archive.search import PAGE_SIZE, ArchiveQuery, _text_filter, index_text, search
from app.assessments.models import Assessment
from app.canonical import canonical_json
from app.db import session_scope
from app.questionnaires.registry import find_version
from app.users.models import User


def _add(
    session: Session,
    n: int,
    *,
    title: str,
    text: str,
    department: str = "Stadsbeheer",
    year: int = 2025,
    outcome: str = "positive",
    levels: dict | None = None,
    obligations: str = "",
    public: bool = False,
) -> None:
    lead = session.exec(select(User).where(User.email == "lead@example.org")).one()
    version = find_version(session, "sample")
    signed = datetime(year, 3, n % 28 + 1, tzinfo=UTC)
    reference = f"DW-T{year}-{n:04d}"
    assessment = Assessment(
        reference=reference,
        title=title,
        department=department,
        description=text,
        questionnaire_version_id=version.id,
        lead_id=lead.id,
        state="archived",
    )
    session.add(assessment)
    session.flush()
    levels = levels or {"transparent": "low", "reliable": "low"}
    entry = ArchiveEntry(
        assessment_id=assessment.id,
        reference=reference,
        title=title,
        department=department,
        description=text,
        search_text=f"{reference}\n{title}\n{text}",
        questionnaire_key="sample",
        questionnaire_version=1,
        outcome=outcome,
        overall_level=max(levels.values(), key=["low", "medium", "high"].index),
        levels_json=canonical_json(levels),
        obligations=f" {obligations} ",
        created_at=signed,
        submitted_at=signed,
        signed_at=signed,
        year=year,
        retention_until=date(year + 20, 1, 1),
        report_sha256=f"{n:064x}",
        is_public=public,
    )
    session.add(entry)
    session.flush()
    index_text(session, entry)


@pytest.fixture
def archive(any_engine):
    """A few archived assessments in a transaction that is rolled back."""
    connection = any_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    _add(
        session,
        1,
        title="Warmtenet Schalkwijk",
        text="Analyse van woningen voor het warmtenet",
        year=2024,
        levels={"transparent": "low", "reliable": "medium"},
        obligations="dpia_recommended consult_dpo",
    )
    _add(
        session,
        2,
        title="Schuldhulp vroegsignalering",
        text="Huishoudens met betalingsachterstanden",
        year=2025,
        department="Sociaal Domein",
        outcome="conditional",
        levels={"transparent": "medium", "reliable": "high"},
        obligations="dpia_required consult_dpo iama_required",
        public=True,
    )
    _add(
        session,
        3,
        title="Drukte op de Grote Markt",
        text="Camera's tellen bezoekers; geen beelden bewaard",
        year=2025,
        outcome="negative",
        obligations="dpia_required",
    )
    for n in range(4, 4 + PAGE_SIZE + 5):
        _add(
            session,
            n,
            title=f"Verkeerstelling {n}",
            text="Open data over fietsers en auto's",
            year=2023,
        )
    yield session
    session.close()
    outer.rollback()
    connection.close()


def refs(page) -> set[str]:
    return {e.reference for e in page.entries}


def test_it_finds_words_in_title_description_and_answers(archive):
    assert refs(search(archive, ArchiveQuery(text="warmtenet"))) == {"DW-T2024-0001"}
    assert refs(search(archive, ArchiveQuery(text="betalingsachterstanden"))) == {"DW-T2025-0002"}
    assert refs(search(archive, ArchiveQuery(text="DW-T2025-0003"))) == {"DW-T2025-0003"}


def test_it_matches_prefixes_and_requires_every_word(archive):
    assert refs(search(archive, ArchiveQuery(text="schuld"))) == {"DW-T2025-0002"}
    assert refs(search(archive, ArchiveQuery(text="camera bezoekers"))) == {"DW-T2025-0003"}
    assert refs(search(archive, ArchiveQuery(text="camera warmtenet"))) == set()


def test_it_treats_query_syntax_as_plain_words(archive):
    for hostile in (
        '"',
        "*",
        "OR",
        "NEAR(a b)",
        "a AND (",
        "'; DROP TABLE archive_entries; --",
        "\\",
        "%_",
    ):
        search(archive, ArchiveQuery(text=hostile))  # never an error
    assert search(archive, ArchiveQuery()).total == 3 + PAGE_SIZE + 5


def test_it_filters_by_year_department_outcome_level_and_obligation(archive):
    assert refs(search(archive, ArchiveQuery(year=2024))) == {"DW-T2024-0001"}
    assert refs(search(archive, ArchiveQuery(department="Sociaal Domein"))) == {"DW-T2025-0002"}
    assert refs(search(archive, ArchiveQuery(outcome="negative"))) == {"DW-T2025-0003"}
    assert refs(search(archive, ArchiveQuery(level="high"))) == {"DW-T2025-0002"}
    assert refs(search(archive, ArchiveQuery(level="medium", level_value="reliable"))) == {
        "DW-T2024-0001"
    }
    assert refs(search(archive, ArchiveQuery(obligation="dpia_required"))) == {
        "DW-T2025-0002",
        "DW-T2025-0003",
    }
    assert refs(search(archive, ArchiveQuery(obligation="dpia_required", text="camera"))) == {
        "DW-T2025-0003"
    }
    assert refs(search(archive, ArchiveQuery(public_only=True))) == {"DW-T2025-0002"}


def test_it_sorts_and_pages(archive):
    first = search(archive, ArchiveQuery(sort="reference"))
    assert first.pages == 2 and len(first.entries) == PAGE_SIZE
    assert [e.reference for e in first.entries] == sorted(e.reference for e in first.entries)
    second = search(archive, ArchiveQuery(sort="reference", page=2))
    assert len(second.entries) == 3 + PAGE_SIZE + 5 - PAGE_SIZE
    assert not refs(first) & refs(second)
    beyond = search(archive, ArchiveQuery(sort="reference", page=99))
    assert beyond.page == 2


def test_it_indexes_an_assessment_when_it_is_archived_in_one_transaction(any_engine):
    """index_text runs in the same transaction as the archive row, so both exist or neither."""
    with pytest.raises(RuntimeError), session_scope(any_engine) as session:
        _add(session, 999, title="Teruggedraaid", text="zeldzaamwoord")
        raise RuntimeError("rolled back")
    with session_scope(any_engine) as session:
        assert search(session, ArchiveQuery(text="zeldzaamwoord")).total == 0


def test_it_searches_through_the_full_text_index(archive):
    """A search that merely scanned the rows would return the same results; this checks that
    every entry is in the full-text structures and that a text search goes through them."""
    from sqlalchemy import text as sql

    total = archive.exec(select(func.count()).select_from(ArchiveEntry)).one()
    if archive.get_bind().dialect.name == "sqlite":
        indexed = archive.execute(sql("SELECT count(*) FROM archive_fts")).scalar_one()
        assert indexed == total
        hits = archive.execute(
            sql("SELECT count(*) FROM archive_fts WHERE archive_fts MATCH 'warmtenet*'")
        ).scalar_one()
        assert hits == 1
        return
    archive.execute(sql("SET LOCAL enable_seqscan = off"))
    statement = select(ArchiveEntry.assessment_id).where(_text_filter(archive, "warmtenet"))
    compiled = statement.compile(dialect=archive.get_bind().dialect)
    rows = archive.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    plan = "\n".join(row[0] for row in rows)
    assert "ix_archive_entries_fts" in plan, plan
