"""Signing on the advice page in Chromium: a mistyped password brings the form back with the
message at the field and focus on the summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.config import get_settings
from app.reports.pki import ensure_dev_pki
from tests.conftest import PASSWORD, PERSONAS
from tests.reports.conftest import build_world, drive_to_advice

from .conftest import _app_env, assert_accessible, login, running_server, screenshot

pytestmark = pytest.mark.e2e

SIGN_FORM = "form[action$='/sign']"


@pytest.fixture(scope="module")
def signing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server of its own on a database with a final advice (of the sample questionnaire)."""
    directory = tmp_path_factory.mktemp("e2e-signing")
    world = build_world(directory)
    assessment_id = drive_to_advice(world, comment=None)
    world.engine.dispose()
    ensure_dev_pki(directory / "pki", org_name=get_settings().org_name)
    env = {**_app_env(directory), "DATAWAARDEN_DATABASE_URL": world.url}
    with running_server(directory, env) as server:
        yield server.base_url, assessment_id


@pytest.fixture
def chair_page(browser: Browser, signing_server: tuple[str, int]) -> Iterator[Page]:
    base_url, _assessment = signing_server
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base_url, PERSONAS["chair"].email, PASSWORD)
    yield page
    context.close()


def test_it_shows_the_signing_form_again_after_a_mistyped_password(
    chair_page: Page, signing_server: tuple[str, int]
) -> None:
    page = chair_page
    base_url, assessment_id = signing_server
    page.goto(f"{base_url}/committee/assessments/{assessment_id}/advice")
    form = page.locator(SIGN_FORM)
    form.get_by_label("Vul uw wachtwoord in om te ondertekenen").fill("Verkeerd-Wachtwoord-1")
    form.locator("button[type=submit]").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Het rapport is niet ondertekend.")
    field = page.locator("#f-sign-password")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("Fout: Het wachtwoord klopt niet.")
    summary.get_by_role("link", name="Het wachtwoord klopt niet.").click()
    expect(field).to_be_focused()
    screenshot(page, "sign-wrong-password-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "sign-wrong-password-390")
    assert_accessible(page, context_name="advice page after a mistyped password (nl)")
    page.set_viewport_size({"width": 1280, "height": 900})
