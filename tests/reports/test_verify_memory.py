"""The real server under a burst of decompression bombs: ten 255 KB PDFs that inflate to 250 MB
each, posted to /verify at once. Every upload gets a clear answer (a verdict that does not
confirm the file, or 503 with Retry-After), and the server's resident memory, sampled during the
burst and after it, stays within 300 MB of what it used before."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from app.config import get_settings
from tests.conftest import free_port
from tests.reports.bombs import MiB, bomb_pdf, large_json_pdf, signed

ROOT = Path(__file__).resolve().parents[2]
BURST = 10
HEADROOM = 300 * MiB
EN = {"Accept-Language": "en"}
BUSY = "Too many files are being checked at the moment. Please try again in a few seconds."


def resident_bytes(pid: int) -> int:
    """VmRSS of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None, status
    return int(match.group(1)) * 1024


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_SECRET_KEY="bombs-" + secrets.token_urlsafe(32),
        DATAWAARDEN_AUDIT_CHECKPOINT_FILE="off",
    )
    return env


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """uvicorn in a subprocess on a free port, with a fresh database and the test session's
    signing PKI (so that files signed in this process are trusted by the server)."""
    data_dir = tmp_path_factory.mktemp("bomb-server") / "data"
    shutil.copytree(get_settings().pki_dir, data_dir / "pki")
    env = _env(data_dir)
    subprocess.run(
        [sys.executable, "-m", "app", "init"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (data_dir / "uvicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1"]
        + ["--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base):
            assert time.monotonic() < deadline, "the server did not answer /healthz"
            try:
                process.wait(timeout=0.1)  # returns only when the server exited
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError((data_dir / "uvicorn.log").read_text())
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        log.close()


def _visitor(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=300, headers=EN)
    page = client.get("/verify").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    return client, token.group(1)


def _upload(client: httpx.Client, token: str, data: bytes) -> httpx.Response:
    return client.post(
        "/verify",
        data={"csrf_token": token},
        files={"file": ("rapport.pdf", data, "application/pdf")},
    )


def _verdict(response: httpx.Response) -> str:
    box = BeautifulSoup(response.text, "lxml").select_one(".verdict-box")
    return " ".join(box.get_text(" ").split()) if box is not None else ""


def test_it_answers_ten_parallel_bombs_without_its_memory_growing(server):
    base, pid = server
    unsigned_bomb = bomb_pdf()
    signed_bomb = signed(unsigned_bomb)  # trusted by the server: only the cap stops it
    bombs = [unsigned_bomb, signed_bomb] * (BURST // 2)
    visitors = [_visitor(base) for _ in range(BURST)]
    # Warm up: the first verification imports and caches what every later one uses.
    warm, token = visitors[0]
    assert "Not confirmed" in _verdict(_upload(warm, token, signed(large_json_pdf(1024))))
    idle = resident_bytes(pid)

    samples: list[int] = []
    burst_over = threading.Event()

    def sample() -> None:
        while not burst_over.is_set():
            samples.append(resident_bytes(pid))
            burst_over.wait(0.002)

    start = threading.Barrier(BURST)
    responses: list[httpx.Response | BaseException] = [RuntimeError("no answer")] * BURST

    def post(index: int) -> None:
        client, csrf = visitors[index]
        start.wait()
        try:
            responses[index] = _upload(client, csrf, bombs[index])
        except BaseException as exc:  # reported by the assertions below
            responses[index] = exc

    sampler = threading.Thread(target=sample)
    sampler.start()
    posters = [threading.Thread(target=post, args=(i,)) for i in range(BURST)]
    for thread in posters:
        thread.start()
    for thread in posters:
        thread.join(timeout=600)
    burst_over.set()
    sampler.join(timeout=30)
    samples.append(resident_bytes(pid))  # and after it
    for client, _token in visitors:
        client.close()

    peak = max(samples)
    statuses = [r.status_code if isinstance(r, httpx.Response) else repr(r) for r in responses]
    print(
        f"\nRSS idle {idle / MiB:.0f} MiB, peak {peak / MiB:.0f} MiB "
        f"(+{(peak - idle) / MiB:.0f} MiB), after {samples[-1] / MiB:.0f} MiB, "
        f"{len(samples)} samples, answers {statuses}"
    )
    assert peak - idle < HEADROOM, (
        f"resident memory rose from {idle / MiB:.0f} MiB to {peak / MiB:.0f} MiB"
    )
    verified = 0
    for index, response in enumerate(responses):
        assert isinstance(response, httpx.Response), f"upload {index}: {response!r}"
        if response.status_code == 503:
            assert int(response.headers["Retry-After"]) > 0
            assert BUSY in response.text
            continue
        assert response.status_code == 200, f"upload {index}: {response.status_code}"
        text = _verdict(response)
        assert "Not confirmed" in text, text
        expected = (
            "This PDF has no digital signature." if index % 2 == 0 else "unpacks to more than"
        )
        assert expected in text, text
        verified += 1
    assert verified >= 2  # the burst was really verified, not only turned away
