"""Signing after single sign-on in Chromium: a chair who logs in through the provider presses
"Confirm who you are at …" on the advice page, logs in again on the provider's own page, comes
back to a signing form without a password field and signs; a confirmation by someone else is
refused with a way back. The pages pass axe at 1280 and 390 px in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from app.db import make_engine
from app.questionnaires.registry import sync_questionnaires
from app.users.models import User
from tests.oidc_provider import ROLE_MAP, Provider, running_provider
from tests.reports.conftest import World, drive_to_advice

from .conftest import (
    PERSONAS,
    LiveServer,
    _app_env,
    _free_port,
    _run_cli,
    assert_accessible,
    create_personas,
    running_server,
    screenshot,
    set_language,
)
from .test_sso_login import sign_in_at_provider

pytestmark = pytest.mark.e2e

CONFIRM = {
    "nl": "Bevestig bij Haarlem Entra ID wie u bent",
    "en": "Confirm who you are at Haarlem Entra ID",
}
SIGN = {"nl": "Het adviesrapport ondertekenen", "en": "Sign the advice report"}
QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "questionnaires"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        running.set_user(
            "sanne", email="sanne@example.org", email_verified=True, name="Sanne Voorzitter",
            groups=["dw-chair"],
        )  # fmt: skip
        running.set_user("indringer", email="indringer@example.org", groups=["dw-chair"])
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("datawaarden-step-up")
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
    )
    _run_cli(["init"], env=env)
    create_personas(env, [PERSONAS[key] for key in ("lead", "board", "chair")])
    with running_server(data_dir, env, port=port) as live:
        yield live


@pytest.fixture(scope="module")
def world(server: LiveServer) -> Iterator[World]:
    """The server's own database, to bring assessments to a final advice (the committee's work
    is not what these tests are about)."""
    url = f"sqlite:///{server.data_dir / 'datawaarden.db'}"
    engine = make_engine(url)
    with Session(engine) as session:
        sync_questionnaires(session, QUESTIONNAIRES)
        session.commit()
        users = {
            key: session.exec(select(User.id).where(User.email == PERSONAS[key].email)).one()
            for key in ("lead", "board", "chair")
        }
    yield World(engine, url, users)  # type: ignore[arg-type]
    engine.dispose()


@pytest.fixture
def chair_page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.base_url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/login")
    page.get_by_role("link", name="Inloggen met Haarlem Entra ID").click()
    sign_in_at_provider(page, "sanne")
    expect(page.get_by_text("Sanne Voorzitter").first).to_be_visible()
    yield page
    context.close()


def test_the_chair_confirms_at_the_provider_and_signs(chair_page: Page, world: World, server):
    page = chair_page
    advice = f"/committee/assessments/{drive_to_advice(world, comment=None)}/advice"
    page.goto(advice)
    set_language(page, "nl")  # the account keeps the language an earlier test chose
    expect(page.get_by_role("button", name=CONFIRM["nl"])).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_role("button", name=CONFIRM["nl"]).click()
    sign_in_at_provider(page, "sanne")  # the provider asks again (prompt=login)
    expect(page).to_have_url(f"{server.base_url}{advice}")
    expect(page.get_by_text("U hebt bevestigd wie u bent. U kunt nu ondertekenen.")).to_be_visible()
    page.get_by_role("button", name=SIGN["nl"]).click()
    expect(page.get_by_text("Het adviesrapport is ondertekend en gearchiveerd.")).to_be_visible(
        timeout=60_000  # rendering and signing take seconds
    )


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_confirmation_pages_pass_axe(chair_page: Page, world: World, lang: str, width: int):
    page = chair_page
    page.set_viewport_size({"width": width, "height": 900})
    advice = f"/committee/assessments/{drive_to_advice(world, comment=None)}/advice"
    page.goto(advice)
    set_language(page, lang)
    expect(page.get_by_role("button", name=CONFIRM[lang])).to_be_visible()
    assert_accessible(page, context_name=f"signing asks for a confirmation ({lang}, {width}px)")
    if width == 390:
        screenshot(page, "sso-step-up", lang=lang)
    page.get_by_role("button", name=CONFIRM[lang]).click()
    sign_in_at_provider(page, "indringer")  # someone else logs in at the provider
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, context_name=f"a confirmation refused ({lang}, {width}px)")
    page.get_by_role("link", name=re.compile("Terug naar het advies|Back to the advice")).click()
    page.get_by_role("button", name=CONFIRM[lang]).click()
    sign_in_at_provider(page, "sanne")
    expect(page.get_by_role("button", name=SIGN[lang])).to_be_visible()
    expect(page.locator("input[type=password]")).to_have_count(0)
    assert_accessible(page, context_name=f"signing after a confirmation ({lang}, {width}px)")
