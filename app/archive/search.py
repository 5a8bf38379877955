"""Archive search behind one interface: SQLite FTS5 on the embedded default, PostgreSQL
full-text search on PostgreSQL. Filters and sorting are plain SQL on archive_entries."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import Integer, column, func, text
from sqlmodel import Session, col, select

from app.archive.models import ArchiveEntry
from app.text import parse_int

PAGE_SIZE = 25
SORTS = {
    "newest": (col(ArchiveEntry.signed_at).desc(),),
    "oldest": (col(ArchiveEntry.signed_at),),
    "reference": (col(ArchiveEntry.reference),),
    "title": (func.lower(ArchiveEntry.title),),
}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ArchiveQuery:
    text: str = ""
    year: int | None = None
    department: str = ""
    outcome: str = ""
    level_value: str = ""  # a value id, with level
    level: str = ""
    obligation: str = ""
    questionnaire: str = ""  # "key:version"
    public_only: bool = False
    sort: str = "newest"
    page: int = 1


@dataclass
class ArchivePage:
    entries: list[ArchiveEntry]
    total: int
    page: int
    pages: int
    facets: dict[str, list[str]] = field(default_factory=dict)


def words(query: str) -> list[str]:
    """The words of a free-text query, at most 12, each at most 40 characters."""
    return [w[:40] for w in _WORD.findall(query)][:12]


def index_text(session: Session, entry: ArchiveEntry) -> None:
    """Add an entry's text to the SQLite full-text index (PostgreSQL indexes the column itself)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO archive_fts(rowid, search_text) VALUES (:id, :t)"),
            {"id": entry.assessment_id, "t": entry.search_text},
        )


def _text_filter(session: Session, query: str):  # type: ignore[no-untyped-def]
    terms = words(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "sqlite":
        # Every word must match (as a prefix); quoting keeps user input out of FTS5 syntax.
        match = " AND ".join(f'"{t}"*' for t in terms)
        ids = (
            text("SELECT rowid FROM archive_fts WHERE archive_fts MATCH :m")
            .bindparams(m=match)
            .columns(column("rowid", Integer))
        )
        return col(ArchiveEntry.assessment_id).in_(ids)
    tsquery = " & ".join(f"{t}:*" for t in (re.sub(r"[^\w]", "", t) for t in terms) if t)
    return func.to_tsvector("dutch", ArchiveEntry.search_text).op("@@")(
        func.to_tsquery("dutch", tsquery)
    )


def search(session: Session, query: ArchiveQuery) -> ArchivePage:
    """One page of archive entries matching the query."""
    statement = select(ArchiveEntry)
    conditions = []
    text_condition = _text_filter(session, query.text)
    if text_condition is not None:
        conditions.append(text_condition)
    if query.year:
        conditions.append(ArchiveEntry.year == query.year)
    if query.department:
        conditions.append(ArchiveEntry.department == query.department)
    if query.outcome:
        conditions.append(ArchiveEntry.outcome == query.outcome)
    if query.level and not query.level_value:
        conditions.append(ArchiveEntry.overall_level == query.level)
    if query.level and query.level_value and re.fullmatch(r"\w{1,64}", query.level_value):
        conditions.append(
            col(ArchiveEntry.levels_json).contains(f'"{query.level_value}":"{query.level}"')
        )
    if query.obligation and re.fullmatch(r"\w{1,64}", query.obligation):
        conditions.append(col(ArchiveEntry.obligations).contains(f" {query.obligation} "))
    if query.questionnaire and ":" in query.questionnaire:
        key, _sep, version = query.questionnaire.partition(":")
        if parse_int(version, max_digits=6) is not None:
            conditions.append(ArchiveEntry.questionnaire_key == key)
            conditions.append(ArchiveEntry.questionnaire_version == int(version))
    if query.public_only:
        conditions.append(col(ArchiveEntry.is_public).is_(True))
    for condition in conditions:
        statement = statement.where(condition)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(1, min(query.page, pages))
    entries = session.exec(
        statement.order_by(*SORTS.get(query.sort, SORTS["newest"]))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return ArchivePage(list(entries), total, page, pages)


def facets(session: Session) -> dict[str, list[str]]:
    """Values to offer in the filter lists."""
    return {
        "years": [
            str(y)
            for y in session.exec(
                select(ArchiveEntry.year).distinct().order_by(col(ArchiveEntry.year).desc())
            ).all()
        ],
        "departments": list(
            session.exec(
                select(ArchiveEntry.department).distinct().order_by(ArchiveEntry.department)
            ).all()
        ),
        "questionnaires": [
            f"{k}:{v}"
            for k, v in session.exec(
                select(
                    ArchiveEntry.questionnaire_key, ArchiveEntry.questionnaire_version
                ).distinct()
            ).all()
        ],
    }


def levels_of(entry: ArchiveEntry) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(entry.levels_json)
    return loaded


def obligation_ids(entry: ArchiveEntry) -> list[str]:
    return entry.obligations.split()
