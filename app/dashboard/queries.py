"""The dashboard's numbers, counted by the database: every figure is one or two aggregate
statements (GROUP BY, SUM(CASE ...), a window function for the median), the same on SQLite
and PostgreSQL, so that its cost does not grow with Python loops over the archive.

Figures about assessments in progress read `assessments`; figures about what happened after
the signature read the archive index `archive_entries` (every signed assessment is archived
at once), where `year` is the year of signing. The year filter therefore means "started in"
for the counts by state and "signed in" for the others."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, literal, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.archive.models import ArchiveEntry
from app.assessments.models import Assessment, Submission
from app.followup.transitions import OUTSTANDING
from app.reviews.models import AdviceCondition, ConditionFollowUp

_A = Assessment.__table__  # type: ignore[attr-defined]
_E = ArchiveEntry.__table__  # type: ignore[attr-defined]
_S = Submission.__table__  # type: ignore[attr-defined]
_C = AdviceCondition.__table__  # type: ignore[attr-defined]
_F = ConditionFollowUp.__table__  # type: ignore[attr-defined]

# Upper bounds (in days, inclusive) of the bands of time from first submission to signature;
# the last band has none.
DAY_BANDS: tuple[int, ...] = (7, 14, 30, 61, 91, 182)
QUANTILES = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    department: str = ""


@dataclass(frozen=True)
class Spread:
    """Days from the first submission to the signature, over `count` archived assessments."""

    count: int
    quantiles: dict[float, float]  # 0.25, 0.5, 0.75 -> days (linear interpolation)
    shortest: float | None
    longest: float | None
    bands: tuple[int, ...]  # how many fall in each of DAY_BANDS, and above the last


@dataclass(frozen=True)
class OwnerLoad:
    owner: str
    outstanding: int
    overdue: int


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _entry_filters(f: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if f.year is not None:
        found.append(_E.c.year == f.year)
    if f.department:
        found.append(_E.c.department == f.department)
    return found


def states(session: Session, f: Filters) -> dict[str, int]:
    """How many assessments are in each state (started in the year, of the department)."""
    statement = select(_A.c.state, func.count()).group_by(_A.c.state)
    if f.year is not None:
        statement = statement.where(
            _A.c.created_at >= datetime(f.year, 1, 1, tzinfo=UTC),
            _A.c.created_at < datetime(f.year + 1, 1, 1, tzinfo=UTC),
        )
    if f.department:
        statement = statement.where(_A.c.department == f.department)
    return {state: count for state, count in session.execute(statement).all()}


def _days(session: Session) -> ColumnElement[Any]:
    """Days from an archived assessment's first submission to its signature."""
    first = (
        select(func.min(_S.c.submitted_at))
        .where(_S.c.assessment_id == _E.c.assessment_id)
        .scalar_subquery()
    )
    if _dialect(session) == "sqlite":
        return func.julianday(_E.c.signed_at) - func.julianday(first)
    return extract("epoch", _E.c.signed_at - first) / 86400.0


def spread(session: Session, f: Filters) -> Spread:
    """The median and quartiles of the time to signature, the extremes and the bands."""
    days = select(_days(session).label("days")).select_from(_E).where(*_entry_filters(f)).subquery()
    d = days.c.days
    bounds = [None, *DAY_BANDS, None]
    bands = [
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(
                            *([d > lo] if lo is not None else []),
                            *([d <= hi] if hi is not None else []),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for lo, hi in itertools.pairwise(bounds)
    ]
    row = session.execute(
        select(func.count(d), func.min(d), func.max(d), *bands).where(d.is_not(None))
    ).one()
    count = int(row[0])
    return Spread(
        count=count,
        quantiles=_quantiles(session, days, count),
        shortest=_number(row[1]),
        longest=_number(row[2]),
        bands=tuple(int(b) for b in row[3:]),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _quantiles(session: Session, days: Any, count: int) -> dict[float, float]:
    """Linear interpolation between the two ranks around each quantile (as PostgreSQL's
    percentile_cont): the database sorts and hands back only those few rows."""
    if count == 0:
        return {}
    wanted: dict[float, tuple[int, int, float]] = {}
    for q in QUANTILES:
        position = q * (count - 1)
        low = int(position)
        wanted[q] = (low + 1, min(low + 2, count), position - low)
    ranks = sorted({r for low, high, _w in wanted.values() for r in (low, high)})
    ranked = (
        select(days.c.days, func.row_number().over(order_by=days.c.days).label("rn"))
        .where(days.c.days.is_not(None))
        .subquery()
    )
    statement = select(ranked.c.rn, ranked.c.days).where(ranked.c.rn.in_(ranks))
    at: dict[int, Any] = {int(rn): days for rn, days in session.execute(statement)}
    return {
        q: float(at[low]) + (float(at[high]) - float(at[low])) * weight
        for q, (low, high, weight) in wanted.items()
    }


def _followups(f: Filters) -> Any:
    return _F.join(_C, _C.c.id == _F.c.condition_id).join(
        _E, _E.c.assessment_id == _F.c.assessment_id
    )


def owners(session: Session, f: Filters, today: date) -> list[OwnerLoad]:
    """Per owner, the conditions still asked of them and how many of those are past their
    due date (`today` is the day in Europe/Amsterdam), the most overdue first."""
    overdue = func.sum(case((and_(_C.c.due_on.is_not(None), _C.c.due_on < today), 1), else_=0))
    statement = (
        select(_C.c.owner, func.count(), overdue.label("overdue"))
        .select_from(_followups(f))
        .where(_F.c.status.in_(sorted(OUTSTANDING)), *_entry_filters(f))
        .group_by(_C.c.owner)
    )
    loads = [OwnerLoad(o, int(n), int(late or 0)) for o, n, late in session.execute(statement)]
    # One row per owner is few rows; sorted here, names compare alike on both databases.
    return sorted(loads, key=lambda o: (-o.overdue, -o.outstanding, o.owner.casefold()))


def statuses(session: Session, f: Filters) -> dict[str, int]:
    """How many conditions of signed advice have each follow-up status."""
    statement = (
        select(_F.c.status, func.count())
        .select_from(_followups(f))
        .where(*_entry_filters(f))
        .group_by(_F.c.status)
    )
    return {status: count for status, count in session.execute(statement).all()}


def _period(session: Session, f: Filters) -> ColumnElement[Any]:
    """The year of signing, or within one year its quarter (1-4; UTC, as `year`)."""
    if f.year is None:
        return _E.c.year
    if _dialect(session) == "sqlite":
        month = cast(func.strftime("%m", _E.c.signed_at), Integer)
        return (month + 2) / 3
    return cast(extract("quarter", func.timezone("UTC", _E.c.signed_at)), Integer)


def _count_containing(column: Any, needle: str) -> ColumnElement[Any]:
    return func.coalesce(
        func.sum(case((column.contains(needle, autoescape=True), 1), else_=0)), literal(0)
    )


def obligations(
    session: Session, f: Filters, obligation_ids: Sequence[str]
) -> dict[int, dict[str, int]]:
    """Per period (year, or quarter within the filtered year), how many archived assessments
    triggered each obligation. The archive keeps an assessment's obligations as its ids
    between spaces (" dpia_required register_b "), so each is one LIKE in one scan."""
    if not obligation_ids:
        return {}
    period = _period(session, f).label("period")
    statement = (
        select(
            period,
            *(
                _count_containing(_E.c.obligations, f" {oid} ").label(f"o{i}")
                for i, oid in enumerate(obligation_ids)
            ),
        )
        .where(*_entry_filters(f))
        .group_by(period)
        .order_by(period)
    )
    return {
        int(row[0]): {oid: int(n) for oid, n in zip(obligation_ids, row[1:], strict=True)}
        for row in session.execute(statement)
    }


def levels(
    session: Session, f: Filters, value_ids: Sequence[str], level_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per value, how many archived assessments ended at each level. `levels_json` is
    canonical JSON ({"reliable":"low",...}), so each (value, level) is one LIKE in one scan."""
    pairs = [(v, lv) for v in value_ids for lv in level_ids]
    if not pairs:
        return {}
    row = session.execute(
        select(
            *(
                _count_containing(_E.c.levels_json, f'"{v}":"{lv}"').label(f"l{i}")
                for i, (v, lv) in enumerate(pairs)
            )
        ).where(*_entry_filters(f))
    ).one()
    found: dict[str, dict[str, int]] = {v: {} for v in value_ids}
    for (v, lv), n in zip(pairs, row, strict=True):
        found[v][lv] = int(n)
    return found


def archived_count(session: Session, f: Filters) -> int:
    statement = select(func.count()).select_from(_E).where(*_entry_filters(f))
    return int(session.execute(statement).scalar_one())


def departments(session: Session) -> list[str]:
    """Every department that has an assessment, for the filter."""
    statement = select(_A.c.department).distinct().order_by(_A.c.department)
    return list(session.execute(statement).scalars())


def years(session: Session, this_year: int) -> list[int]:
    """The years to offer in the filter, newest first: from the first assessment to now."""
    first = session.execute(select(func.min(_A.c.created_at))).scalar_one()
    if first is None:
        return [this_year]
    start = first.year if isinstance(first, datetime) else int(str(first)[:4])
    return list(range(max(this_year, start), min(this_year, start) - 1, -1))
