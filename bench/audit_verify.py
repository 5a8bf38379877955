"""Benchmark: `audit verify` over a large audit trail (SQLite).

Builds a trail of --events events (with the application's own hash function, written in bulk),
takes a signed checkpoint, and runs the verification in a fresh process twice: at a tenth of the
events and at all of them. Prints the time and the process's peak memory for both, so that a
verification that holds the trail in memory shows as growing memory.
Usage: python bench/audit_verify.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def child(url: str) -> None:
    """Verify the trail at `url` and print the time and the peak memory."""
    from sqlmodel import Session

    import app.models  # noqa: F401
    from app.archive.trail import verify_audit_trail
    from app.config import get_settings
    from app.db import make_engine
    from app.reports.seal import organisation_seal

    settings = get_settings()
    seal = organisation_seal(settings)
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        report = verify_audit_trail(
            session, sealer=seal, checkpoint_file=settings.checkpoint_file, report_heads=[]
        )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "ok": report.ok,
                "events": report.chain.count,
                "checkpoints": report.checkpoints,
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "problems": [p.detail for p in report.problems[:3]],
            }
        )
    )


def append_events(engine, events: Iterable[dict]) -> int:  # type: ignore[no-untyped-def]
    """Append events after the last one, hashed as the application hashes them, in batches
    of 20,000. Each event gives created_at, action, object_type, object_id, details_json and
    optionally actor_id and assessment_id. Returns how many were appended."""
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    from app.audit.service import GENESIS, event_hash

    table = AuditEvent.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        prev = conn.execute(select(table.c.hash).order_by(table.c.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    batch = []
    count = 0
    for event in events:
        fields = {"actor_id": None, "assessment_id": None, **event, "prev_hash": prev}
        prev = fields["hash"] = event_hash(
            prev_hash=prev,
            created_at=fields["created_at"],
            actor_id=fields["actor_id"],
            action=fields["action"],
            object_type=fields["object_type"],
            object_id=fields["object_id"],
            assessment_id=fields["assessment_id"],
            details_json=fields["details_json"],
        )
        batch.append(fields)
        count += 1
        if len(batch) == 20_000:
            with engine.begin() as conn:
                conn.execute(table.insert(), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(table.insert(), batch)
    return count


def answer_events(start: int, count: int) -> Iterator[dict]:
    """`count` answer.saved events, numbered from `start`, a millisecond apart."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(start, start + count):
        yield {
            "created_at": base + timedelta(microseconds=n * 1000),
            "action": "answer.saved",
            "object_type": "answer",
            "object_id": f"q{n % 77}",
            "details_json": json.dumps(
                {"question": f"q{n % 77}", "version": n % 9}, separators=(",", ":")
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from bench.common import bench_env, temp_dir

    env = bench_env(temp_dir("dw-bench-audit-"))
    os.environ.update(env)
    from app.audit.checkpoints import take_checkpoint
    from app.config import get_settings
    from app.db import make_engine
    from app.migrate import upgrade_to_head
    from app.reports.pki import ensure_dev_pki
    from app.reports.seal import organisation_seal

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    url = settings.resolved_database_url
    engine = make_engine(url)
    upgrade_to_head(engine)
    seal = organisation_seal(settings)
    small = max(1, args.events // 10)
    runs = {}
    done = 0
    for target in (small, args.events):
        t = time.perf_counter()
        append_events(engine, answer_events(done, target - done))
        done = target
        take_checkpoint(engine, sealer=seal, organisation="bench", file=settings.checkpoint_file)
        print(f"built {done:,} events in {time.perf_counter() - t:.1f} s", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", url],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=1800,
        )
        if out.returncode != 0:
            sys.stdout.write(out.stderr[-3000:])
            raise SystemExit(1)
        runs[target] = json.loads(out.stdout.strip().splitlines()[-1])
        r = runs[target]
        print(
            f"audit verify over {r['events']:,} events and {r['checkpoints']} checkpoints: "
            f"{r['seconds']:.1f} s, peak memory {r['peak_mb']:.0f} MB, intact: {r['ok']}",
            flush=True,
        )
        if not r["ok"]:
            print("problems:", r["problems"])
            raise SystemExit(1)
    engine.dispose()
    big = runs[args.events]
    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "audit_verify",
                "events": big["events"],
                "seconds": big["seconds"],
                "per_s": big["events"] / big["seconds"],
                "peak_mb": big["peak_mb"],
                "small": runs[small]["events"],
                "peak_mb_small": runs[small]["peak_mb"],
            }
        )
    )


if __name__ == "__main__":
    main()
