"""The dashboard page and its downloads: who may see them, the filters, the charts as
accessible images whose numbers are the table's, and CSV that no spreadsheet runs."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from app.pages import dashboard
from tests.dashboard.data import FORMULA_OWNER, TODAY


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "_now", lambda: datetime(2026, 6, 15, 8, 0, tzinfo=UTC))
    assert TODAY.isoformat() == "2026-06-15"


def _english(client):  # type: ignore[no-untyped-def]
    client.post_form("/language", {"locale": "en", "next": "/"})
    return client


def _page(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "lxml")


@pytest.mark.parametrize("persona", ["board", "chair", "auditor", "admin"])
def test_it_shows_the_dashboard_to_the_committee_auditors_and_administrators(login, known, persona):
    page = _page(login(persona).get("/dashboard"))
    assert page.select_one("nav a[href='/dashboard'][aria-current='page']")
    assert page.select_one("#data-states")


def test_it_refuses_a_project_lead_and_sends_a_visitor_to_log_in(login, client, known):
    lead = login("lead")
    assert lead.get("/dashboard").status_code == 403
    assert lead.get("/dashboard/states.csv").status_code == 403
    assert 'href="/dashboard"' not in lead.get("/").text
    for url in ("/dashboard", "/dashboard/owners.csv"):
        response = client.get(url)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_it_draws_every_chart_as_an_image_with_a_title_and_a_description(login, known):
    page = _page(_english(login("auditor")).get("/dashboard"))
    charts = page.select("svg.dashboard-chart")
    assert len(charts) == 6  # every figure but the summary of the time to signature
    for svg in charts:
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.select_one(f"title#{title_id}").get_text().strip()
        assert svg.select_one(f"desc#{desc_id}").get_text().strip()
        assert "style" not in svg.decode()
        assert all(r.get("fill") for r in svg.select("rect"))
    desc = page.select_one("#chart-states-desc").get_text()
    assert "Archived: 4" in desc and "Draft: 2" in desc


def test_it_shows_the_same_numbers_in_each_chart_as_in_its_table(login, known):
    page = _page(login("auditor").get("/dashboard"))
    for svg in page.select("svg.dashboard-chart"):
        slug = svg["id"] if svg.has_attr("id") else svg.select_one("title")["id"][6:-6]
        table = page.select_one(f"#data-{slug}")
        cells = [td.get_text() for td in table.select("tbody td")]
        values = [t.get_text() for t in svg.select("text.chart-value")]
        assert values == cells, slug
        assert table.select_one("caption").get_text().strip()
        assert all(th["scope"] == "col" for th in table.select("thead th"))
        assert all(th["scope"] == "row" for th in table.select("tbody th"))


def test_it_writes_days_as_dutch_numbers(login, known):
    page = _page(login("chair").get("/dashboard"))
    cells = [tr.td.get_text() for tr in page.select("#data-time tbody tr")]
    # Signed, median, 25th and 75th percentile, shortest, longest.
    assert cells == ["4", "7,5", "4,8", "19", "1", "49"]
    assert "7,5 " in page.select_one(".dashboard-facts").get_text()


def test_it_filters_by_year_and_department_with_a_plain_form(login, known):
    auditor = _english(login("auditor"))
    page = _page(auditor.get("/dashboard?year=2025&department=Mobiliteit"))
    form = page.select_one("form[method='get'][action='/dashboard']")
    assert form.select_one("select[name='year'] option[selected]")["value"] == "2025"
    assert form.select_one("select[name='department'] option[selected]")["value"] == "Mobiliteit"
    assert form.select_one("button[type='submit']")
    rows = {tr.th.get_text(): tr.td.get_text() for tr in page.select("#data-time tbody tr")}
    assert rows["Signed assessments"] == "2"
    owners = [tr.th.get_text() for tr in page.select("#data-owners tbody tr")]
    assert owners == ["Team Data", FORMULA_OWNER]
    link = page.select_one("a[href^='/dashboard/owners.csv']")["href"]
    assert link == "/dashboard/owners.csv?year=2025&department=Mobiliteit"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("year=1999", "year", "Choose a year from the list."),
        ("year=twenty", "year", "Choose a year from the list."),
        ("department=Nergens", "department", "Choose a department from the list."),
    ],
)
def test_it_refuses_a_filter_it_did_not_offer_at_its_field(login, known, query, field, message):
    auditor = _english(login("auditor"))
    response = auditor.get(f"/dashboard?{query}")
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "lxml")
    assert page.title.get_text().startswith("Error: ")
    assert page.select_one(f"#f-{field}")["aria-invalid"] == "true"
    assert message in page.select_one(f"#f-{field}-error").get_text()
    assert page.select_one(f".error-summary a[href='#f-{field}']")
    assert not page.select("svg.dashboard-chart")
    assert auditor.get(f"/dashboard/states.csv?{query}").status_code == 422


def test_it_refuses_an_overlong_filter_and_an_unknown_figure(login, known):
    auditor = login("auditor")
    assert auditor.get("/dashboard?department=" + "x" * 201).status_code == 422
    assert auditor.get("/dashboard/secrets.csv").status_code == 404


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_downloads_every_figure_as_csv_with_the_numbers_of_the_page(login, known):
    auditor = _english(login("auditor"))
    page = _page(auditor.get("/dashboard"))
    for link in page.select("a[href^='/dashboard/'][download]"):
        slug = re.match(r"/dashboard/([\w-]+)\.csv", link["href"]).group(1)
        rows = _csv(auditor.get(link["href"]))
        table = page.select_one(f"#data-{slug}")
        header = [th.get_text() for th in table.select("thead th")]
        assert rows[0] == ["Code", *header], slug
        labels = [th.get_text() for th in table.select("tbody th")]
        assert [r[1].removeprefix("'") for r in rows[1:]] == labels, slug
        numbers = [[td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")]
        assert [r[2:] for r in rows[1:]] == numbers, slug
    states = _csv(auditor.get("/dashboard/states.csv?department=Mobiliteit"))
    assert ["archived", "Archived", "2"] in states
    time = _csv(auditor.get("/dashboard/time.csv"))
    assert ["median", "Median", "7.5"] in time
    assert (
        auditor.get("/dashboard/levels.csv?year=2026").headers["content-disposition"]
        == 'attachment; filename="datawaarden-levels-2026.csv"'
    )


def test_it_neutralises_a_cell_that_a_spreadsheet_would_run(login, known):
    rows = _csv(login("auditor").get("/dashboard/owners.csv"))
    formula = next(r for r in rows if "HYPERLINK" in r[1])
    assert formula[0] == "'" + FORMULA_OWNER
    assert formula[1] == "'" + FORMULA_OWNER
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.parametrize(
    ("utc", "overdue"),
    [("2026-06-14T21:30:00", "0"), ("2026-06-14T22:30:00", "1")],
)
def test_it_counts_overdue_against_today_in_amsterdam(login, known, monkeypatch, utc, overdue):
    # At 22:30 UTC on 14 June it is 00:30 on 15 June in Amsterdam: due on the 14th is overdue.
    monkeypatch.setattr(dashboard, "_now", lambda: datetime.fromisoformat(utc).replace(tzinfo=UTC))
    page = _page(login("auditor").get("/dashboard"))
    row = next(
        tr for tr in page.select("#data-owners tbody tr") if tr.th.get_text() == "Privacy Officer"
    )
    assert [td.get_text() for td in row.select("td")] == ["1", overdue]
