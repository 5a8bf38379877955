"""Server time of one autosave, with the ASGI app driven in-process: no network, no HTTP client
in the measurement, one save at a time. The least noisy figure for comparing two versions of
the autosave path (run it on both, alternately); the load benchmark says what users get.

Usage: python bench/autosave_cost.py [--saves 500] [--rounds 5] [--database-url ...]
       python bench/autosave_cost.py --against REV [--pairs 6] [--saves 500]

With --against, the same benchmark runs on this tree and on a git worktree of REV, one round
each, alternating (ABBA...) so that the shared machine's drift hits both, and prints the
median of each and the ratio this/REV.
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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import asgi_send, bench_env, cookie_header, temp_dir
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
    cookie = cookie_header(client)
    await client.aclose()
    counter = itertools.count()

    async def one() -> float:
        url, data, headers = page.autosave(link, "plain_description", f"tekst {next(counter)}")
        request = httpx.Request("POST", f"http://bench{url}", data=data, headers=headers)
        response, elapsed = await asgi_send(app, request, cookie)
        if response.status_code != 200:
            raise SystemExit(f"autosave answered {response.status_code}")
        page.apply(response)
        return elapsed

    for _ in range(WARM_UP):
        await one()
    return [statistics.median([await one() for _ in range(saves)]) * 1000 for _ in range(rounds)]


def _one_round(tree: Path, saves: int) -> float:
    out = subprocess.run(
        [sys.executable, str(tree / "bench" / "autosave_cost.py"), "--rounds", "1"]
        + ["--saves", str(saves)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    results = [json.loads(x[7:]) for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    if out.returncode != 0 or not results:
        raise SystemExit(f"the benchmark failed in {tree}:\n{out.stderr[-2000:]}")
    return float(results[-1]["ms"])


def compare(rev: str, pairs: int, saves: int) -> None:
    """This tree against a worktree of `rev`, alternating rounds."""
    here = Path(__file__).resolve().parent.parent
    tree = temp_dir("dw-against-") / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=here, check=True)
    try:
        (tree / "node_modules").symlink_to(here / "node_modules")
        pybabel = Path(sys.executable).parent / "pybabel"
        for locale in ("nl", "en"):
            subprocess.run(
                [str(pybabel), "compile", "-d", "app/translations", "-D", "messages"]
                + ["-l", locale],
                cwd=tree,
                check=True,
                capture_output=True,
            )
        times: dict[str, list[float]] = {"this": [], rev: []}
        trees = {"this": here, rev: tree}
        for i in range(pairs):
            order = ["this", rev] if i % 2 == 0 else [rev, "this"]
            for name in order:
                times[name].append(_one_round(trees[name], saves))
                print(f"  {name}: {times[name][-1]:.3f} ms", flush=True)
        this, before = statistics.median(times["this"]), statistics.median(times[rev])
        print(
            f"autosave, in-process: this tree {this:.3f} ms, {rev} {before:.3f} ms per save "
            f"(medians of {pairs} alternating rounds of {saves}): ratio {this / before:.3f}"
        )
        print(
            "RESULT "
            + json.dumps(
                {"bench": "autosave_against", "rev": rev, "this": this, "before": before}
                | {"ratio": this / before, "rounds": times}
            )
        )
    finally:
        # Unlink the shared node_modules first: `git worktree remove --force` deletes what a
        # symlink points at (it emptied this tree's node_modules once).
        link = tree / "node_modules"
        if link.is_symlink():
            link.unlink()
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=here, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--against", metavar="REV", help="compare with this git revision")
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    if args.saves > 20_000 or args.rounds > 50 or args.pairs > 50:
        parser.error("bounded: at most 20,000 saves, 50 rounds and 50 pairs")
    if args.against:
        compare(args.against, args.pairs, args.saves)
        return
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
