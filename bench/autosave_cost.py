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
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_env, temp_dir
from bench.load import open_user

LOAD = Path(__file__).resolve().parent / "load.py"
WARM_UP = 300


async def measure(app, saves: int, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Median milliseconds per autosave in each round."""
    stats: dict = {"errors": []}
    opened = await open_user("http://bench", 0, stats, transport=httpx.ASGITransport(app=app))
    if opened is None:
        raise SystemExit(f"could not log in: {stats['errors']}")
    client, link, page = opened
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items()).encode()
    await client.aclose()
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
