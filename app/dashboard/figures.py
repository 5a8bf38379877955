"""The dashboard's figures in words: each is a small table (rows, and a column per series)
that the page shows as a chart and a table, and the download as CSV; all three are made from
the same Figure, so they cannot disagree.

Labels have one home each: states in app.assessments.transitions, follow-up statuses in
app.followup.transitions, levels in app.assessments.presenters, and the names of values and
obligations in the questionnaire files (the newest version of the default questionnaire
first, then the others, so an obligation of an older version keeps its title)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from app.assessments.models import State
from app.assessments.presenters import LEVEL_LABELS
from app.assessments.transitions import STATE_LABELS
from app.dashboard import queries
from app.dashboard.queries import DAY_BANDS, Filters
from app.followup.transitions import OUTSTANDING, STATUS_LABELS, Status
from app.formatting import day
from app.i18n import N_, LazyString, _, ngettext
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import definition_by_id, note_version_hash

# Owners shown on the page (the download has all of them); the rest are one row.
OWNERS_SHOWN = 12
OTHER_OWNERS = "_other"


@dataclass(frozen=True)
class Row:
    key: str  # what the CSV's first column says: a state, an owner, a value id, ...
    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Figure:
    slug: str  # in ids and in the download's address
    title: str
    explanation: str
    row_header: str
    series: tuple[str, ...]  # the column headings after the row's label
    series_keys: tuple[str, ...]
    rows: tuple[Row, ...]
    styles: tuple[str, ...] = ()  # how each series' bars are drawn (app.dashboard.charts)
    chart: bool = True
    unit: str = ""  # what the numbers count, for the chart's description

    @property
    def empty(self) -> bool:
        return not any(v for row in self.rows for v in row.values)


@dataclass(frozen=True)
class Catalogue:
    """Names of values and obligations, in the order of the questionnaire."""

    values: dict[str, str] = field(default_factory=dict)
    obligations: dict[str, str] = field(default_factory=dict)


def catalogue(session: Session, default_key: str, locale: str) -> Catalogue:
    versions = session.exec(
        select(
            QuestionnaireVersion.id, QuestionnaireVersion.key, QuestionnaireVersion.sha256
        ).order_by(col(QuestionnaireVersion.version).desc())
    ).all()
    found = Catalogue()
    for version_id, _key, sha in sorted(versions, key=lambda v: v[1] != default_key):
        note_version_hash(session, version_id or 0, sha)
        q = definition_by_id(session, version_id or 0)
        for v in q.values:
            found.values.setdefault(v.id, v.label.get(locale))
        for o in q.obligations:
            found.obligations.setdefault(o.id, o.title.get(locale))
    return found


@dataclass(frozen=True)
class Context:
    session: Session
    filters: Filters
    today: date
    catalogue: Catalogue
    all_rows: bool = False  # the download: every owner, not the first few
    memo: dict[str, object] = field(default_factory=dict)


def _conditions(c: Context) -> queries.Conditions:
    """The conditions, counted once for both of their figures."""
    found = c.memo.get("conditions")
    if not isinstance(found, queries.Conditions):
        found = c.memo["conditions"] = queries.conditions(c.session, c.filters, c.today)
    return found


def _spread(c: Context) -> queries.Spread:
    """The time to signature, counted once for both of its figures."""
    found = c.memo.get("spread")
    if not isinstance(found, queries.Spread):
        found = c.memo["spread"] = queries.spread(c.session, c.filters)
    return found


def _days(value: float | None) -> float:
    return round(value or 0.0, 1)


def states(c: Context) -> Figure:
    counts = queries.states(c.session, c.filters)
    return Figure(
        slug="states",
        title=_("Assessments by state"),
        explanation=_(
            "Where every assessment is now. With a year chosen: the assessments started in it."
        ),
        row_header=_("State"),
        series=(_("Assessments"),),
        series_keys=("assessments",),
        rows=tuple(Row(s.value, str(STATE_LABELS[s]), (counts.get(s.value, 0),)) for s in State),
        unit=_("assessments"),
    )


def time_summary(c: Context) -> Figure:
    s = _spread(c)
    stats: list[tuple[str, LazyString, float | None]] = [
        ("median", N_("Median"), s.quantiles.get(0.5)),
        ("p25", N_("25th percentile"), s.quantiles.get(0.25)),
        ("p75", N_("75th percentile"), s.quantiles.get(0.75)),
        ("shortest", N_("Shortest"), s.shortest),
        ("longest", N_("Longest"), s.longest),
    ]
    return Figure(
        slug="time",
        title=_("Time from submission to signature"),
        explanation=_(
            "Days from the first submission to the signature of the advice, over the "
            "assessments signed (in the year chosen). Half took less than the median; the "
            "middle half took between the 25th and the 75th percentile."
        ),
        row_header=_("Figure"),
        series=(_("Days"),),
        series_keys=("days",),
        rows=(
            Row("count", _("Signed assessments"), (s.count,)),
            *(Row(key, str(label), (_days(v),)) for key, label, v in stats if v is not None),
        ),
        chart=False,
    )


def _band_labels() -> list[tuple[str, str]]:
    names = [
        _("Up to a week"),
        _("1 to 2 weeks"),
        _("2 weeks to a month"),
        _("1 to 2 months"),
        _("2 to 3 months"),
        _("3 to 6 months"),
        _("More than 6 months"),
    ]
    keys = [f"up-to-{b}" for b in DAY_BANDS] + [f"over-{DAY_BANDS[-1]}"]
    return list(zip(keys, names, strict=True))


def time_bands(c: Context) -> Figure:
    s = _spread(c)
    return Figure(
        slug="time-bands",
        title=_("Time to signature, in bands"),
        explanation=_("How many signed assessments took how long, from first submission."),
        row_header=_("Time to signature"),
        series=(_("Assessments"),),
        series_keys=("assessments",),
        rows=tuple(
            Row(key, label, (n,)) for (key, label), n in zip(_band_labels(), s.bands, strict=True)
        ),
        unit=_("assessments"),
    )


def owners(c: Context) -> Figure:
    loads = _conditions(c).owners()
    shown, rest = (loads, []) if c.all_rows else (loads[:OWNERS_SHOWN], loads[OWNERS_SHOWN:])
    rows = [Row(o.owner, o.owner, (o.outstanding, o.overdue)) for o in shown]
    if rest:
        rows.append(
            Row(
                OTHER_OWNERS,
                ngettext("%(num)s other owner", "%(num)s other owners", len(rest)),
                (sum(o.outstanding for o in rest), sum(o.overdue for o in rest)),
            )
        )
    outstanding = ", ".join(str(STATUS_LABELS[s]).lower() for s in Status if s in OUTSTANDING)
    return Figure(
        slug="owners",
        title=_("Open and overdue conditions by owner"),
        explanation=_(
            "Conditions of signed advice that still ask something of their owner (%(statuses)s), "
            "and how many of those are past their due date on %(today)s.",
            statuses=outstanding,
            today=day(c.today),
        ),
        row_header=_("Owner"),
        series=(_("Outstanding"), _("Overdue")),
        series_keys=("outstanding", "overdue"),
        rows=tuple(rows),
        styles=("plain", "overdue"),
        unit=_("conditions"),
    )


def statuses(c: Context) -> Figure:
    counts = _conditions(c).statuses()
    return Figure(
        slug="statuses",
        title=_("Conditions by follow-up status"),
        explanation=_("Every condition of signed advice, by where its follow-up stands."),
        row_header=_("Status"),
        series=(_("Conditions"),),
        series_keys=("conditions",),
        rows=tuple(Row(s.value, str(STATUS_LABELS[s]), (counts.get(s.value, 0),)) for s in Status),
        unit=_("conditions"),
    )


def obligations(c: Context) -> Figure:
    ids = list(c.catalogue.obligations)
    counts = queries.obligations(c.session, c.filters, ids)
    year = c.filters.year
    periods = [1, 2, 3, 4] if year is not None else sorted(counts)
    if year is not None:
        series = tuple(_("Q%(quarter)s %(year)s", quarter=p, year=year) for p in periods)
        keys = tuple(f"{year}-Q{p}" for p in periods)
    else:
        series, keys = tuple(str(p) for p in periods), tuple(str(p) for p in periods)
    rows = []
    for oid in ids:
        values = tuple(counts.get(p, {}).get(oid, 0) for p in periods)
        if any(values):
            rows.append(Row(oid, c.catalogue.obligations[oid], values))
    return Figure(
        slug="obligations",
        title=_("Obligations triggered over time"),
        explanation=_(
            "How many signed assessments triggered each obligation, per year of signing; "
            "with a year chosen, per quarter."
        ),
        row_header=_("Obligation"),
        series=series,
        series_keys=keys,
        rows=tuple(rows),
        unit=_("assessments"),
    )


LEVELS = ("low", "medium", "high")


def levels(c: Context) -> Figure:
    ids = list(c.catalogue.values)
    counts = queries.levels(c.session, c.filters, ids, LEVELS)
    rows = []
    for vid in ids:
        values = tuple(counts[vid][lv] for lv in LEVELS)
        if any(values):
            rows.append(Row(vid, c.catalogue.values[vid], values))
    return Figure(
        slug="levels",
        title=_("Levels per value across assessments"),
        explanation=_(
            "For each value, how many signed assessments ended at a low, medium or high level "
            "of risk after measures."
        ),
        row_header=_("Value"),
        series=tuple(str(LEVEL_LABELS[lv]) for lv in LEVELS),
        series_keys=LEVELS,
        rows=tuple(rows),
        styles=LEVELS,
        unit=_("assessments"),
    )


FIGURES: dict[str, Callable[[Context], Figure]] = {
    "states": states,
    "time": time_summary,
    "time-bands": time_bands,
    "owners": owners,
    "statuses": statuses,
    "obligations": obligations,
    "levels": levels,
}


def build(c: Context) -> dict[str, Figure]:
    """Every figure of the page, in the page's order."""
    return {slug: make(c) for slug, make in FIGURES.items()}
