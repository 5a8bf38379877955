"""Numbers, dates and times as a person writes them, in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bs4 import BeautifulSoup

from app.assessments import answering
from app.formatting import day, decimal, iso, moment, percent
from tests.conftest import on_both_databases

engine = on_both_databases()


def test_it_writes_numbers_and_shares_the_dutch_and_the_english_way():
    assert decimal(4.5, "nl") == "4,5" and decimal(4.5, "en") == "4.5"
    assert decimal(1234, "nl") == "1.234" and decimal(12.0, "nl") == "12"
    assert percent(36.0, "nl", digits=0) == "36 %" and percent(36.44, "nl") == "36,4 %"
    assert percent(36.44, "en") == "36.4%"


def test_it_writes_times_in_amsterdam_with_the_zone_also_when_the_database_gave_no_zone():
    winter, summer = datetime(2026, 12, 1, 10, 5), datetime(2026, 7, 1, 10, 5, tzinfo=UTC)
    assert moment(winter, "nl") == "1 december 2026 11:05 CET"
    assert moment(summer, "en", seconds=True) == "1 July 2026 12:05:00 CEST"
    assert day(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "nl") == "2 juli 2026"
    assert iso(winter) == "2026-12-01T10:05:00+00:00" and iso(date(2026, 12, 1)) == "2026-12-01"


def _overall(page) -> str:
    return page.select_one(".support__overall").get_text(" ", strip=True)


def test_it_does_not_call_an_assessment_without_answers_low_risk(
    login, make_assessment, personas, db
):
    a = make_assessment()
    lead = login("lead")
    empty = BeautifulSoup(lead.get(f"/assessments/{a.id}/sections/profile").text, "lxml")
    assert _overall(empty) == "Totaalniveau: Nog niet bekend"
    answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw="Parkeerdruk",
        base_version=None,
        actor=personas["lead"],
    )
    db.commit()
    started = BeautifulSoup(lead.get(f"/assessments/{a.id}/sections/profile").text, "lxml")
    assert _overall(started) == "Totaalniveau: Laag"
    cells = [td.get_text(strip=True) for td in started.select(".support__table td")]
    assert all("." not in c for c in cells) and any(c.endswith("%)") for c in cells)
