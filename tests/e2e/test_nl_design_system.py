"""Browser test of the NL Design System pages: every page type, as the role that uses it sees
it, carries the Utrecht component classes, loads the component stylesheet from the path of the
version pinned in package-lock.json (served by the app, no CDN), shows the organisation's theme
(Haarlem's red by default) and passes axe-core (WCAG 2.1 A/AA) at 1280 and 390 px, in Dutch and
in English, without scrolling sideways on the phone. Screenshots of the key pages go to
test-artifacts/screenshots (nlds-*)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import REPO_ROOT, TEXTS, screenshot, set_language
from .test_full_journey import (
    Q_CLIENT_ID,
    Actors,
    AxeLog,
    Journey,
    auditor_downloads_report,
    auditor_verifies_report,
    board_comments_and_sends_back,
    board_drafts_advice,
    board_gives_a_verdict,
    board_publishes,
    board_records_opinion,
    board_sees_the_change,
    chair_finalises,
    chair_opens_advice,
    chair_signs,
    lead_changes_the_answer,
    lead_reads_the_comment,
    lead_replies,
    lead_starts_and_fills,
    lead_submits,
    open_advice,
    visitor_reads_register,
)
from .test_full_journey import actors as actors  # the fixture, used by name
from .test_lead_journey import assert_focus_visible, focus_info

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
LANGS = ("nl", "en")
HAARLEM_RED = "rgb(166, 25, 46)"  # #a6192e, themes/haarlem.css

_LOCK = json.loads((REPO_ROOT / "package-lock.json").read_text(encoding="utf-8"))


def pinned(name: str) -> str:
    return str(_LOCK["packages"][f"node_modules/{name}"]["version"])


STYLESHEETS = [
    f"/static/vendor/@utrecht/design-tokens@{pinned('@utrecht/design-tokens')}/theme.css",
    "/static/vendor/@utrecht/component-library-css@"
    f"{pinned('@utrecht/component-library-css')}/index.css",
    "/static/theme.css",
    "/static/css/app.css",
]

# On every page: the theme, the page header and footer, a heading, links, the skip link.
EVERY_PAGE = (
    "html.utrecht-theme",
    "body.utrecht-body",
    ".utrecht-skip-link",
    ".utrecht-page-header",
    ".utrecht-page-content",
    ".utrecht-page-footer",
    "h1.utrecht-heading-1",
    "a.utrecht-link",
)
LOGGED_IN = ("nav.utrecht-nav-bar", ".utrecht-nav-list__link", "button.utrecht-link-button")
FORM = (".utrecht-form-field", ".utrecht-form-label", ".utrecht-button")
TABLE = ("table.utrecht-table", ".utrecht-table__header-cell", ".utrecht-table__cell")


@dataclass(frozen=True)
class View:
    """One page type: who looks at it, where, and which component classes it must show."""

    name: str
    who: str | None  # a persona, or None for a visitor
    path: str
    classes: tuple[str, ...] = ()
    status: int = 200
    shot: bool = False


def views(j: Journey, user_id: str) -> list[View]:
    a = f"/assessments/{j.assessment_id}"
    c = f"/committee/assessments/{j.assessment_id}"
    return [
        View("login", None, "/login", (*FORM, ".utrecht-textbox"), shot=True),
        View("register list", None, "/register", (".utrecht-textbox",), shot=True),
        View("register detail", None, f"/register/{j.reference}", (), shot=True),
        View("verify", None, "/verify", (*FORM, ".utrecht-button--primary-action")),
        View("accessibility statement", None, "/toegankelijkheid", (".utrecht-paragraph",)),
        View("problem types", None, "/problems", ()),
        View("problem type", None, "/problems/storage-full", ()),
        View("404 (visitor)", None, "/register/NIET-BESTAAND", (), status=404),
        View("home", "lead", "/", LOGGED_IN, shot=True),
        View(
            "assessment list", "lead", "/assessments", (*LOGGED_IN, *TABLE, ".utrecht-button-link")
        ),
        View(
            "new assessment",
            "lead",
            "/assessments/new",
            (*FORM, ".utrecht-textarea", ".utrecht-select"),
        ),
        View("import", "lead", "/assessments/import", FORM),
        View("overview", "lead", a, (".utrecht-badge-status", ".utrecht-heading-2"), shot=True),
        View(
            "section",
            "lead",
            f"{a}/sections/profile",
            (".utrecht-form-fieldset", ".utrecht-alert--info", ".utrecht-table"),
            shot=True,
        ),
        View("review", "lead", f"{a}/review", (".utrecht-heading-2", ".utrecht-badge-status")),
        View("answer history", "lead", f"{a}/questions/{Q_CLIENT_ID}/history", TABLE),
        View("comments", "lead", f"{a}/comments", (".utrecht-heading-3",)),
        View("audit trail", "lead", f"{a}/audit", TABLE),
        View("notifications", "lead", "/notifications", LOGGED_IN),
        View("api tokens", "lead", "/account/tokens", (*FORM, ".utrecht-textbox")),
        View("403", "lead", "/committee", LOGGED_IN, status=403),
        View("404 (logged in)", "lead", "/assessments/999999", LOGGED_IN, status=404),
        View("committee inbox", "board", "/committee", (*FORM, ".utrecht-select")),
        View(
            "committee review",
            "board",
            c,
            (".utrecht-button-link", ".utrecht-badge-status"),
            shot=True,
        ),
        View(
            "advice",
            "board",
            f"{c}/advice",
            (".utrecht-alert--info", ".utrecht-heading-3"),
            shot=True,
        ),
        View("archive search", "auditor", "/archive", (*TABLE, ".utrecht-textbox")),
        View(
            "archive detail",
            "auditor",
            f"/archive/{j.assessment_id}",
            (".utrecht-button-link",),
            shot=True,
        ),
        View("audit log", "auditor", "/audit", (*TABLE, ".utrecht-select")),
        View("verify (logged in)", "auditor", "/verify", (*LOGGED_IN, *FORM)),
        View("user list", "admin", "/admin/users", (*TABLE, ".utrecht-button-link"), shot=True),
        View(
            "new user",
            "admin",
            "/admin/users/new",
            (*FORM, ".utrecht-checkbox", ".utrecht-radio-button"),
        ),
        View("edit user", "admin", f"/admin/users/{user_id}", (*FORM, ".utrecht-button--danger")),
    ]


_LOADED_SHEETS = """() => [...document.styleSheets].map((sheet) => {
  let rules = -1;
  try { rules = sheet.cssRules.length; } catch (error) { rules = -1; }
  return {href: sheet.href, rules, owner: sheet.ownerNode ? sheet.ownerNode.tagName : ""};
})"""


def check_view(page: Page, view: View, base_url: str, lang: str, width: int) -> list[str]:
    """What is wrong with one view: missing classes, stylesheets, sideways scrolling."""
    where = f"{view.name} ({view.path}, {lang}, {width} px)"
    problems = []
    for selector in EVERY_PAGE + view.classes:
        if page.locator(selector).count() == 0:
            problems.append(f"{where}: no {selector}")
    sheets = page.evaluate(_LOADED_SHEETS)
    hrefs = [s["href"] for s in sheets]
    if hrefs != [base_url + path for path in STYLESHEETS]:
        problems.append(f"{where}: stylesheets {hrefs}")
    problems += [f"{where}: empty or unreadable {s['href']}" for s in sheets if s["rules"] <= 0]
    problems += [f"{where}: an inline <style>" for s in sheets if s["owner"] == "STYLE"]
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
        problems.append(f"{where}: the page scrolls sideways")
    return problems


def first_user_id(page: Page, base_url: str) -> str:
    page.goto(f"{base_url}/admin/users")
    href = page.locator("table a[href^='/admin/users/']").first.get_attribute("href") or ""
    return href.rsplit("/", 1)[-1]


def published_assessment(actors: Actors, base_url: str, folder: Path, visitor: Page) -> Journey:
    """The whole journey of test_full_journey.run_journey, to a signed and published advice:
    every page type then has something to show."""
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, actors.open("lead"))
    lead_submits(j)
    board_comments_and_sends_back(j, actors.open("board"))
    lead_reads_the_comment(j)
    lead_replies(j)
    lead_changes_the_answer(j)
    lead_submits(j)
    board_sees_the_change(j)
    board_gives_a_verdict(j.pages["board"])
    open_advice(j, j.pages["board"])
    board_drafts_advice(j)
    board_records_opinion(j)
    chair_opens_advice(j, actors.open("chair"))
    chair_finalises(j)
    chair_signs(j)
    auditor_downloads_report(j, actors.open("auditor"), folder)
    auditor_verifies_report(j)
    board_publishes(j)
    visitor_reads_register(j, visitor)
    return j


def test_it_builds_every_page_type_from_the_nl_design_system(
    actors: Actors, base_url: str, tmp_path: Path
) -> None:
    # The visitor and the administrator come first: their pages stay open through the journey.
    pages: dict[str, Page] = {"visitor": actors.open(None), "admin": actors.open("admin")}
    j = published_assessment(actors, base_url, tmp_path, pages["visitor"])
    for who in ("lead", "board", "auditor"):
        pages[who] = j.pages[who]
    all_views = views(j, first_user_id(pages["admin"], base_url))

    axe = AxeLog()
    problems: list[str] = []
    for lang in LANGS:
        for view in all_views:
            page = pages[view.who or "visitor"]
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(f"{base_url}{view.path}")
                assert response is not None
                if response.status != view.status:
                    problems.append(f"{view.name} ({view.path}): status {response.status}")
                    continue
                if page.locator("html").get_attribute("lang") != lang:
                    set_language(page, lang)
                problems += check_view(page, view, base_url, lang, width)
                axe.check(page, f"{view.name} at {width} px", shot=None)
                if view.shot:
                    screenshot(page, f"nlds-{view.name.replace(' ', '-')}-{width}", lang=lang)
    report = list(axe.failures)
    if problems:
        report.insert(
            0,
            f"{len(problems)} problem(s) with the NL Design System pages:\n- "
            + "\n- ".join(problems),
        )
    if report:
        pytest.fail("\n\n".join(report), pytrace=False)


@pytest.mark.skipif(
    os.environ.get("DATAWAARDEN_THEME", "haarlem") != "haarlem", reason="another theme is tested"
)
def test_it_shows_the_haarlem_theme_and_a_visible_focus(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    button = page.get_by_role("button", name=TEXTS["nl"]["login"], exact=True)

    header = page.locator(".utrecht-page-header")
    assert header.evaluate("(el) => getComputedStyle(el).backgroundColor") == HAARLEM_RED
    assert button.evaluate("(el) => getComputedStyle(el).backgroundColor") == HAARLEM_RED
    assert button.evaluate("(el) => getComputedStyle(el).color") == "rgb(255, 255, 255)"

    page.get_by_label(TEXTS["nl"]["password"]).focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    assert_focus_visible(focus_info(page))


def test_it_serves_the_component_stylesheet_of_the_pinned_version(
    page: Page, base_url: str
) -> None:
    version = pinned("@utrecht/component-library-css")
    package = REPO_ROOT / "node_modules" / "@utrecht" / "component-library-css"
    assert json.loads((package / "package.json").read_text())["version"] == version

    response = page.request.get(
        f"{base_url}/static/vendor/@utrecht/component-library-css@{version}/index.css"
    )

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.body() == (package / "dist" / "index.css").read_bytes()
    assert re.search(r"\.utrecht-button\b", response.text())
