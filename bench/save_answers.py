"""Benchmark: saving answers through the real server (htmx autosave), SQLite by default.

Measures the round trip of POST /assessments/{id}/answers/{question} with C concurrent clients,
each on its own assessment, and the same number of GET /healthz for comparison.
Usage: python bench/save_answers.py [--clients 8] [--saves 150]
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    PASSWORD,
    SectionPage,
    bench_env,
    login,
    run_cli,
    server,
    summary,
    temp_dir,
)


def prepare(env: dict[str, str], clients: int) -> None:
    run_cli(env, "init")
    for i in range(clients):
        run_cli(
            env,
            "users",
            "create",
            "--email",
            f"lead{i}@bench.example",
            "--name",
            f"Lead {i}",
            "--role",
            "lead",
            stdin=PASSWORD + "\n",
        )


def run(
    clients: int, saves: int, database_url: str | None = None, workers: int = 1
) -> dict[str, dict[str, float]]:
    env = bench_env(temp_dir("dw-bench-save-"), database_url)
    prepare(env, clients)
    latencies: list[float] = []
    health: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with server(env, workers=workers) as base:
        setup = []
        for i in range(clients):
            c = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
            token = login(c, f"lead{i}@bench.example")
            page = c.get("/assessments/new")
            version = re.search(r'<option value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
            r = c.post(
                "/assessments/new",
                data={
                    "title": f"Bench {i}",
                    "department": "Bench",
                    "description": "bench",
                    "questionnaire": version,
                    "csrf_token": token,
                },
            )
            location = r.headers["location"]
            page = SectionPage(c.get(f"{location}/sections/profile").text)
            setup.append((c, page, location))

        def worker(c: httpx.Client, page: SectionPage, location: str) -> None:
            for n in range(saves):
                url, data, headers = page.autosave(
                    location, "plain_description", f"Beschrijving nummer {n}"
                )
                start = time.perf_counter()
                r = c.post(url, data=data, headers=headers)
                elapsed = time.perf_counter() - start
                page.apply(r)
                with lock:
                    if r.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"{r.status_code}")
                start = time.perf_counter()
                c.get("/healthz")
                with lock:
                    health.append(time.perf_counter() - start)

        threads = [threading.Thread(target=worker, args=s) for s in setup]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    result = {"save": summary(latencies), "healthz": summary(health)}
    result["save"]["errors"] = len(errors)
    result["save"]["saves_per_s"] = len(latencies) / wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--saves", type=int, default=150)
    args = parser.parse_args()
    result = run(args.clients, args.saves)
    print(f"save answer (autosave), {args.clients} concurrent clients, SQLite, 1 worker")
    import json

    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "save",
                "clients": args.clients,
                **{f"{k}_{m}": v for k, r in result.items() for m, v in r.items()},
            }
        )
    )
    for name, row in result.items():
        print(
            f"  {name:8s} "
            + "  ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            )
        )


if __name__ == "__main__":
    main()
