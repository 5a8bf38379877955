"""The consultation page of a manager (the chair) with a few reactions, in Chromium at 1280
and 390 px: axe-core finds no WCAG 2.1 AA violation; screenshots in
test-artifacts/screenshots (consultation-committee-1280-nl.png, -390-nl.png)."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    PERSONAS,
    PYTHON,
    REPO_ROOT,
    _app_env,
    assert_accessible,
    login_as,
    screenshot,
)

pytestmark = pytest.mark.e2e

HEADING = re.compile(r"^(Raadpleging van inwoners|Consultation of residents)")


def seed(live_server, *flags: str) -> int:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "tests.e2e.consultation_seed",
            *(PERSONAS[k].email for k in ("lead", "board", "chair")),
            *flags,
        ],
        cwd=REPO_ROOT,
        env=_app_env(live_server.data_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.strip().splitlines()[-1])


def test_it_shows_the_chair_the_reactions_with_their_forms(
    page: Page, base_url: str, live_server
) -> None:  # type: ignore[no-untyped-def]
    assessment_id = seed(live_server)
    login_as(page, base_url, PERSONAS["chair"])
    page.goto(f"{base_url}/assessments/{assessment_id}/consultation")
    expect(page.get_by_role("heading", level=1, name=HEADING)).to_be_visible()
    reactions = page.locator("article.consultation-reaction")
    expect(reactions).to_have_count(3)
    # What a resident wrote is text: the web address is no link, the line break stays.
    expect(reactions.nth(1).locator("blockquote a")).to_have_count(0)
    expect(reactions.nth(0).locator("blockquote")).to_contain_text("Goed dat u dit vraagt.")
    expect(page.get_by_text("fatima@example.org")).to_have_count(0)
    expect(reactions.nth(0).locator("form input[name=tags]")).to_have_value(
        "bewaartermijn, privacy"
    )
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, context_name=f"consultation page of the chair at {width}px")
        screenshot(page, f"consultation-committee-{width}", lang="nl")


def test_it_asks_the_rapporteur_how_the_reactions_were_weighed(
    page: Page, base_url: str, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    """After the period the advice form has the weighing field; without JavaScript an advice
    without it comes back with the message at the field, and with it the draft is saved."""
    assessment_id = seed(live_server, "--closed")
    advice = f"{base_url}/committee/assessments/{assessment_id}/advice"
    weighing = "Hoe de commissie de reacties van inwoners heeft gewogen"

    # Axe in a JavaScript context (it hangs where JavaScript is off), at both widths.
    login_as(page, base_url, PERSONAS["board"])
    page.goto(advice)
    expect(page.get_by_role("textbox", name=re.compile(f"^{weighing}"))).to_be_visible()
    expect(page.get_by_role("link", name="Lees de reacties en de raadpleging")).to_be_visible()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, context_name=f"advice form with the weighing field at {width}px")
        screenshot(page, f"advice-weighing-{width}", lang="nl")

    plain = browser.new_context(
        java_script_enabled=False, locale="nl-NL", viewport={"width": 390, "height": 900}
    )
    try:
        form = plain.new_page()
        login_as(form, base_url, PERSONAS["board"])
        form.goto(advice)
        form.get_by_role("radio", name="Positief", exact=True).check()
        form.get_by_role("textbox", name=re.compile("^Samenvatting van het advies")).fill(
            "Positief: het plan mag door."
        )
        form.get_by_role("button", name="Conceptadvies opslaan").click()
        field = form.get_by_role("textbox", name=re.compile(f"^{weighing}"))
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(
            form.get_by_text("Zeg hoe de commissie de reacties van inwoners heeft gewogen.").first
        ).to_be_visible()
        field.fill("De zorg over de bewaartermijn nam de commissie over: zie voorwaarde 1.")
        form.get_by_role("button", name="Conceptadvies opslaan").click()
        expect(form.get_by_role("textbox", name=re.compile(f"^{weighing}"))).to_have_value(
            "De zorg over de bewaartermijn nam de commissie over: zie voorwaarde 1."
        )
        expect(form.get_by_role("textbox", name=re.compile(f"^{weighing}"))).not_to_have_attribute(
            "aria-invalid", "true"
        )
    finally:
        plain.close()


def test_it_lets_the_lead_correct_and_confirm_the_draft_without_javascript(
    page: Page, base_url: str, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    """The lead's view of a draft passes axe at both widths; without JavaScript the lead
    corrects the data used and confirms, and the page then says so."""
    assessment_id = seed(live_server, "--draft")
    consultation = f"{base_url}/assessments/{assessment_id}/consultation"
    login_as(page, base_url, PERSONAS["lead"])
    page.goto(consultation)
    expect(page.get_by_role("button", name="Opslaan en bevestigen")).to_be_visible()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, context_name=f"the lead's check of the draft at {width}px")
        screenshot(page, f"consultation-lead-check-{width}", lang="nl")

    plain = browser.new_context(
        java_script_enabled=False, locale="nl-NL", viewport={"width": 390, "height": 900}
    )
    try:
        form = plain.new_page()
        login_as(form, base_url, PERSONAS["lead"])
        form.goto(consultation)
        data = form.get_by_role("textbox", name=re.compile("^Welke gegevens"))
        data.fill("Alleen achterstanden bij huur en energie; geen zorgdossiers.")
        form.get_by_role("button", name="Opslaan en bevestigen").click()
        expect(form.get_by_text(re.compile("^U hebt de samenvatting bevestigd"))).to_be_visible()
        expect(form.locator("#check-status")).to_contain_text("Bevestigd door de projectleider")
        expect(data).to_have_value("Alleen achterstanden bij huur en energie; geen zorgdossiers.")
    finally:
        plain.close()


def test_it_shows_residents_the_consulted_advice_in_the_register(
    page: Page, base_url: str, live_server, browser
) -> None:  # type: ignore[no-untyped-def]
    """Once signed, the advice is in the register with its consultation chapter, which passes
    axe at both widths; the consultation's page links it."""
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "tests.e2e.consultation_seed",
            *(PERSONAS[k].email for k in ("lead", "board", "chair")),
            f"--signed={PERSONAS['chair'].password}",
        ],
        cwd=REPO_ROOT,
        env=_app_env(live_server.data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reference, consultation_id = result.stdout.strip().splitlines()[-2].split()
    resident = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    try:
        visitor = resident.new_page()
        visitor.goto(f"{base_url}/register/{reference}")
        section = visitor.get_by_role("heading", name="Raadpleging van inwoners")
        expect(section).to_be_visible()
        expect(
            visitor.get_by_text("Een inwoner vraagt hoe lang de gegevens bewaard worden.")
        ).to_be_visible()
        expect(
            visitor.get_by_text("De zorg over de bewaartermijn nam de commissie over")
        ).to_be_visible()
        expect(visitor.get_by_text("fatima@example.org")).to_have_count(0)
        expect(visitor.get_by_text("Fatima el Amrani")).to_have_count(0)
        for width in (1280, 390):
            visitor.set_viewport_size({"width": width, "height": 900})
            assert_accessible(
                visitor, context_name=f"register entry with a consultation at {width}px"
            )
            screenshot(visitor, f"register-consultation-{width}", lang="nl")
        # From the list (other tests of this server made consultations of the same title).
        visitor.goto(f"{base_url}/consultations")
        visitor.locator(f'a[href="/consultations/{consultation_id}"]').click()
        visitor.get_by_role(
            "link", name="Lees het advies en hoe de commissie de reacties heeft gewogen"
        ).click()
        expect(visitor).to_have_url(f"{base_url}/register/{reference}")
    finally:
        resident.close()
