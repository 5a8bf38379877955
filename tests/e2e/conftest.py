"""Browser-test harness: a real uvicorn server on a free port, a headless Chromium driven by
Playwright (sync API), personas created through the `datawaarden` CLI, and helpers for
logging in, switching language, screenshots and axe-core accessibility checks.

Run with `.venv/bin/python -m pytest tests/e2e -x -q`. Nothing here downloads browsers:
the system Chromium at /usr/bin/chromium is used.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    expect,
    sync_playwright,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
AXE_SOURCE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PYTHON = sys.executable
CLI = Path(sys.executable).parent / "datawaarden"  # the venv's console script

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

SERVER_START_TIMEOUT = 180.0  # seconds until /healthz must answer 200 (generous: a busy machine)
POLL_INTERVAL = 0.1
CLI_TIMEOUT = 60.0
CLI_ERROR_LINES = 40  # lines of a failing CLI command's stderr shown in the error
SERVER_LOG_LINES = 150  # lines of server log shown with a failing test

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The UI texts the tests look for, per language (the app's default language is Dutch).
TEXTS = {
    "nl": {
        "email": "E-mailadres",
        "password": "Wachtwoord",
        "login": "Inloggen",
        "logout": "Uitloggen",
        "switch_to_other": "English",
        "skip_link": "Direct naar de inhoud",
    },
    "en": {
        "email": "E-mail address",
        "password": "Password",
        "login": "Log in",
        "logout": "Log out",
        "switch_to_other": "Nederlands",
        "skip_link": "Skip to main content",
    },
}


@dataclass(frozen=True)
class Persona:
    """A test account created through the CLI before the server starts."""

    key: str
    email: str
    name: str
    roles: tuple[str, ...]
    password: str


PERSONAS: dict[str, Persona] = {
    p.key: p
    for p in (
        Persona("lead", "lead@example.org", "Lotte Leider", ("lead",), "Correct-Horse-Battery-42"),
        Persona(
            "admin", "admin@example.org", "Bas Beheerder", ("admin",), "Correct-Horse-Staple-43"
        ),
        Persona("board", "board@example.org", "Bram Lid", ("board",), "Correct-Horse-Saddle-44"),
        Persona(
            "chair",
            "chair@example.org",
            "Vera Voorzitter",
            ("chair", "board"),
            "Correct-Horse-Bridle-45",
        ),
        Persona(
            "auditor",
            "auditor@example.org",
            "Anouk Controle",
            ("auditor",),
            "Correct-Horse-Stable-46",
        ),
    )
}


@dataclass(frozen=True)
class LiveServer:
    """The running application."""

    base_url: str
    data_dir: Path
    log_path: Path


_LOG_KEY = pytest.StashKey[tuple[Path, int]]()


# --- server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_env(data_dir: Path) -> dict[str, str]:
    # The theme passes through, so that the browser tests can judge another organisation's.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DATAWAARDEN_") or k == "DATAWAARDEN_THEME"
    }
    env.update(
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_SECRET_KEY=secrets.token_urlsafe(36)[:48],
        PYTHONUNBUFFERED="1",
    )
    return env


def _run_cli(args: list[str], *, env: dict[str, str], stdin: str | None = None) -> None:
    """Run a `datawaarden` command; fail the session with its output when it fails."""
    result = subprocess.run(
        [str(CLI), *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`datawaarden {' '.join(args)}` exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr (last {CLI_ERROR_LINES} lines) ---\n"
            + "\n".join(result.stderr.splitlines()[-CLI_ERROR_LINES:]),
            pytrace=False,
        )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running_server(
    data_dir: Path, env: dict[str, str], *, port: int | None = None
) -> Iterator[LiveServer]:
    """Start uvicorn with this environment and wait for /healthz; stop it afterwards."""
    port = port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "uvicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(f"{base_url}/healthz"):
            if process.poll() is not None:
                pytest.fail(
                    f"uvicorn exited with {process.returncode} before answering /healthz:\n"
                    f"{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"uvicorn did not answer /healthz with 200 within {SERVER_START_TIMEOUT}s:\n"
                    f"{log_path.read_text(errors='replace')}",
                    pytrace=False,
                )
            time.sleep(POLL_INTERVAL)
        yield LiveServer(base_url=base_url, data_dir=data_dir, log_path=log_path)
    finally:
        _stop(process)


def create_personas(env: dict[str, str], personas: Iterable[Persona]) -> None:
    """Create accounts through the CLI, as an administrator would."""
    for persona in personas:
        args = ["users", "create", "--email", persona.email, "--name", persona.name]
        for role in persona.roles:
            args += ["--role", role]
        _run_cli(args, env=env, stdin=persona.password + "\n")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Migrate a fresh database, create the personas, start uvicorn and wait for /healthz."""
    data_dir = tmp_path_factory.mktemp("datawaarden-e2e")
    env = _app_env(data_dir)
    _run_cli(["init"], env=env)
    create_personas(env, PERSONAS.values())
    with running_server(data_dir, env) as server:
        yield server


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.base_url


@pytest.fixture(scope="session")
def personas() -> dict[str, Persona]:
    return PERSONAS


# --- browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


# Refusals the app answers by design with a status the browser reports as a failed load: a
# login needed (401, after a session expired: the form is kept), a conflict with a newer answer
# (409) and input refused at the field (422). The quality bar asks a 4xx for every bad input,
# so Chromium's "Failed to load resource" line for those is expected; every other console
# error, an uncaught exception and a CSP violation fails the test.
DESIGNED_REFUSALS = re.compile(r"401|409|422")


# In every page: a CSP violation is logged with the element that caused it, so that a failing
# test names it (the browser's own message names only the script that made the change).
_REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) => {
  const el = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : String(e.target);
  console.error("CSP violation: " + e.violatedDirective + " by " + el);
});"""


class ConsoleWatch:
    """Collects a browser context's console errors, uncaught exceptions, CSP violations and
    failed loads of anything but the page itself (a test may open an error page on purpose;
    a stylesheet, script, image or htmx request that fails is a defect)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, context: BrowserContext) -> BrowserContext:
        context.add_init_script(_REPORT_CSP)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"uncaught: {error.error}"))
        context.on("response", self._response)
        return context

    def _console(self, message: ConsoleMessage) -> None:
        # The browser's line for a failed load says nothing the response check does not.
        if message.type != "error" or message.text.startswith("Failed to load resource"):
            return
        where = message.location.get("url", "") if message.location else ""
        self.problems.append(f"{message.text} ({where})")

    def _response(self, response: Response) -> None:
        if response.status < 400 or response.request.resource_type == "document":
            return
        if DESIGNED_REFUSALS.fullmatch(str(response.status)):
            return
        self.problems.append(f"{response.status} for {response.request.method} {response.url}")

    def assert_clean(self) -> None:
        assert not self.problems, "console errors or CSP violations in the browser:\n- " + (
            "\n- ".join(self.problems)
        )


@pytest.fixture
def console_watch(request: pytest.FixtureRequest) -> Iterator[ConsoleWatch]:
    """Every browser test fails on a console error, unless marked `console_errors_expected`
    (a test that makes the server fail on purpose)."""
    watch = ConsoleWatch()
    yield watch
    if request.node.get_closest_marker("console_errors_expected") is None:
        failed = getattr(request.node, "rep_call", None)
        if failed is None or not failed.failed:  # a failed test already says what went wrong
            watch.assert_clean()


@pytest.fixture
def context(
    browser: Browser, base_url: str, console_watch: ConsoleWatch
) -> Iterator[BrowserContext]:
    # A Dutch browser, so that a visitor without a language cookie gets the default language
    # whatever the locale of the machine running the tests.
    context = browser.new_context(
        base_url=base_url,
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
    )
    console_watch.attach(context)
    yield context
    context.close()


@pytest.fixture
def page(
    context: BrowserContext, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    # Remember where the server log stands, so a failing test can show what the server said.
    request.node.stash[_LOG_KEY] = (live_server.log_path, live_server.log_path.stat().st_size)
    page = context.new_page()
    yield page
    page.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the server's log lines written during a failing test to its report."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)  # console_watch reads whether the call failed
    if report.when != "call" or not report.failed or _LOG_KEY not in item.stash:
        return
    log_path, offset = item.stash[_LOG_KEY]
    with log_path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    if lines:
        report.sections.append(
            ("uvicorn log during this test", "\n".join(lines[-SERVER_LOG_LINES:]))
        )


# --- helpers -----------------------------------------------------------------------------


def html_lang(page: Page) -> str:
    return str(page.locator("html").get_attribute("lang") or "")


def set_language(page: Page, lang: str) -> None:
    """Switch the interface to `lang` ("nl" or "en") with the header's language button."""
    other = "en" if lang == "nl" else "nl"
    html = page.locator("html")
    if html_lang(page) != lang:
        page.get_by_role("button", name=TEXTS[other]["switch_to_other"], exact=True).click()
    expect(html).to_have_attribute("lang", lang)
    expect(
        page.get_by_role("button", name=TEXTS[lang]["switch_to_other"], exact=True)
    ).to_be_visible()


def login(page: Page, base_url: str, email: str, password: str, *, lang: str = "nl") -> None:
    """Log in through the login page (in Dutch), then make sure the UI speaks `lang`.

    Logging in applies the account's stored language preference; switching afterwards keeps
    every test independent of what earlier tests chose for the same persona.
    """
    page.goto(f"{base_url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label(TEXTS["nl"]["email"]).fill(email)
    page.get_by_label(TEXTS["nl"]["password"]).fill(password)
    page.get_by_role("button", name=TEXTS["nl"]["login"], exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))
    logout_name = re.compile(f"^({TEXTS['nl']['logout']}|{TEXTS['en']['logout']})$")
    expect(page.get_by_role("button", name=logout_name)).to_be_visible()
    set_language(page, lang)


def login_as(page: Page, base_url: str, persona: Persona, *, lang: str = "nl") -> None:
    login(page, base_url, persona.email, persona.password, lang=lang)


def screenshot(page: Page, name: str, *, lang: str | None = None) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/<name>-<lang>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}-{lang or html_lang(page) or 'xx'}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_SOURCE_PATH.read_text(encoding="utf-8")
    return _axe_source


def format_violations(violations: list[dict], *, context_name: str, url: str) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {context_name} ({url}):"]
    for violation in violations:
        lines.append("")
        impact = violation.get("impact") or "unknown impact"
        lines.append(f"* {violation['id']} [{impact}]: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation.get("nodes", []):
            target = ", ".join(
                json.dumps(t) if not isinstance(t, str) else t for t in node["target"]
            )
            lines.append(f"  - target: {target}")
            lines.append(f"    html:   {node['html']}")
            summary = (node.get("failureSummary") or "").strip()
            if summary:
                lines.extend(f"    {line}" for line in summary.splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page, *, context_name: str) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; fail on any violation.

    The app's CSP (`script-src 'self'`) blocks inline <script> tags, so axe is injected with
    page.evaluate, which runs through the DevTools protocol and is not subject to the CSP.
    """
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe())
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return {
                violations: results.violations.map((v) => ({
                    id: v.id,
                    impact: v.impact,
                    help: v.help,
                    helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({
                        target: n.target,
                        html: n.html,
                        failureSummary: n.failureSummary,
                    })),
                })),
                incomplete: results.incomplete.length,
            };
        }""",
        WCAG_TAGS,
    )
    violations = results["violations"]
    if violations:
        pytest.fail(
            format_violations(violations, context_name=context_name, url=page.url), pytrace=False
        )


@pytest.fixture
def no_js_page(
    browser: Browser, base_url: str, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """Like `page`, but in its own Dutch context with JavaScript switched off (the no-JS path)."""
    request.node.stash[_LOG_KEY] = (live_server.log_path, live_server.log_path.stat().st_size)
    context = browser.new_context(
        base_url=base_url,
        locale="nl-NL",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    )
    page = context.new_page()
    yield page
    context.close()
