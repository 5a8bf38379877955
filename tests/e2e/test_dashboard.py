"""The dashboard in Chromium: a server of its own with the small archive of
tests/dashboard/data.py. axe finds nothing at 1280 and 390 px in Dutch and English, filtered
and with a refused filter; nothing scrolls sideways; every chart is an image with its own
name; the filters and downloads work with JavaScript off (axe runs in the page, so only with
JavaScript on)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.questionnaires.registry import find_version
from app.users.models import User
from tests.dashboard import data

from .conftest import (
    PERSONAS,
    ConsoleWatch,
    LiveServer,
    _app_env,
    _run_cli,
    assert_accessible,
    create_personas,
    login_as,
    running_server,
    screenshot,
    set_language,
)

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("datawaarden-dashboard")
    env = _app_env(data_dir)
    _run_cli(["init"], env=env)
    create_personas(env, [PERSONAS["auditor"], PERSONAS["chair"], PERSONAS["lead"]])
    engine = make_engine(f"sqlite:///{data_dir / 'datawaarden.db'}")
    with Session(engine) as session:
        lead = session.exec(select(User).where(User.email == PERSONAS["lead"].email)).one()
        version = find_version(session, "haarlem-datawaarden")
        data.seed(
            session,
            lead_id=lead.id or 0,
            version_id=version.id or 0,
            questionnaire_key="haarlem-datawaarden",
            value_ids=("transparent", "reliable"),
            obligation_ids=("dpia_required", "consult_dpo", "register_b"),
        )
        session.commit()
    engine.dispose()
    with running_server(data_dir, env) as live:
        yield live


def _page(browser: Browser, server: LiveServer, watch: ConsoleWatch, *, js: bool) -> Page:
    context = browser.new_context(
        base_url=server.base_url,
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=js,
    )
    context.set_default_timeout(30_000)
    watch.attach(context)
    return context.new_page()


def test_it_shows_the_dashboard_accessibly_at_both_widths_in_both_languages(
    browser: Browser, server: LiveServer, console_watch: ConsoleWatch
) -> None:
    page = _page(browser, server, console_watch, js=True)
    login_as(page, server.base_url, PERSONAS["auditor"])
    page.get_by_role("link", name=re.compile("^Dashboard$")).click()
    expect(page).to_have_url(f"{server.base_url}/dashboard")
    charts = page.get_by_role("img")
    expect(charts.first).to_be_visible()
    names = [c.get_attribute("aria-labelledby") for c in page.locator("svg[role=img]").all()]
    assert len(names) == 6 and len(set(names)) == 6
    for lang in ("nl", "en"):
        set_language(page, lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            screenshot(page, f"dashboard-{width}", lang=lang)
            assert_accessible(page, context_name=f"dashboard at {width} px ({lang})")
            used = page.evaluate("() => document.documentElement.scrollWidth")
            assert used <= width, f"{used} px wide at {width} px ({lang})"
    # Filtered, and a filter refused at its field (axe needs JavaScript: here, not below).
    page.goto(f"{server.base_url}/dashboard?year=2026&department=Sociaal+Domein")
    expect(page.locator("#data-time tbody tr").first.locator("td")).to_have_text("2")
    assert_accessible(page, context_name="dashboard filtered")
    page.goto(f"{server.base_url}/dashboard?department=Nergens")
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, context_name="dashboard with a refused filter")
    page.context.close()


def test_it_filters_and_downloads_without_javascript(
    browser: Browser, server: LiveServer, console_watch: ConsoleWatch
) -> None:
    page = _page(browser, server, console_watch, js=False)
    login_as(page, server.base_url, PERSONAS["chair"], lang="en")
    page.goto(f"{server.base_url}/dashboard")
    signed = page.locator("#data-time tbody tr").first.locator("td")
    expect(signed).to_have_text("4")
    page.get_by_label("Year").select_option("2025")
    page.get_by_label("Department").select_option("Mobiliteit")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard\?year=2025&department=Mobiliteit$"))
    expect(signed).to_have_text("2")
    expect(page.get_by_label("Year")).to_have_value("2025")
    link = page.locator("a[href^='/dashboard/states.csv']")
    expect(link).to_have_accessible_name("Download as CSV – Assessments by state")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Code,State,Assessments"
    assert "archived,Archived,2" in text
    page.goto(f"{server.base_url}/dashboard?year=1999")
    expect(page.locator("#f-year-error")).to_contain_text("Choose a year from the list.")
    page.context.close()
