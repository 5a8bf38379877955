"""Load benchmark (loopback only, bounded): N simulated project leads log in, open a section and
save answers with think time, for a fixed duration. Prints throughput, p50/p95/p99 latency and
errors, the saturation throughput of saves next to a bare health check measured in the same run,
and checks that the number of stored answers equals the number of acknowledged saves.

With --processes N the users are spread over N server processes (each with --workers) on the
same database, as behind a load balancer; --compare runs the same load against one process
first and then against N, in the same run on the same database, and prints both side by side.

Usage: python bench/load.py [--users 50] [--duration 30] [--think 1.0] [--workers 1]
                            [--processes 1] [--compare]
                            [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import PASSWORD, bench_env, log_in, percentile, servers, temp_dir
from bench.common import SectionPage as Page

SATURATION_CLIENTS = 8
SATURATION_ROUNDS = 5
TEXT_QUESTIONS = ["plain_description", "commissioning_client", "contact_email", "supplier"]


def prepare(users: int) -> None:
    """Accounts and one assessment per user, made in-process through the services."""
    from sqlmodel import select

    from app.assessments.lifecycle import create_assessment
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.migrate import upgrade_to_head
    from app.questionnaires.registry import find_version, sync_questionnaires
    from app.users.models import Role, User
    from app.users.passwords import hash_password

    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    password_hash = hash_password(PASSWORD)
    with session_scope(engine) as session:
        sync_questionnaires(session, settings.questionnaires_dir)
        version = find_version(session, "haarlem-datawaarden")
        from app.users.models import UserRole

        for i in range(users):
            user = User(
                email=f"load{i}@bench.example", name=f"Load {i}", password_hash=password_hash
            )
            session.add(user)
            session.flush()
            session.add(UserRole(user_id=user.id, role=Role.lead.value))
            create_assessment(
                session,
                actor=user,
                title=f"Load {i}",
                department="Bench",
                description="load",
                questionnaire=version,
            )
        assert session.exec(select(User)).first() is not None
    engine.dispose()


async def open_user(
    base: str, index: int, stats: dict, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[httpx.AsyncClient, str, Page] | None:
    """Log in and open the first section (not timed); `transport` to reach an app in-process."""
    client = httpx.AsyncClient(base_url=base, timeout=30, transport=transport)
    if not await log_in(client, f"load{index}@bench.example"):
        stats["errors"].append("login refused")
        await client.aclose()
        return None
    page = await client.get("/assessments")
    link = re.search(r'href="(/assessments/\d+)"', page.text).group(1)  # type: ignore[union-attr]
    section = await client.get(f"{link}/sections/profile")
    return client, link, Page(section.text)


async def save_like_htmx(
    client: httpx.AsyncClient, link: str, page: Page, question: str, value: str
) -> httpx.Response:
    """An autosave as the browser sends it (see `SectionPage`)."""
    url, data, headers = page.autosave(link, question, value)
    response = await client.post(url, data=data, headers=headers)
    page.apply(response)
    return response


async def user_session(
    opened: tuple[httpx.AsyncClient, str, Page],
    index: int,
    until: float,
    think: float,
    stats: dict,
    tag: str = "",
) -> None:
    client, link, page = opened
    try:
        rng = random.Random(index)
        await asyncio.sleep(rng.random() * think)  # spread the users out
        n = 0
        while time.monotonic() < until:
            question = TEXT_QUESTIONS[n % len(TEXT_QUESTIONS)]
            # The tag keeps every value new across phases: an unchanged value stores nothing.
            value = (
                f"antwoord {tag}{index}-{n}"
                if question != "contact_email"
                else f"user{index}.{n}{tag}@example.org"
            )
            start = time.perf_counter()
            try:
                r = await save_like_htmx(client, link, page, question, value)
            except httpx.HTTPError as exc:
                stats["errors"].append(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - start
            if r.status_code == 200:
                stats["latencies"].append(elapsed)
                stats["acknowledged"] += 1
            else:
                stats["errors"].append(str(r.status_code))
            n += 1
            await asyncio.sleep(think * (0.5 + rng.random()))
    finally:
        await client.aclose()


async def saturate(clients: list, seconds: float, request) -> float:  # type: ignore[no-untyped-def]
    """Requests per second completed by concurrent loops without think time."""
    done = 0
    start = time.monotonic()
    until = start + seconds

    async def loop(opened) -> None:  # type: ignore[no-untyped-def]
        nonlocal done
        while time.monotonic() < until:
            await request(opened)
            done += 1

    await asyncio.gather(*(loop(o) for o in clients))
    return done / (time.monotonic() - start)


async def main_async(args: argparse.Namespace, bases: list[str], tag: str = "") -> dict:
    """One phase: user i talks to process i mod len(bases), as a round-robin balancer would."""
    stats: dict = {"latencies": [], "errors": [], "acknowledged": 0}
    opened = []
    for i in range(args.users):  # everyone logs in first; the saving is what is measured
        opened.append(await open_user(bases[i % len(bases)], i, stats))
    until = time.monotonic() + args.duration
    await asyncio.gather(
        *(user_session(o, i, until, args.think, stats, tag) for i, o in enumerate(opened) if o)
    )
    # Saturation: the same saves without think time, against a bare health check. The
    # clients log in first; then health-check and save windows alternate, so that a change in
    # the machine's speed (it is shared) affects both alike. The ratio is the median of the
    # rounds' ratios.
    clients = [
        o
        for o in [
            await open_user(bases[i % len(bases)], i, stats) for i in range(SATURATION_CLIENTS)
        ]
        if o
    ]

    async def health(opened) -> None:  # type: ignore[no-untyped-def]
        await opened[0].get("/healthz")

    counter = itertools.count()

    async def save(opened) -> None:  # type: ignore[no-untyped-def]
        client, link, page = opened
        r = await save_like_htmx(
            client, link, page, "plain_description", f"verzadiging {tag}{next(counter)}"
        )
        if r.status_code == 200:
            stats["acknowledged"] += 1
        else:
            stats["errors"].append(f"saturation {r.status_code}")

    window = min(10.0, args.duration) / SATURATION_ROUNDS
    rounds = []
    for _ in range(SATURATION_ROUNDS):
        health_rate = await saturate(clients, window, health)
        save_rate = await saturate(clients, window, save)
        rounds.append((health_rate, save_rate))
    for client, _link, _page in clients:
        await client.aclose()
    stats["health_per_s"] = statistics.median(h for h, _ in rounds)
    stats["saves_per_s"] = statistics.median(s for _, s in rounds)
    stats["saturation_ratio"] = statistics.median(s / h for h, s in rounds)
    return stats


def _database_url() -> str:
    from app.config import get_settings

    get_settings.cache_clear()
    return get_settings().resolved_database_url


def stored_saves(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM answer_revisions")).scalar_one()
    engine.dispose()
    return int(count)


def run_phase(
    args: argparse.Namespace, env: dict[str, str], database_url: str, processes: int
) -> dict:
    """The load against `processes` server processes; acknowledged saves against the answer
    revisions this phase stored."""
    before = stored_saves(database_url)
    with servers(env, processes=processes, workers=args.workers) as bases:
        stats = asyncio.run(main_async(args, bases, tag=f"p{processes}-"))
    stored = stored_saves(database_url) - before
    lat = stats["latencies"] or [0.0]
    return {
        "bench": "load",
        "engine": "PostgreSQL" if database_url.startswith("postgresql") else "SQLite",
        "processes": processes,
        "workers": args.workers,
        "users": args.users,
        "p50_ms": statistics.median(lat) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "saves_per_s": len(stats["latencies"]) / args.duration,
        "acknowledged": stats["acknowledged"],
        "stored": stored,
        "errors": len(stats["errors"]),
        "error_kinds": sorted(set(stats["errors"]))[:5],
        "lost": stats["acknowledged"] - stored,
        "saturation_ratio": stats["saturation_ratio"],
        "saturation_saves_per_s": stats["saves_per_s"],
        "health_per_s": stats["health_per_s"],
    }


def report(args: argparse.Namespace, r: dict) -> None:
    print(
        f"load: {r['users']} users, {args.think:.1f} s think time, {args.duration:.0f} s, "
        f"{r['engine']}, {r['processes']} process(es) x {r['workers']} worker(s)"
    )
    print(
        f"  saves: {r['acknowledged']} acknowledged, {r['saves_per_s']:.1f}/s; latency p50 "
        f"{r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms"
    )
    print(f"  errors: {r['errors']} {r['error_kinds']}")
    print(
        f"  saturation: saves {r['saturation_saves_per_s']:.0f}/s, health check "
        f"{r['health_per_s']:.0f}/s, ratio {r['saturation_ratio']:.3f} "
        f"(median of {SATURATION_ROUNDS} alternating rounds)"
    )
    verdict = "no lost saves" if r["lost"] == 0 else f"{r['lost']} LOST"
    print(
        f"  stored answers (revisions) {r['stored']}, acknowledged saves {r['acknowledged']}: "
        f"{verdict}"
    )
    print("RESULT " + json.dumps({k: v for k, v in r.items() if k != "error_kinds"}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per process")
    parser.add_argument("--processes", type=int, default=1, help="server processes, one database")
    parser.add_argument(
        "--compare", action="store_true", help="first one process, then --processes, same run"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--prepare", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duration > 600 or args.users > 500 or not 1 <= args.processes <= 8:
        parser.error("bounded: at most 600 s, 500 users and 8 processes")
    if args.prepare is not None:
        prepare(args.prepare)
        return
    env = bench_env(temp_dir("dw-load-"), args.database_url)
    os.environ.update(env)
    # The set-up runs in a process of its own, so that this one is only an HTTP client: the
    # application's objects in it made the load generator measurably slower.
    subprocess.run(
        [sys.executable, __file__, "--prepare", str(max(args.users, SATURATION_CLIENTS))],
        env=env,
        check=True,
    )
    database_url = _database_url()
    phases = [1, args.processes] if args.compare and args.processes > 1 else [args.processes]
    results = [run_phase(args, env, database_url, n) for n in phases]
    for r in results:
        report(args, r)
    if len(results) == 2:
        one, many = results
        print(
            f"  {many['processes']} processes next to 1: p95 {many['p95_ms']:.1f} vs "
            f"{one['p95_ms']:.1f} ms, saves {many['saves_per_s']:.1f} vs {one['saves_per_s']:.1f}/s, "
            f"saturation {many['saturation_saves_per_s']:.0f} vs {one['saturation_saves_per_s']:.0f}/s"
        )
    if any(r["lost"] or r["errors"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
