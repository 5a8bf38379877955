"""A refused form in Chromium: the page comes back with what was typed, the error summary has
focus (with JavaScript and without), its link leads to the field that says what is wrong, and
axe finds nothing on the page with the errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import PERSONAS, assert_accessible, login_as, screenshot
from .test_lead_journey import new_title, start_assessment

pytestmark = pytest.mark.e2e

NOT_AN_ADDRESS = "vroegsignalering haarlem"
ENTER_ADDRESS = "Vul een e-mailadres in, zoals naam@haarlem.nl."
TITLE_ERROR = "Vul een titel in van hoogstens 200 tekens."


def test_it_focuses_the_summary_of_a_refused_co_author_and_leads_to_the_field(
    page: Page, base_url: str
) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("medeauteur"))
    form = page.locator("form[action$='/coauthors']")
    form.get_by_label("E-mailadres van een medeauteur").fill(NOT_AN_ADDRESS)
    form.get_by_role("button", name="Medeauteur toevoegen", exact=True).click()

    expect(page).to_have_url(f"{base_url}/assessments/{assessment_id}/coauthors")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_accessible_name("Er is een probleem")
    expect(page).to_have_title(re.compile(r"^Fout: "))
    field = page.locator("#f-coauthor")
    expect(field).to_have_value(NOT_AN_ADDRESS)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(f"Fout: {ENTER_ADDRESS}")
    summary.get_by_role("link", name=ENTER_ADDRESS, exact=True).click()
    expect(field).to_be_focused()
    screenshot(page, "coauthor-refused-1280", lang="nl")
    assert_accessible(page, context_name="assessment page with a refused co-author (nl)")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, context_name="assessment page with a refused co-author at 390 px")


def test_it_focuses_the_summary_without_javascript_too(no_js_page: Page, base_url: str) -> None:
    page = no_js_page
    login_as(page, base_url, PERSONAS["lead"])
    page.goto(f"{base_url}/assessments/new")
    page.get_by_label("Afdeling").fill("Sociaal Domein")
    page.get_by_role("button", name="Beoordeling starten", exact=True).click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # autofocus: no script needed
    expect(summary.get_by_role("link", name=TITLE_ERROR, exact=True)).to_have_attribute(
        "href", "#f-title"
    )
    expect(page.locator("#f-department")).to_have_value("Sociaal Domein")
    expect(page.locator("#f-title")).to_have_accessible_description(f"Fout: {TITLE_ERROR}")
    # axe is a script, which this browser does not run: the test above judges an error page.
