"""Reading stored rows without trusting them: every column comes back as text and is checked
against its declared type, so that a damaged row (an impossible date, broken JSON, a NULL
where a value belongs, text in a number column) is a finding naming the table, the row and
the column, never an exception in the middle of a verification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    Text,
    cast,
    func,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.audit.chain import parse_time


@dataclass(frozen=True)
class RowProblem:
    """One damaged value: where it is and what is wrong with it."""

    table: str
    row: str
    column: str
    reason: str
    assessment_id: int | None = None

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.column} {self.reason}"


def _excerpt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(column: Any, value: Any) -> str | None:
    """Why a stored value does not fit its column, or None."""
    if value is None:
        return None if column.nullable else "is empty (NULL), but must have a value"
    kind = column.type
    if isinstance(kind, LargeBinary):
        return None
    try:
        if isinstance(kind, Boolean):
            if str(value).lower() not in ("0", "1", "true", "false", "t", "f"):
                raise ValueError
        elif isinstance(kind, Integer):
            int(value)
        elif isinstance(kind, DateTime) or (
            hasattr(kind, "impl") and isinstance(kind.impl, DateTime)
        ):
            parse_time(value)
        elif isinstance(kind, Date):
            date.fromisoformat(str(value)[:10])
            if len(str(value)) != 10:
                raise ValueError
        elif column.name.endswith("_json"):
            json.loads(value)
    except (ValueError, TypeError, OverflowError):
        expected = (
            "JSON"
            if column.name.endswith("_json")
            else type(kind).__name__.replace("UTCDateTime", "time").lower()
        )
        return f"{_excerpt(value)} is not a valid {expected}"
    return None


def _as_text(column: Any, dialect: str) -> ColumnElement[Any]:
    kind = column.type
    if isinstance(kind, LargeBinary):
        return func.length(column).label(column.name)  # the size, not the bytes
    is_time = isinstance(kind, DateTime) or (
        hasattr(kind, "impl") and isinstance(kind.impl, DateTime)
    )
    if is_time and dialect == "postgresql":
        return cast(func.timezone("UTC", column), Text).label(column.name)
    return cast(column, Text).label(column.name)


def scan_table(
    session: Session,
    table: Table,
    *,
    where: ColumnElement[bool] | None = None,
    batch: int = 2000,
) -> Iterator[RowProblem]:
    """Every damaged value of a table (optionally of the rows `where` selects)."""
    dialect = session.get_bind().dialect.name
    key = next(iter(table.primary_key.columns))
    columns = list(table.columns)
    owner = table.c.get("assessment_id")
    statement = select(key.label("__key"), *(_as_text(c, dialect) for c in columns))
    if where is not None:
        statement = statement.where(where)
    statement = statement.order_by(key).limit(batch)
    after = None
    while True:
        page = statement if after is None else statement.where(key > after)
        rows = session.execute(page).all()
        if not rows:
            return
        for row in rows:
            mapping = row._mapping
            for column in columns:
                reason = _check(column, mapping[column.name])
                if reason:
                    assessment = mapping[owner.name] if owner is not None else None
                    try:
                        assessment_id = int(assessment) if assessment is not None else None
                    except ValueError:
                        assessment_id = None
                    yield RowProblem(
                        table.name, str(mapping["__key"]), column.name, reason, assessment_id
                    )
        after = rows[-1][0]
