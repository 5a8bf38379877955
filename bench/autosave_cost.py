"""Server time of one autosave, with the ASGI app driven in-process: no network, no HTTP client
in the measurement, one save at a time. The least noisy figure for comparing two versions of
the autosave path (run it on both, alternately); the load benchmark says what users get.

Usage: python bench/autosave_cost.py [--saves 500] [--rounds 5] [--database-url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import PASSWORD, SectionPage, bench_env, temp_dir

LOAD = Path(__file__).resolve().parent / "load.py"
WARM_UP = 300


async def measure(app, saves: int, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Median milliseconds per autosave in each round."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        form = {"email": "load0@bench.example", "password": PASSWORD, "csrf_token": token}
        assert (await client.post("/login", data=form)).status_code == 303
        listing = await client.get("/assessments")
        link = re.search(r'href="(/assessments/\d+)"', listing.text).group(1)  # type: ignore[union-attr]
        page = SectionPage((await client.get(f"{link}/sections/profile")).text)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    counter = itertools.count()

    async def one() -> float:
        url, data, headers = page.autosave(link, "plain_description", f"tekst {next(counter)}")
        request = httpx.Request("POST", f"http://bench{url}", data=data, headers=headers)
        raw_headers = [
            (k.lower().encode(), v.encode()) for k, v in request.headers.items() if k != "host"
        ] + [(b"cookie", cookie), (b"host", b"bench")]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": url,
            "raw_path": url.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        body = [{"type": "http.request", "body": request.read(), "more_body": False}]
        out: dict = {"headers": [], "body": b""}

        async def receive() -> dict:
            return body.pop() if body else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                out.update(status=message["status"], headers=message["headers"])
            else:
                out["body"] += message.get("body", b"")

        start = time.perf_counter()
        await app(scope, receive, send)
        elapsed = time.perf_counter() - start
        if out["status"] != 200:
            raise SystemExit(f"autosave answered {out['status']}")
        headers = [(k.decode(), v.decode()) for k, v in out["headers"]]
        page.apply(httpx.Response(out["status"], headers=headers, content=out["body"]))
        return elapsed

    for _ in range(WARM_UP):
        await one()
    return [statistics.median([await one() for _ in range(saves)]) * 1000 for _ in range(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.saves > 20_000 or args.rounds > 50:
        parser.error("bounded: at most 20,000 saves and 50 rounds")
    env = bench_env(temp_dir("dw-cost-"), args.database_url)
    os.environ.update(env)
    subprocess.run([sys.executable, str(LOAD), "--prepare", "1"], env=env, check=True)
    from app.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    rounds = asyncio.run(measure(app, args.saves, args.rounds))
    engine = (
        "PostgreSQL" if get_settings().resolved_database_url.startswith("postgresql") else "SQLite"
    )
    median = statistics.median(rounds)
    print(
        f"autosave, in-process, {engine}: {median:.3f} ms per save (median of {args.rounds} "
        f"rounds of {args.saves}: {' '.join(f'{r:.3f}' for r in rounds)})"
    )
    print(
        "RESULT "
        + json.dumps({"bench": "autosave_cost", "engine": engine, "ms": median, "rounds": rounds})
    )


if __name__ == "__main__":
    main()
