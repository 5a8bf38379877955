"""Browser tests for the interactive API documentation (Swagger UI from the app's own copy,
under the app's CSP) and the favicon that every page links."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from .conftest import PERSONAS, login_as, screenshot

pytestmark = pytest.mark.e2e


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """Console errors and failed (4xx/5xx) responses of everything the page loads."""
    errors: list[str] = []
    failed: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", on_response)
    return errors, failed


def test_it_shows_the_api_operations_in_swagger_ui_without_console_errors(
    page: Page, base_url: str
) -> None:
    errors, failed = _watch(page)
    response = page.goto(f"{base_url}/api/docs")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp

    operation = page.locator(".opblock", has_text="/api/v1/assessments").first
    expect(operation).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/reports/verify")).to_be_visible()
    screenshot(page, "api-docs")
    assert failed == [], failed
    assert errors == [], errors


def test_it_serves_a_favicon_and_links_it_on_every_page(page: Page, base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/favicon.ico", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/x-icon"
        assert response.read(4) == b"\x00\x00\x01\x00"  # an ICO file's header

    _errors, failed = _watch(page)
    login_as(page, base_url, PERSONAS["lead"])
    for path in ("/", "/assessments", "/verify", "/api/docs"):
        page.goto(f"{base_url}{path}")
        icon = page.locator("link[rel=icon]")
        expect(icon).to_have_attribute("href", "/static/favicon.svg")
        loaded = page.request.get(f"{base_url}/static/favicon.svg")
        assert loaded.status == 200 and loaded.headers["content-type"].startswith("image/svg+xml")
    assert not [f for f in failed if "favicon" in f], failed
