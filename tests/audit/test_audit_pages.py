"""The audit trail as people read it: actions in words, local times with their zone, pages."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from sqlmodel import func, select

from app.assessments.transitions import Action
from app.audit.labels import ACTION_LABELS, action_label
from app.audit.models import AuditEvent
from app.audit.service import record_event
from app.i18n import use_locale
from tests.conftest import on_both_databases

engine = on_both_databases()
APP = Path(__file__).resolve().parents[2] / "app"


def _recorded_actions() -> set[str]:
    """Every action the application records: literal codes, the lifecycle's and the answers'."""
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    found |= {f"assessment.{a.value}" for a in Action}
    found |= {"answer.saved", "answer.restored"}
    return found


def test_it_has_words_for_every_action_the_application_records():
    missing = sorted(a for a in _recorded_actions() if a not in ACTION_LABELS)
    assert missing == []


def test_it_says_an_action_in_the_readers_language_and_keeps_an_unknown_code():
    with use_locale("nl"):
        assert action_label("assessment.submit") == "Ingediend bij de commissie"
    with use_locale("en"):
        assert action_label("assessment.submit") == "Submitted to the committee"
    assert action_label("something.new") == "something.new"


def test_it_shows_the_trail_in_words_with_amsterdam_times(login, submitted):
    page = BeautifulSoup(login("lead").get(f"/assessments/{submitted.id}/audit").text, "lxml")
    cells = [td.get_text(" ", strip=True) for td in page.select("table.audit tbody td")]
    assert any("Ingediend bij de commissie" in c and "assessment.submit" in c for c in cells)
    when = page.select_one("table.audit tbody time")
    assert re.fullmatch(r"\d{1,2} [a-z]+ \d{4} \d\d:\d\d:\d\d CES?T", when.get_text(strip=True))
    assert when["datetime"].endswith("+00:00")
    assert page.select_one("nav.pagination") is None


def test_it_pages_a_long_trail_oldest_first(login, submitted, db, personas):
    for n in range(120):
        record_event(
            db,
            action="report.downloaded",
            actor_id=personas["lead"].id,
            object_type="report",
            object_id=n,
            assessment_id=submitted.id,
            details={"n": n},
        )
    db.commit()
    lead = login("lead")
    first = BeautifulSoup(lead.get(f"/assessments/{submitted.id}/audit").text, "lxml")
    second = BeautifulSoup(lead.get(f"/assessments/{submitted.id}/audit?page=2").text, "lxml")
    assert len(first.select("table.audit tbody tr")) == 100
    assert "Pagina 1 van 2" in first.select_one("nav.pagination").get_text()
    assert first.select_one("nav.pagination a")["href"] == "?page=2"
    total = db.exec(select(func.count()).where(AuditEvent.assessment_id == submitted.id)).one()
    ids = _all_ids(second)
    assert ids == sorted(ids) and len(ids) == total - 100
    assert min(ids) > max(_all_ids(first))
    beyond = lead.get(f"/assessments/{submitted.id}/audit?page=99")
    assert beyond.status_code == 200 and "Pagina 2 van 2" in beyond.text


def _all_ids(page) -> list[int]:
    return [int(tr.td.get_text()) for tr in page.select("table.audit tbody tr")]


def test_it_filters_the_whole_log_by_an_action_or_the_start_of_one(login, submitted):
    """The filter lists the actions that occur in the log, sorted, and matches an action or
    the start of its code."""
    auditor = login("auditor")

    def listed(query: str) -> tuple[list[str], set[str]]:
        page = BeautifulSoup(auditor.get(f"/audit{query}").text, "lxml")
        offered = [o["value"] for o in page.select("#f-action option") if o["value"]]
        shown = {code.get_text(strip=True) for code in page.select("table.audit code.audit__code")}
        return offered, shown

    offered, everything = listed("")
    assert offered == sorted(offered) and "assessment.submit" in offered
    assert set(offered) >= everything
    _offered, submits = listed("?action=assessment.submit")
    assert submits == {"assessment.submit"}
    _offered, assessment_actions = listed("?action=assessment.")
    assert assessment_actions == {a for a in offered if a.startswith("assessment.")}
    assert listed("?action=nothing.like.this")[1] == set()
