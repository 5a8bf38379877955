"""The NL Design System assets and the organisation's theme: served by the app from the pinned
npm packages and the file DATAWAARDEN_THEME names, under the strict CSP, without inline styles."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine

from app.config import ROOT, THEMES_DIR, Settings, SettingsError, get_settings, load_settings
from app.main import create_app
from tests.conftest import Client

LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
PINNED = {
    name: LOCK["packages"][f"node_modules/{name}"]["version"]
    for name in ("@utrecht/component-library-css", "@utrecht/design-tokens")
}


def _client(settings: Settings) -> Client:
    return Client(create_app(settings, engine=create_engine("sqlite://")))


def _stylesheets(html: str) -> list[str]:
    soup = BeautifulSoup(html, "lxml")
    return [str(link["href"]) for link in soup.select("head link[rel=stylesheet]")]


def test_it_pins_the_nl_design_system_packages_exactly():
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in PINNED.items():
        assert wanted[name] == version, f"{name} must be pinned to an exact version"
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)


def test_it_links_the_tokens_components_theme_and_layout_in_cascade_order(client):
    sheets = _stylesheets(client.get("/login").text)

    assert sheets == [
        f"/static/vendor/@utrecht/design-tokens@{PINNED['@utrecht/design-tokens']}/theme.css",
        "/static/vendor/@utrecht/component-library-css@"
        f"{PINNED['@utrecht/component-library-css']}/index.css",
        "/static/theme.css",
        "/static/css/app.css",
    ]


def test_it_serves_the_pinned_packages_from_node_modules(client):
    files = {
        "@utrecht/design-tokens": "theme.css",
        "@utrecht/component-library-css": "index.css",
    }
    for name, file in files.items():
        response = client.get(f"/static/vendor/{name}@{PINNED[name]}/{file}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("text/css")
        assert response.content == (ROOT / "node_modules" / name / "dist" / file).read_bytes()
        assert "default-src 'self'" in response.headers["content-security-policy"]


def test_it_serves_haarlem_tokens_by_default(client):
    response = client.get("/static/theme.css")

    assert get_settings().theme == "haarlem"
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.content == (THEMES_DIR / "haarlem.css").read_bytes()
    assert "--utrecht-button-primary-action-background-color" in response.text


def test_it_serves_the_theme_of_another_municipality_from_a_path(tmp_path):
    theme = tmp_path / "zandvoort.css"
    theme.write_text(".utrecht-theme { --utrecht-link-color: #004488; }\n", encoding="utf-8")
    settings = get_settings().model_copy(update={"theme": str(theme)})

    with _client(settings) as c:
        response = c.get("/static/theme.css")
        # Only the named file is served, never the folder it is in.
        assert c.get("/static/theme/zandvoort.css").status_code == 404

    assert response.status_code == 200
    assert "#004488" in response.text


def test_it_picks_a_theme_of_the_themes_folder_by_name():
    settings = get_settings().model_copy(update={"theme": "utrecht"})

    with _client(settings) as c:
        response = c.get("/static/theme.css")

    assert response.status_code == 200
    assert response.content == (THEMES_DIR / "utrecht.css").read_bytes()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("rotterdam", "file not found"),
        ("/nowhere/theme.css", "file not found"),
        ("../../etc/passwd", "not a theme name"),
    ],
)
def test_it_refuses_a_theme_that_is_not_there_in_one_line(monkeypatch, value, says):
    monkeypatch.setenv("DATAWAARDEN_THEME", value)

    with pytest.raises(SettingsError) as excinfo:
        load_settings()

    message = str(excinfo.value)
    assert message.startswith("Invalid setting: DATAWAARDEN_THEME: ")
    assert says in message
    assert "\n" not in message


def test_it_keeps_every_page_template_free_of_inline_styles():
    """The CSP allows stylesheets from the app only (style-src 'self'): no style attributes or
    elements in the page templates (the PDF templates are rendered by WeasyPrint, not a browser)."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\sstyle=|<style\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_it_keeps_the_strict_content_security_policy(client):
    csp = client.get("/login").headers["content-security-policy"]

    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
