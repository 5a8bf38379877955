"""The dashboard for the committee, auditors and administrators: figures with filters (a GET
form that works without JavaScript), each as an SVG chart with the same numbers in a table
beside it, and each as a CSV download."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session
from starlette.responses import Response

from app.dashboard import figures, queries
from app.dashboard.charts import bar_chart
from app.deps import RequireRole, SessionDep, SettingsDep
from app.errors import InvalidInput, NotFound
from app.formatting import decimal
from app.i18n import _, get_locale, ngettext
from app.pages.open_data import csv_cell
from app.timeutil import amsterdam_today, utcnow
from app.users.models import Role, User
from app.web.templating import render

router = APIRouter()
DashboardReader = Annotated[
    User, Depends(RequireRole(Role.board, Role.chair, Role.auditor, Role.admin))
]
MAX_FIELD = 200


def _now() -> datetime:
    """The clock (the tests set it)."""
    return utcnow()


def _today() -> date:
    """Today in Europe/Amsterdam: a condition is overdue from the day after its due date there."""
    return amsterdam_today(_now())


def _offered(session: Session) -> dict[str, list[int] | list[str]]:
    return {
        "years": queries.years(session, _today().year),
        "departments": queries.departments(session),
    }


def _filters(
    session: Session, year: str, department: str
) -> tuple[queries.Filters, dict[str, list[int] | list[str]]]:
    """The chosen filters, or InvalidInput naming the field: only what the form offers."""
    offered = _offered(session)
    years, departments = offered["years"], offered["departments"]
    errors = {}
    chosen_year = None
    if year:
        if year.isascii() and year.isdigit() and int(year) in years:
            chosen_year = int(year)
        else:
            errors["year"] = _("Choose a year from the list.")
    if department and department not in departments:
        errors["department"] = _("Choose a department from the list.")
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=errors)
    return queries.Filters(year=chosen_year, department=department), offered


YearParam = Annotated[str, Query(max_length=MAX_FIELD)]
DepartmentParam = Annotated[str, Query(max_length=MAX_FIELD)]


def _context(
    session: Session, settings: SettingsDep, f: queries.Filters, *, all_rows: bool
) -> figures.Context:
    locale = get_locale()
    return figures.Context(
        session=session,
        filters=f,
        today=_today(),
        catalogue=figures.catalogue(session, settings.default_questionnaire, locale),
        all_rows=all_rows,
    )


def _query_string(f: queries.Filters) -> str:
    from urllib.parse import urlencode

    params = {"year": f.year or "", "department": f.department}
    encoded = urlencode({k: v for k, v in params.items() if v})
    return f"?{encoded}" if encoded else ""


@router.get("/dashboard", summary="Dashboard for the committee and auditors")
def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: DashboardReader,
    year: YearParam = "",
    department: DepartmentParam = "",
) -> Response:
    try:
        f, offered = _filters(session, year, department)
    except InvalidInput as exc:
        return render(
            request,
            "dashboard/index.html",
            {
                "figures": {},
                "offered": _offered(session),
                "chosen": {"year": year, "department": department},
                "errors": exc.fields,
                "form_error": None,
            },
            status_code=exc.status_code,
        )
    built = figures.build(_context(session, settings, f, all_rows=False))
    charts = {
        slug: bar_chart(fig, chart_id=f"chart-{slug}", number=decimal)
        for slug, fig in built.items()
        if fig.chart and not fig.empty
    }
    return render(
        request,
        "dashboard/index.html",
        {
            "figures": built,
            "charts": charts,
            "offered": offered,
            "chosen": {"year": str(f.year or ""), "department": f.department},
            "filters": f,
            "query": _query_string(f),
            "today": _today(),
            "headline": _headline(built),
            "errors": {},
        },
    )


def _headline(built: dict[str, figures.Figure]) -> dict[str, object]:
    """The four numbers at the top, taken from the figures below them."""
    time = {row.key: row.values[0] for row in built["time"].rows}
    owners = built["owners"].rows
    median = time.get("median")
    return {
        "signed": time.get("count", 0),
        "median": "–"
        if median is None
        else ngettext(
            "%(days)s day", "%(days)s days", 1 if median == 1 else 2, days=decimal(median)
        ),
        "outstanding": sum(row.values[0] for row in owners),
        "overdue": sum(row.values[1] for row in owners),
    }


def _plain(value: float) -> str:
    """A number as software reads it: "12", "7.5" (the page writes the reader's "7,5")."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}".rstrip("0").rstrip(".")


@router.get("/dashboard/{figure}.csv", summary="One figure of the dashboard as CSV")
def dashboard_csv(
    session: SessionDep,
    settings: SettingsDep,
    user: DashboardReader,
    figure: str,
    year: YearParam = "",
    department: DepartmentParam = "",
) -> Response:
    make = figures.FIGURES.get(figure)
    if make is None:
        raise NotFound(_("The dashboard has no such figure."))
    f = _filters(session, year, department)[0]
    fig = make(_context(session, settings, f, all_rows=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in (_("Code"), fig.row_header, *fig.series)])
    for row in fig.rows:
        numbers = (_plain(v) for v in row.values)
        writer.writerow([csv_cell(c) for c in (row.key, row.label, *numbers)])
    name = f"datawaarden-{figure}" + (f"-{f.year}" if f.year else "") + ".csv"
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8; header=present",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
