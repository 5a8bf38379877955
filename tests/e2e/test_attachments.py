"""Attaching a file on the question page in Chromium: with JavaScript switched off the upload
form posts, the page comes back with the file listed; a refused file comes back with its
reason at the field; axe finds nothing on either page, at 1280 and at 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.attachments import files

from .conftest import PERSONAS, assert_accessible, login_as, screenshot
from .test_lead_journey import new_title, start_assessment

pytestmark = pytest.mark.e2e


def first_section(page: Page, base_url: str, assessment_id: int) -> str:
    page.goto(f"{base_url}/assessments/{assessment_id}")
    link = page.locator(f"a[href^='/assessments/{assessment_id}/sections/']").first
    href = link.get_attribute("href")
    assert href
    page.goto(f"{base_url}{href}")
    return f"{base_url}{href}"


def test_a_lead_attaches_a_file_without_javascript_and_sees_it_listed(
    no_js_page: Page, page: Page, base_url: str
) -> None:
    login_as(no_js_page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(no_js_page, base_url, new_title("bijlage"))
    section_url = first_section(no_js_page, base_url, assessment_id)
    field = no_js_page.locator("input[type=file]").first
    qid = (field.get_attribute("id") or "").removeprefix("file-")
    field.set_input_files(
        files=[
            {"name": "DPIA schuldhulp.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}
        ]
    )
    no_js_page.locator(f"button[form='attachment-upload-{qid}']").click()

    expect(no_js_page).to_have_url(f"{section_url}#attachments-{qid}")
    listed = no_js_page.locator(f"#attachments-{qid} a[download]")
    expect(listed).to_have_text("DPIA schuldhulp.pdf")
    expect(no_js_page.get_by_role("status")).to_contain_text("DPIA schuldhulp.pdf")
    with no_js_page.expect_download() as download:
        listed.click()
    assert download.value.suggested_filename == "DPIA schuldhulp.pdf"

    # The same page with JavaScript, for axe (a script), wide and narrow.
    login_as(page, base_url, PERSONAS["lead"])
    page.goto(section_url)
    expect(page.locator(f"#attachments-{qid} a[download]")).to_have_text("DPIA schuldhulp.pdf")
    screenshot(page, "attachments-listed-1280", lang="nl")
    assert_accessible(page, context_name="section page with an attached file (nl)")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "attachments-listed-390", lang="nl")
    assert_accessible(page, context_name="section page with an attached file at 390 px")


def test_a_refused_file_comes_back_with_its_reason_at_the_field(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("geweigerd"))
    first_section(page, base_url, assessment_id)
    field = page.locator("input[type=file]").first
    qid = (field.get_attribute("id") or "").removeprefix("file-")
    field.set_input_files(
        files=[{"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": files.HTML}]
    )
    page.locator(f"button[form='attachment-upload-{qid}']").click()

    expect(page).to_have_title(re.compile(r"^Fout: "))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page.locator(f"#file-{qid}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#file-{qid}-error")).to_contain_text("PDF, ODT, DOCX, XLSX, CSV, PNG")
    expect(page.locator(f"#attachments-{qid} a[download]")).to_have_count(0)
    assert_accessible(page, context_name="section page with a refused file (nl)")
