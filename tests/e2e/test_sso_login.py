"""Single sign-on in Chromium: a real uvicorn server configured for a real OpenID provider on
the loopback interface (oidc-provider-mock). The user presses the login button, signs in on the
provider's own page, arrives logged in with the role their group gives, and logs out at the
provider too; the login page and the refusal page pass axe at 1280 and 390 px in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.oidc_provider import ROLE_MAP, Provider, running_provider

from .conftest import (
    PERSONAS,
    LiveServer,
    _app_env,
    _free_port,
    _run_cli,
    assert_accessible,
    create_personas,
    login_as,
    running_server,
    screenshot,
    set_language,
)

pytestmark = pytest.mark.e2e

BUTTON = {"nl": "Inloggen met Haarlem Entra ID", "en": "Log in with Haarlem Entra ID"}
REFUSED = {"nl": "U kunt niet inloggen", "en": "You cannot log in"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        running.set_user(
            "noor", email="noor@example.org", email_verified=True, name="Noor Projectleider",
            groups=["dw-leads"],
        )  # fmt: skip
        running.set_user("gast", email="gast@example.org", name="Gast", groups=["visitors"])
        yield running


@pytest.fixture(scope="module")
def sso_server(
    tmp_path_factory: pytest.TempPathFactory, provider: Provider
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("datawaarden-sso")
    port = _free_port()
    env = _app_env(data_dir)
    env.update(
        DATAWAARDEN_BASE_URL=f"http://127.0.0.1:{port}",
        DATAWAARDEN_OIDC_ISSUER=provider.issuer,
        DATAWAARDEN_OIDC_CLIENT_ID="datawaarden",
        DATAWAARDEN_OIDC_CLIENT_SECRET="e2e-secret",
        DATAWAARDEN_OIDC_ROLE_CLAIM="groups",
        DATAWAARDEN_OIDC_ROLE_MAP=json.dumps(ROLE_MAP),
        DATAWAARDEN_OIDC_PROVIDER_NAME="Haarlem Entra ID",
        DATAWAARDEN_LOCAL_LOGIN="on",
    )
    _run_cli(["init"], env=env)
    create_personas(env, [PERSONAS["admin"]])  # the break-glass administrator
    with running_server(data_dir, env, port=port) as server:
        yield server


@pytest.fixture
def sso_context(browser: Browser, sso_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=sso_server.base_url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    yield context
    context.close()


@pytest.fixture
def sso_page(sso_context: BrowserContext) -> Iterator[Page]:
    page = sso_context.new_page()
    yield page
    page.close()


def sign_in_at_provider(page: Page, sub: str) -> None:
    """The provider's own page: type the subject and authorise, as a person would."""
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()


def test_it_logs_in_through_the_providers_page_and_out_at_the_provider(
    sso_page: Page, sso_server: LiveServer, provider: Provider
):
    page = sso_page
    page.goto("/assessments")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name=BUTTON["nl"]).click()
    expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer) + "/oauth2/authorize"))
    sign_in_at_provider(page, "noor")
    expect(page).to_have_url(f"{sso_server.base_url}/assessments")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    expect(page.get_by_text("Noor Projectleider").first).to_be_visible()
    screenshot(page, "sso-logged-in", lang="nl")

    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile("^" + re.escape(provider.issuer) + "/oauth2/end_session"))
    assert "id_token_hint=" in page.url
    expect(page.get_by_text("Recommended parameter")).to_have_count(0)  # the hint arrived
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(f"{sso_server.base_url}/login")
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    page.goto("/assessments")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_break_glass_administrator_logs_in_with_a_password(sso_page: Page, sso_server):
    login_as(sso_page, sso_server.base_url, PERSONAS["admin"])
    sso_page.goto("/admin/users")
    expect(sso_page.get_by_role("heading", name="Gebruikers")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_login_and_refusal_pages_pass_axe(sso_page: Page, lang: str, width: int):
    page = sso_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/login")
    set_language(page, lang)
    expect(page.get_by_role("link", name=BUTTON[lang])).to_be_visible()
    assert_accessible(page, context_name=f"login with single sign-on ({lang}, {width}px)")
    screenshot(page, f"sso-login-{width}", lang=lang)
    page.get_by_role("link", name=BUTTON[lang]).click()
    sign_in_at_provider(page, "gast")
    expect(page.get_by_role("heading", name=REFUSED[lang])).to_be_visible()
    assert_accessible(page, context_name=f"single sign-on refused ({lang}, {width}px)")
    if width == 390:
        screenshot(page, "sso-refused", lang=lang)
