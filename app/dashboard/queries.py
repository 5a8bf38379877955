"""The dashboard's numbers, counted by the database: every figure is one aggregate statement
(GROUP BY, SUM(CASE ...), window functions for the median), the same on SQLite and
PostgreSQL; what comes back is a handful of groups, never a row per assessment.

Figures about assessments in progress read `assessments`; figures about what happened after
the signature read the archive index `archive_entries` (every signed assessment is archived
at once), where `year` is the year of signing. The year filter therefore means "started in"
for the counts by state and "signed in" for the others."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, extract, func, literal, or_, select
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
QUANTILES = (0.25, 0.5, 0.75)  # quarters: the statement finds their ranks with whole numbers


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


def _days(session: Session) -> Any:
    """Per archived assessment (of the filters' choice, added by the caller), the days from its
    first submission to its signature. Grouped, so that the database computes it once per
    assessment (a correlated subquery would be repeated in every expression that uses it)."""
    first = func.min(_S.c.submitted_at)
    if _dialect(session) == "sqlite":
        days = func.julianday(_E.c.signed_at) - func.julianday(first)
    else:
        days = extract("epoch", _E.c.signed_at - first) / 86400.0
    return (
        select(days.label("days"))
        .select_from(_E.join(_S, _S.c.assessment_id == _E.c.assessment_id))
        .group_by(_E.c.assessment_id, _E.c.signed_at)
    )


def spread(session: Session, f: Filters) -> Spread:
    """The median and quartiles of the time to signature, the extremes and the bands, in one
    statement: the database sorts the days once (a window), counts the bands over the same
    rows, and hands back only the few ranks that the quantiles lie between."""
    days = _days(session).where(*_entry_filters(f)).subquery("d")
    d = days.c.days
    bounds = [None, *DAY_BANDS, None]
    bands = [
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
        )
        .over()
        .label(f"b{i}")
        for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
    ]
    ranked = select(
        d,
        func.row_number().over(order_by=d).label("rn"),
        func.count().over().label("n"),
        *bands,
    ).subquery("r")
    rn, n = ranked.c.rn, ranked.c.n
    # The ranks around each quantile q: 1 + floor(q * (n - 1)) and the one after it.
    around = [rn == 1, rn == n]
    for q in QUANTILES:
        low = (n - 1) * int(q * 4) // 4 + 1
        around += [rn == low, rn == low + 1]
    rows = session.execute(
        select(ranked.c.rn, ranked.c.days, n, *(ranked.c[f"b{i}"] for i in range(len(bands))))
        .where(or_(*around))
        .order_by(ranked.c.rn)
    ).all()
    if not rows:
        return Spread(0, {}, None, None, (0,) * len(bands))
    count = int(rows[0][2])
    at = {int(row[0]): float(row[1]) for row in rows}
    return Spread(
        count=count,
        quantiles=_quantiles(at, count),
        shortest=at[1],
        longest=at[count],
        bands=tuple(int(b) for b in rows[0][3:]),
    )


def _quantiles(at: dict[int, float], count: int) -> dict[float, float]:
    """Linear interpolation between the two ranks around each quantile (as PostgreSQL's
    percentile_cont does)."""
    found = {}
    for q in QUANTILES:
        position = q * (count - 1)
        low = int(position)
        below = at[low + 1]
        above = at.get(low + 2, below)
        found[q] = below + (above - below) * (position - low)
    return found


@dataclass(frozen=True)
class Conditions:
    """The conditions of signed advice, counted per owner and follow-up status in one
    statement; the figures add these few groups up."""

    groups: tuple[tuple[str, str, int, int], ...]  # owner, status, how many, how many overdue

    def owners(self) -> list[OwnerLoad]:
        """Per owner, the conditions still asked of them and how many of those are past
        their due date, the most overdue first (sorted here: names compare alike on both
        databases)."""
        found: dict[str, list[int]] = {}
        for owner, status, n, late in self.groups:
            if status in OUTSTANDING:
                counts = found.setdefault(owner, [0, 0])
                counts[0] += n
                counts[1] += late
        loads = [OwnerLoad(o, n, late) for o, (n, late) in found.items()]
        return sorted(loads, key=lambda o: (-o.overdue, -o.outstanding, o.owner.casefold()))

    def statuses(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for _owner, status, n, _late in self.groups:
            found[status] = found.get(status, 0) + n
        return found


def conditions(session: Session, f: Filters, today: date) -> Conditions:
    """`today` is the day in Europe/Amsterdam: a condition due before it is overdue."""
    overdue = func.sum(case((and_(_C.c.due_on.is_not(None), _C.c.due_on < today), 1), else_=0))
    statement = (
        select(_C.c.owner, _F.c.status, func.count(), overdue)
        .select_from(
            _F.join(_C, _C.c.id == _F.c.condition_id).join(
                _E, _E.c.assessment_id == _F.c.assessment_id
            )
        )
        .where(*_entry_filters(f))
        .group_by(_C.c.owner, _F.c.status)
    )
    return Conditions(
        tuple((o, s, int(n), int(late or 0)) for o, s, n, late in session.execute(statement))
    )


def _period(session: Session, f: Filters) -> ColumnElement[Any]:
    """The year of signing, or within one year its quarter (1-4; UTC, as `year`)."""
    if f.year is None:
        return _E.c.year
    if _dialect(session) == "sqlite":
        month = cast(func.strftime("%m", _E.c.signed_at), Integer)
        return (month + 2) // 3
    return cast(extract("quarter", func.timezone("UTC", _E.c.signed_at)), Integer)


def _count_containing(session: Session, column: Any, needle: str) -> ColumnElement[Any]:
    """How many rows hold `needle` in `column`: a plain substring search (instr, strpos), no
    LIKE pattern, so an id's "_" means itself, and twice as fast as LIKE on SQLite."""
    found = func.instr if _dialect(session) == "sqlite" else func.strpos
    return func.coalesce(func.sum(case((found(column, needle) > 0, 1), else_=0)), literal(0))


def obligations(
    session: Session, f: Filters, obligation_ids: Sequence[str]
) -> dict[int, dict[str, int]]:
    """Per period (year, or quarter within the filtered year), how many archived assessments
    triggered each obligation. The archive keeps an assessment's obligations as its ids
    between spaces (" dpia_required register_b "), so each is one substring test in one scan."""
    if not obligation_ids:
        return {}
    period = _period(session, f).label("period")
    statement = (
        select(
            period,
            *(
                _count_containing(session, _E.c.obligations, f" {oid} ").label(f"o{i}")
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
    """Per value, how many archived assessments ended at each level. The database groups the
    assessments by their levels (`levels_json`, canonical JSON such as
    {"reliable":"low","transparent":"high"}): with four values and three levels there are at
    most 81 such groups however large the archive, and each group is read here once."""
    statement = (
        select(_E.c.levels_json, func.count()).where(*_entry_filters(f)).group_by(_E.c.levels_json)
    )
    found: dict[str, dict[str, int]] = {v: dict.fromkeys(level_ids, 0) for v in value_ids}
    for text, n in session.execute(statement):
        for value, level in json.loads(text).items():
            if value in found and level in found[value]:
                found[value][level] += int(n)
    return found


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
