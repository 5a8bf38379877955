"""Moving a draft to a newer questionnaire version in Chromium: a server of its own whose
questionnaires directory gets a version 2 of the Haarlem questionnaire after the lead started a
draft on version 1. The notice on the overview, the page with the differences (axe at 1280 and
390 px, in Dutch and English, no sideways scrolling) and the confirm form with JavaScript off."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from app.questionnaires.yaml_source import Yaml12Loader

from .conftest import (
    PERSONAS,
    REPO_ROOT,
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
from .test_lead_journey import start_assessment

pytestmark = pytest.mark.e2e

V1 = REPO_ROOT / "questionnaires" / "haarlem-datawaarden" / "v1.yaml"
WIDTHS = (1280, 390)


def _v2_document() -> dict:
    """Version 1 with a new question, a changed one (worded differently, now required) and a
    dropped one (`commissioning_client`, which no rule reads)."""
    doc = yaml.load(V1.read_text(encoding="utf-8"), Loader=Yaml12Loader)
    doc["version"] = 2
    profile = doc["sections"][0]
    profile["questions"] = [q for q in profile["questions"] if q["id"] != "commissioning_client"]
    start = next(q for q in profile["questions"] if q["id"] == "start_date")
    start["required"] = True
    start["label"] = {"nl": "Wanneer begint het project?", "en": "When does the project start?"}
    profile["questions"].insert(
        1,
        {
            "id": "project_goal",
            "type": "short_text",
            "label": {"nl": "Doel van het project", "en": "Goal of the project"},
            "help": {"nl": "In één zin.", "en": "In one sentence."},
            "basis": list(profile["questions"][0]["basis"]),
        },
    )
    return doc


@dataclass(frozen=True)
class Server:
    live: LiveServer
    env: dict[str, str]
    questionnaires: Path

    @property
    def base_url(self) -> str:
        return self.live.base_url

    def add_v2(self) -> None:
        """Put version 2 next to version 1 and load it, as an administrator would."""
        target = self.questionnaires / "haarlem-datawaarden" / "v2.yaml"
        # JSON is YAML too, and quotes every text (so "no" stays a text, not a boolean).
        target.write_text(json.dumps(_v2_document(), ensure_ascii=False, indent=1), "utf-8")
        _run_cli(["init"], env=self.env)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("datawaarden-new-version")
    questionnaires = data_dir / "questionnaires"
    (questionnaires / "haarlem-datawaarden").mkdir(parents=True)
    shutil.copy(V1, questionnaires / "haarlem-datawaarden" / "v1.yaml")
    env = {**_app_env(data_dir), "DATAWAARDEN_QUESTIONNAIRES_DIR": str(questionnaires)}
    _run_cli(["init"], env=env)
    create_personas(env, [PERSONAS["lead"]])
    with running_server(data_dir, env) as live:
        yield Server(live, env, questionnaires)


@pytest.fixture
def lead_pages(browser: Browser, server: Server) -> Iterator[dict[str, Page]]:
    contexts = [
        browser.new_context(
            base_url=server.base_url,
            locale="nl-NL",
            viewport={"width": 1280, "height": 900},
            java_script_enabled=js,
        )
        for js in (True, False)
    ]
    pages = {"js": contexts[0].new_page(), "no_js": contexts[1].new_page()}
    for page in pages.values():
        login_as(page, server.base_url, PERSONAS["lead"])
    yield pages
    for context in contexts:
        context.close()


def test_it_moves_a_draft_to_version_2_from_an_accessible_page_without_javascript(
    server: Server, lead_pages: dict[str, Page]
) -> None:
    base = server.base_url
    page = lead_pages["no_js"]
    assessment_id = start_assessment(page, base, "Parkeervergunningen digitaal")
    page.goto(f"{base}/assessments/{assessment_id}/sections/profile")
    page.locator("#a-commissioning_client").fill("Team Parkeren")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    server.add_v2()

    overview = lead_pages["js"]
    overview.goto(f"{base}/assessments/{assessment_id}")
    notice = overview.locator(".new-version")
    expect(notice).to_be_visible()
    assert_accessible(overview, context_name="overview with the new-version notice (nl)")
    notice.get_by_role("link").click()
    expect(overview).to_have_url(f"{base}/assessments/{assessment_id}/new-version")
    for lang in ("nl", "en"):
        set_language(overview, lang)
        expect(overview.locator("#vc-lost + p + ul")).to_contain_text("Team Parkeren")
        for width in WIDTHS:
            overview.set_viewport_size({"width": width, "height": 900})
            screenshot(overview, f"new-version-{width}", lang=lang)
            assert_accessible(overview, context_name=f"new-version page at {width} px ({lang})")
            used = overview.evaluate("() => document.documentElement.scrollWidth")
            assert used <= width, f"{used} px wide at {width} px ({lang})"
    set_language(overview, "nl")

    page.goto(f"{base}/assessments/{assessment_id}/new-version")
    page.locator("form.confirm-form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/assessments/{assessment_id}")
    expect(page.locator("#flash")).to_contain_text("2")
    expect(page.locator(".new-version")).to_have_count(0)
    page.goto(f"{base}/assessments/{assessment_id}/sections/profile")
    expect(page.locator("#a-project_goal")).to_be_visible()
    expect(page.locator("#a-commissioning_client")).to_have_count(0)
