"""Browser tests for the foundation pages: login, home, language switch, user administration,
error pages and keyboard access. Every key screen is checked with axe-core in Dutch and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    PERSONAS,
    TEXTS,
    assert_accessible,
    login,
    login_as,
    screenshot,
    set_language,
)

pytestmark = pytest.mark.e2e

LANGS = ["nl", "en"]

LOGIN_HEADING = {"nl": "Inloggen", "en": "Log in"}
WELCOME = {"nl": "Welkom, {name}", "en": "Welcome, {name}"}
USERS_HEADING = {"nl": "Gebruikers", "en": "Users"}
USERS_CAPTION = {
    "nl": "Alle accounts, actief en gedeactiveerd",
    "en": "All accounts, active and deactivated",
}
FORBIDDEN_HEADING = "U mag dit niet doen"
WRONG_LOGIN = "Het e-mailadres of het wachtwoord klopt niet."
NAME_ERROR = "Vul een naam in van hoogstens 200 tekens."


def _login_url(base_url: str) -> re.Pattern[str]:
    return re.compile(re.escape(base_url) + r"/login(\?.*)?$")


@pytest.mark.parametrize("lang", LANGS)
def test_it_has_an_accessible_login_page(page: Page, base_url: str, lang: str) -> None:
    page.goto(f"{base_url}/login")
    set_language(page, lang)

    expect(
        page.get_by_role("heading", level=1, name=LOGIN_HEADING[lang], exact=True)
    ).to_be_visible()
    expect(page.get_by_label(TEXTS[lang]["email"])).to_be_editable()
    expect(page.get_by_label(TEXTS[lang]["password"])).to_be_editable()
    expect(page.get_by_role("button", name=TEXTS[lang]["login"], exact=True)).to_be_enabled()
    screenshot(page, "login", lang=lang)
    assert_accessible(page, context_name=f"login page ({lang})")


def test_it_lets_a_lead_log_in_and_shows_the_home_page(page: Page, base_url: str) -> None:
    lead = PERSONAS["lead"]
    login_as(page, base_url, lead)

    expect(page).to_have_url(f"{base_url}/")
    expect(
        page.get_by_role("heading", level=1, name=WELCOME["nl"].format(name=lead.name), exact=True)
    ).to_be_visible()
    expect(page.get_by_role("navigation", name="Hoofdnavigatie")).to_be_visible()
    screenshot(page, "home-lead", lang="nl")
    assert_accessible(page, context_name="home page of a lead (nl)")


def test_it_rejects_a_wrong_password_and_stays_on_the_login_page(page: Page, base_url: str) -> None:
    lead = PERSONAS["lead"]
    page.goto(f"{base_url}/login")
    page.get_by_label(TEXTS["nl"]["email"]).fill(lead.email)
    page.get_by_label(TEXTS["nl"]["password"]).fill("Not-The-Right-Password-99")
    page.get_by_role("button", name=TEXTS["nl"]["login"], exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(WRONG_LOGIN)
    expect(summary).to_be_focused()
    expect(page).to_have_url(_login_url(base_url))
    expect(
        page.get_by_role("heading", level=1, name=LOGIN_HEADING["nl"], exact=True)
    ).to_be_visible()
    expect(page.get_by_label(TEXTS["nl"]["email"])).to_have_value(lead.email)
    expect(page.get_by_label(TEXTS["nl"]["password"])).to_have_value("")
    expect(page.get_by_role("button", name=TEXTS["nl"]["logout"])).to_have_count(0)
    screenshot(page, "login-error", lang="nl")
    assert_accessible(page, context_name="login page with a wrong password (nl)")


def test_it_logs_out_and_then_requires_login_again(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])

    page.get_by_role("button", name=TEXTS["nl"]["logout"], exact=True).click()

    expect(page).to_have_url(_login_url(base_url))
    expect(
        page.get_by_role("heading", level=1, name=LOGIN_HEADING["nl"], exact=True)
    ).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("U bent uitgelogd.")
    expect(page.get_by_role("button", name=TEXTS["nl"]["logout"])).to_have_count(0)

    page.goto(f"{base_url}/")
    expect(page).to_have_url(_login_url(base_url))
    expect(
        page.get_by_role("heading", level=1, name=LOGIN_HEADING["nl"], exact=True)
    ).to_be_visible()


def test_it_switches_the_language_to_english_and_back(page: Page, base_url: str) -> None:
    board = PERSONAS["board"]
    login_as(page, base_url, board, lang="nl")
    html = page.locator("html")

    page.get_by_role("button", name="English", exact=True).click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("button", name="Nederlands", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="English", exact=True)).to_have_count(0)
    expect(
        page.get_by_role("heading", level=1, name=WELCOME["en"].format(name=board.name), exact=True)
    ).to_be_visible()
    expect(page.get_by_role("button", name=TEXTS["en"]["logout"], exact=True)).to_be_visible()
    screenshot(page, "home-board", lang="en")
    assert_accessible(page, context_name="home page of a committee member (en)")

    page.get_by_role("button", name="Nederlands", exact=True).click()

    expect(html).to_have_attribute("lang", "nl")
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(
        page.get_by_role("heading", level=1, name=WELCOME["nl"].format(name=board.name), exact=True)
    ).to_be_visible()
    expect(page.get_by_role("button", name=TEXTS["nl"]["logout"], exact=True)).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_it_shows_the_admin_the_user_list(page: Page, base_url: str, lang: str) -> None:
    login_as(page, base_url, PERSONAS["admin"], lang=lang)
    page.get_by_role("link", name=USERS_HEADING[lang], exact=True).click()

    expect(page).to_have_url(f"{base_url}/admin/users")
    expect(
        page.get_by_role("heading", level=1, name=USERS_HEADING[lang], exact=True)
    ).to_be_visible()
    table = page.get_by_role("table", name=USERS_CAPTION[lang])
    expect(table).to_be_visible()
    for persona in PERSONAS.values():
        expect(table.get_by_role("cell", name=persona.email, exact=True)).to_be_visible()
        expect(table.get_by_role("link", name=persona.name, exact=True)).to_be_visible()
    screenshot(page, "admin-users", lang=lang)
    assert_accessible(page, context_name=f"user list for the administrator ({lang})")


def test_it_refuses_the_admin_pages_to_a_lead(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    expect(page.get_by_role("link", name=USERS_HEADING["nl"], exact=True)).to_have_count(0)

    response = page.goto(f"{base_url}/admin/users")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1, name=FORBIDDEN_HEADING, exact=True)).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    screenshot(page, "forbidden", lang="nl")
    assert_accessible(page, context_name="403 page for a lead on /admin/users (nl)")


def test_it_ties_field_errors_to_their_fields_on_the_new_user_form(
    page: Page, base_url: str
) -> None:
    login_as(page, base_url, PERSONAS["admin"])
    page.goto(f"{base_url}/admin/users/new")
    expect(
        page.get_by_role("heading", level=1, name="Nieuwe gebruiker", exact=True)
    ).to_be_visible()
    assert_accessible(page, context_name="new-user form (nl)")

    page.get_by_role("button", name="Gebruiker aanmaken", exact=True).click()

    expect(page).to_have_url(f"{base_url}/admin/users/new")
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", level=2)).to_be_visible()
    summary_link = summary.get_by_role("link", name=NAME_ERROR, exact=True)
    expect(summary_link).to_have_attribute("href", "#f-name")

    name_field = page.get_by_role("textbox", name=re.compile(r"^Naam\b"))
    expect(name_field).to_have_attribute("aria-invalid", "true")
    expect(name_field).to_have_accessible_description(re.compile(re.escape(NAME_ERROR)))

    summary_link.click()
    expect(name_field).to_be_focused()
    screenshot(page, "admin-new-user-errors", lang="nl")
    assert_accessible(page, context_name="new-user form with errors (nl)")


def test_it_focuses_the_skip_link_first_when_pressing_tab(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    expect(
        page.get_by_role("heading", level=1, name=LOGIN_HEADING["nl"], exact=True)
    ).to_be_visible()

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name=TEXTS["nl"]["skip_link"], exact=True)
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_it_logs_in_with_the_helper_in_english_too(page: Page, base_url: str) -> None:
    admin = PERSONAS["admin"]
    login(page, base_url, admin.email, admin.password, lang="en")

    expect(
        page.get_by_role("heading", level=1, name=WELCOME["en"].format(name=admin.name), exact=True)
    ).to_be_visible()
    assert_accessible(page, context_name="home page of the administrator (en)")


@pytest.mark.parametrize("width", [1280, 390])
def test_it_explains_the_problem_types_on_accessible_public_pages(
    page: Page, base_url: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base_url}/problems")
    expect(page.get_by_role("heading", level=1)).to_have_text("Soorten problemen van de API")
    assert_accessible(page, context_name=f"problem types at {width} px")
    screenshot(page, f"problems-{width}", lang="nl")
    page.get_by_role("link", name="storage-full").click()
    expect(page).to_have_url(f"{base_url}/problems/storage-full")
    expect(page.get_by_text("De opslag van de server is vol")).to_be_visible()
    assert_accessible(page, context_name=f"one problem type at {width} px")
    screenshot(page, f"problem-storage-full-{width}", lang="nl")
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the page scrolls sideways"
