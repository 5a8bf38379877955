"""Shared set-up for benchmarks: a temporary database, users and a running server."""

from __future__ import annotations

import atexit
import html
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Password-1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        DATAWAARDEN_LOGIN_MAX_FAILURES="100",
        DATAWAARDEN_LOG_LEVEL="WARNING",  # no access line per request
    )
    if database_url:
        env["DATAWAARDEN_DATABASE_URL"] = database_url
    return env


@contextmanager
def server(env: dict[str, str], *, workers: int = 1) -> Iterator[str]:
    """Run uvicorn on a free loopback port until the block ends."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.asgi:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def servers(env: dict[str, str], *, processes: int = 1, workers: int = 1) -> Iterator[list[str]]:
    """`processes` servers side by side on the same database, each on its own port."""
    with ExitStack() as stack:
        yield [stack.enter_context(server(env, workers=workers)) for _ in range(processes)]


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return result.stdout


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": statistics.median(values) * 1000 if values else float("nan"),
        "p95_ms": percentile(values, 95) * 1000,
        "p99_ms": percentile(values, 99) * 1000,
    }


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> bool:
    """Log an async client in (an app in-process or a server); False when refused."""
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    return r.status_code == 303


def cookie_header(client: httpx.AsyncClient | httpx.Client) -> str:
    """The client's cookies as one Cookie header (for requests sent past the client)."""
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def asgi_send(  # type: ignore[no-untyped-def]
    app,
    request: httpx.Request,
    cookie: str = "",
    on_sent: Callable[[httpx.Response, float], None] | None = None,
) -> tuple[httpx.Response, float]:
    """One request through the ASGI app in-process, without network or HTTP client in the
    measurement: the response and the server's time (seconds, from the call of the app until it
    returned, so the whole body included). Redirects are not followed. `on_sent` is called
    with the response and the time until its last byte was sent, before work the app does
    after the response (background tasks)."""
    raw_headers = [
        (k.lower().encode(), v.encode()) for k, v in request.headers.items() if k.lower() != "host"
    ] + [(b"host", b"bench")]
    if cookie:
        raw_headers.append((b"cookie", cookie.encode()))
    path = request.url.path
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": request.url.query,
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    body = [{"type": "http.request", "body": request.read(), "more_body": False}]
    out: dict = {"headers": [], "body": b""}

    async def receive() -> dict:
        return body.pop() if body else {"type": "http.disconnect"}

    def response() -> httpx.Response:
        headers = [(k.decode(), v.decode()) for k, v in out["headers"]]
        return httpx.Response(out["status"], headers=headers, content=out["body"])

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            out.update(status=message["status"], headers=message["headers"])
        else:
            out["body"] += message.get("body", b"")
            if on_sent is not None and not message.get("more_body", False):
                on_sent(response(), time.perf_counter() - start)

    start = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - start
    return response(), elapsed


def login(client: httpx.Client, email: str) -> str:
    """Log in; returns the CSRF token for later requests."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, response.text[:300]
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return token.group(1)


class _FormFields(HTMLParser):
    """The fields a browser submits for a form (inputs, checked boxes, textareas, selected
    options), in document order."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: list[list[str]] = []
        self._in_form = False
        self._textarea: list[str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.fields and self.action in a.get("action", ""):
            self._in_form = True
        if not self._in_form or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append([self._select, a.get("value", "")])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_fields(page: str, action: str) -> list[list[str]]:
    """What the first form whose action contains `action` would post (htmx posts the form
    around the field that changed)."""
    parser = _FormFields(action)
    parser.feed(page)
    return parser.fields


_AUTOSAVE = re.compile(r"<[a-z]+\b[^>]*\bhx-post=\"[^\"]*/answers/([\w-]+)\"[^>]*>")


def autosave_params(page: str) -> dict[str, list[str] | None]:
    """Per question, the fields its autosave posts (`hx-params`), or None for the whole form."""
    params: dict[str, list[str] | None] = {}
    for match in _AUTOSAVE.finditer(page):
        attrs = dict(_ATTR.findall(match.group(0)))
        listed = attrs.get("hx-params")
        params[match.group(1)] = [p.strip() for p in listed.split(",")] if listed else None
    return params


_OOB_INPUT = re.compile(r"<input\b[^>]*\bhx-swap-oob\b[^>]*>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def apply_oob_inputs(fields: list[list[str]], fragment: str) -> None:
    """Update hidden fields the way htmx's out-of-band swaps do (answer versions and the
    fingerprint of the decision-support panel)."""
    updates = {}
    for tag in _OOB_INPUT.findall(fragment):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            updates[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for field in fields:
        if field[0] in updates:
            field[1] = updates[field[0]]


class SectionPage:
    """A section page of the guided form as the browser holds it: the form's fields and what
    each question's autosave posts. An autosave is what htmx sends: the fields of the form
    that the field's `hx-params` lists (the answer, its version, the panel fingerprint), its
    own headers and the CSRF header; the answer's new version and the fingerprint come back
    as out-of-band swaps, which `apply` copies into the fields."""

    def __init__(self, html: str) -> None:
        self.fields = form_fields(html, "/sections/")
        self.params = autosave_params(html)

    def autosave(
        self, link: str, question: str, value: str
    ) -> tuple[str, dict[str, list[str]], dict[str, str]]:
        for field in self.fields:
            if field[0] == f"a-{question}":
                field[1] = value
        only = self.params[question]
        data: dict[str, list[str]] = {}
        for name, field_value in self.fields:
            if only is None or name in only:
                data.setdefault(name, []).append(field_value)
        token = next(v for k, v in self.fields if k == "csrf_token")
        headers = {
            "HX-Request": "true",
            "HX-Trigger": f"a-{question}",
            "HX-Target": f"status-{question}",
            "HX-Current-URL": f"{link}/sections/profile",
            "X-CSRF-Token": token,
        }
        return f"{link}/answers/{question}", data, headers

    def apply(self, response: httpx.Response) -> None:
        if response.status_code == 200:
            apply_oob_inputs(self.fields, response.text)


def temp_dir(prefix: str) -> Path:
    """A fresh directory for one benchmark's data, removed when the benchmark's process ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
