"""`make bench`: the save, report, signing, archive, page, dashboard, load and autosave-cost
benchmarks in one run, and one table.

Each benchmark runs as its own process and ends with a `RESULT {json}` line. PostgreSQL runs
are added when DATAWAARDEN_BENCH_POSTGRES_URL (or DATAWAARDEN_TEST_POSTGRES_URL) points at a
server where a database can be created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "save": "autosave p95 < 50 ms (50 users, 1 s think time: see load)",
    "report": "render + sign (B-LTA) < 2.5 s median and <= 1.3x raw WeasyPrint; verify < 100 ms",
    "archive": "search p95 < 100 ms over 10,000; verify >= 100 reports/s",
    "load": "0 errors, 0 lost, p95 < 50 ms at 50 users; saturation >= 0.25 of health",
    "autosave_cost": "none (server time per save, for comparing versions of the save path)",
    "pages": "p95 < 100 ms for every page type (10,000 archived, a review with 50 comments)",
    "dashboard": "p95 < 200 ms over 10,000 archived assessments with their conditions",
    "signing": "the chair's click to the next page <= 1.5x raw WeasyPrint of the same report",
    "audit_verify": "1,000,000 events < 60 s, memory flat (streaming)",
    "fresh_clone": "a fresh clone serves /healthz with make run in < 60 s",
}


def run(name: str, *args: str) -> dict:
    return runs(name, *args)[-1]


def runs(name: str, *args: str) -> list[dict]:
    """Every RESULT line of one benchmark run (the load comparison prints two)."""
    print(f"\n== {name} {' '.join(args)}", flush=True)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    sys.stdout.write(out.stdout)
    if out.returncode not in (0, 1):
        sys.stdout.write(out.stderr[-3000:])
    results = [
        json.loads(line[7:]) for line in out.stdout.splitlines() if line.startswith("RESULT ")
    ]
    return results or [{"bench": name, "failed": True}]


def postgres_url() -> str | None:
    base = os.environ.get("DATAWAARDEN_BENCH_POSTGRES_URL") or os.environ.get(
        "DATAWAARDEN_TEST_POSTGRES_URL"
    )
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"dw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ.get("DATAWAARDEN_BENCH_POSTGRES_URL") or os.environ.get(
        "DATAWAARDEN_TEST_POSTGRES_URL"
    )
    admin = create_engine(base, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    rows = [
        run("save_answers", "--clients", "8", "--saves", "60"),
        run("report", "--runs", "5"),
        run("signing", "--runs", "5"),
        run("archive", "--entries", "10000", "--reports", "200"),
        run("pages", "--entries", "10000", "--rounds", "40"),
        run("dashboard", "--entries", "10000", "--rounds", "30"),
        run("load", "--users", "50", "--duration", "30", "--think", "1.0"),
        run("autosave_cost", "--saves", "500", "--rounds", "5"),
        run("audit_verify", "--events", "1000000"),
        run("fresh_clone"),
    ]
    pg = postgres_url()
    if pg:
        try:
            rows.append(run("pages", "--entries", "10000", "--rounds", "40", "--database-url", pg))
        finally:
            drop(pg)
    pg = postgres_url()
    if pg:
        try:
            rows.append(
                run("dashboard", "--entries", "10000", "--rounds", "30", "--database-url", pg)
            )
        finally:
            drop(pg)
    pg = postgres_url()
    if pg:
        try:
            # One process, then two processes on the same PostgreSQL database, in one run.
            rows.extend(
                runs(
                    "load",
                    "--users",
                    "50",
                    "--duration",
                    "30",
                    "--think",
                    "1.0",
                    "--processes",
                    "2",
                    "--compare",
                    "--database-url",
                    pg,
                )
            )
        finally:
            drop(pg)  # a benchmark leaves no database behind
    print("\n" + "=" * 100)
    print(f"{'benchmark':28s} {'measured (medians / percentiles in one run)':60s}")
    print("-" * 100)
    for r in rows:
        name = r.get("bench", "?")
        extra: list[str] = []
        if r.get("failed"):
            print(f"{name:28s} FAILED")
            continue
        if name == "save":
            text = (
                f"{r['clients']} clients back-to-back: p50 {r['save_p50_ms']:.1f} ms, p95 {r['save_p95_ms']:.1f} ms, "
                f"{r['save_saves_per_s']:.0f} saves/s; health p50 {r['healthz_p50_ms']:.1f} ms"
            )
        elif name == "report":
            text = (
                f"{r['pages']} pages: render+sign {r['render + sign']:.0f} ms, raw WeasyPrint {r['weasyprint (raw)']:.0f} ms "
                f"({r['ratio']:.2f}x), sign {r['sign only']:.0f} ms, verify {r['verify (archived)']:.1f} ms "
                f"(an upload, with the difference analysis: {r['verify (upload)']:.1f} ms)"
            )
        elif name == "archive":
            text = (
                f"{r['entries']} entries: search p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms; "
                f"verify {r['verify_per_s']:.0f} reports/s"
            )
        elif name == "audit_verify":
            text = (
                f"{r['events']:,} events in {r['seconds']:.1f} s ({r['per_s']:,.0f}/s); peak memory "
                f"{r['peak_mb_small']:.0f} MB at {r['small']:,} events, {r['peak_mb']:.0f} MB at {r['events']:,}"
            )
        elif name == "fresh_clone":
            text = (
                f"git clone + make run to the first /healthz: {r['warm_s']:.1f} s with this "
                f"machine's package caches, {r['cold_s']:.1f} s with empty uv and npm caches"
            )
        elif name == "signing":
            text = (
                f"click to the next page {r['request_ms']:.0f} ms (the post {r['post_ms']:.0f} ms, "
                f"the page after it {r['next page_ms']:.0f} ms); raw WeasyPrint of the same tagged "
                f"report {r['weasyprint (raw, tagged)_ms']:.0f} ms: {r['ratio']:.2f}x"
            )
        elif name == "pages":
            name = f"pages {r['engine']}"
            text = (
                f"{r['page_types']} page types over {r['entries']:,} archived: slowest p95 "
                f"{r['worst']} {r['worst_p95_ms']:.1f} ms; "
                + (f"over the target: {', '.join(r['over'])}" if r["over"] else "all within")
            )
            extra = [
                f"{'':28s}   {page['page']:34s} p50 {page['p50_ms']:6.1f}  "
                f"p95 {page['p95_ms']:6.1f} ms  ({page['queries']} statements)"
                for page in r["pages"]
            ]
        elif name == "dashboard":
            name = f"dashboard {r['engine']}"
            text = (
                f"{r['entries']:,} archived, {r['conditions']:,} conditions: median "
                f"{r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms over {r['requests']} requests"
            )
            extra = [
                f"{'':28s}   {v['variant']:34s} p50 {v['p50_ms']:6.1f}  p95 {v['p95_ms']:6.1f} ms  "
                f"({v['queries']} statements)"
                for v in r["variants"]
            ]
        elif name == "autosave_cost":
            name = f"autosave cost {r['engine']}"
            text = f"in-process, one at a time: {r['ms']:.2f} ms of server time per save (median)"
        else:
            name = f"load {r['engine']} {r.get('processes', 1)}p x{r['workers']}"
            text = (
                f"{r['users']} users: p50 {r['p50_ms']:.1f}, p95 {r['p95_ms']:.1f}, p99 {r['p99_ms']:.1f} ms; "
                f"errors {r['errors']}, lost {r['lost']}; saturation {r['saturation_saves_per_s']:.0f}/s = "
                f"{r['saturation_ratio']:.3f} of health ({r['health_per_s']:.0f}/s)"
            )
        print(f"{name:28s} {text}")
        target = TARGETS.get(r.get("bench", ""), "")
        if target:
            print(f"{'':28s} target: {target}")
        for line in extra:
            print(line)


if __name__ == "__main__":
    main()
