"""Real server processes for tests: `datawaarden` commands and `datawaarden serve` on free
ports, each logging to a file, waited for on /readyz (a condition, not a sleep)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of the app: test mode, its own DATA_DIR and secret key, and `settings`
    (names without the DATAWAARDEN_ prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_SECRET_KEY="served-" + secrets.token_urlsafe(32),
        PYTHONUNBUFFERED="1",
    )
    env.update({f"DATAWAARDEN_{k.upper()}": v for k, v in settings.items()})
    return env


def cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    """Run `datawaarden …`; its standard output (the test fails with stderr when it fails)."""
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"datawaarden {' '.join(args)}: {result.stderr[-3000:]}"
    return result.stdout


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(condition, what: str, timeout: float = START_TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds; fail naming `what` when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _ready(server: Server, path: str = "/readyz") -> bool:
    if server.process.poll() is not None:
        raise AssertionError(f"the server exited:\n{server.output()[-3000:]}")
    try:
        return httpx.get(f"{server.url}{path}", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def serving(
    env: dict[str, str], log_dir: Path, count: int = 1, *extra: str, ready: str = "/readyz"
) -> Iterator[list[Server]]:
    """`count` processes of `datawaarden serve`, each on its own port, answering 200 on
    `ready`."""
    servers: list[Server] = []
    try:
        for n in range(count):
            port = free_port()
            log = log_dir / f"server-{n}-{port}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "app", "serve", "--port", str(port), *extra],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            servers.append(Server(f"http://127.0.0.1:{port}", process, log))
        for server in servers:
            wait_until(lambda s=server: _ready(s, ready), f"{server.url}{ready}")
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=15)


def csrf_token(client: httpx.Client, url: str) -> str:
    found = CSRF.search(client.get(url).text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def log_in(client: httpx.Client, base: str, email: str, password: str) -> httpx.Response:
    token = csrf_token(client, f"{base}/login")
    return client.post(
        f"{base}/login", data={"email": email, "password": password, "csrf_token": token}
    )
