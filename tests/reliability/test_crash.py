"""Crash safety: the server is killed with SIGKILL in the middle of a stream of saves. After a
restart every acknowledged save is there, SQLite's integrity check passes and the audit chain
verifies."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Lange-Zin-Voor-Een-Stroomstoring-7"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_SECRET_KEY="crash-" + secrets.token_urlsafe(32),
    )
    return env


def _start(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _login(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=5)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            "/login", data={"email": "crash@example.org", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 303
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    return client, token


def test_it_keeps_every_acknowledged_save_after_a_sigkill(tmp_path):
    env = _env(tmp_path / "data")
    subprocess.run(
        [sys.executable, "-m", "app", "init"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "users",
            "create",
            "--email",
            "crash@example.org",
            "--name",
            "Crash Test",
            "--role",
            "lead",
        ],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = _start(env, port)
    base = f"http://127.0.0.1:{port}"
    client, token = _login(base)
    page = client.get("/assessments/new").text
    version = re.search(r'<option value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    created = client.post(
        "/assessments/new",
        data={
            "title": "Crash",
            "department": "IV",
            "description": "x",
            "questionnaire": version,
            "csrf_token": token,
        },
    )
    location = created.headers["location"]
    acknowledged: list[str] = []
    stop = threading.Event()

    def saver() -> None:
        n = 0
        while not stop.is_set():
            value = f"opgeslagen tekst {n}"
            try:
                r = client.post(
                    f"{location}/answers/plain_description",
                    data={
                        "a-plain_description": value,
                        "v-plain_description": str(len(acknowledged)),
                    },
                    headers={"HX-Request": "true", "X-CSRF-Token": token},
                )
            except httpx.HTTPError:
                return  # the server is gone
            if r.status_code == 200:
                acknowledged.append(value)
            n += 1

    thread = threading.Thread(target=saver)
    thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)  # mid-stream: saves are in flight
    server.wait(timeout=10)
    stop.set()
    thread.join(timeout=30)
    assert len(acknowledged) >= 40

    restarted = _start(env, port)
    try:
        assert httpx.get(f"{base}/healthz", timeout=5).json()["database"] == "ok"
    finally:
        restarted.terminate()
        restarted.wait(timeout=20)

    db = sqlite3.connect(tmp_path / "data" / "datawaarden.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = [
            json.loads(v)
            for (v,) in db.execute(
                "SELECT new_value_json FROM answer_revisions WHERE question_id = 'plain_description' ORDER BY id"
            )
        ]
        version_now = db.execute(
            "SELECT version FROM answers WHERE question_id = 'plain_description'"
        ).fetchone()[0]
    finally:
        db.close()
    assert stored[: len(acknowledged)] == acknowledged  # every acknowledged save, in order
    assert version_now >= len(acknowledged)
    verify = subprocess.run(
        [sys.executable, "-m", "app", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stderr
