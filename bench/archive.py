"""Benchmark: archive search over 10,000 archived assessments, and `archive verify` throughput.

Fills a fresh database consistently: every archived assessment has its archive row and
full-text entry (bulk insert); a subset has real signed reports, made from one rendered
report signed again for each assessment, so that verification does real work.
Usage: python bench/archive.py [--entries 10000] [--reports 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    "parkeren",
    "verkeer",
    "afval",
    "energie",
    "warmtenet",
    "schuldhulp",
    "jeugdzorg",
    "wmo",
    "participatie",
    "camera",
    "drukte",
    "subsidie",
    "woningen",
    "wijk",
    "bomen",
    "water",
    "riolering",
    "handhaving",
    "vergunning",
    "onderwijs",
    "armoede",
    "mobiliteit",
    "fiets",
    "luchtkwaliteit",
    "geluid",
    "evenementen",
    "toerisme",
]
DEPARTMENTS = [
    "Sociaal Domein",
    "Stadsbeheer",
    "Ruimte",
    "Dienstverlening",
    "Veiligheid",
    "Financien",
]
OBLIGATIONS = [
    "dpia_required",
    "dpia_recommended",
    "consult_dpo",
    "register_b",
    "register_c",
    "open_data",
    "iama_required",
    "tia_required",
]
LEVELS = ["low", "medium", "high"]
VALUES = ["transparent", "value_creating", "reliable", "responsible"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from bench.common import bench_env, percentile, temp_dir

    os.environ.update(bench_env(temp_dir("dw-bench-archive-"), args.database_url))
    from sqlalchemy import insert

    from app.archive.models import ArchiveEntry
    from app.archive.search import ArchiveQuery, index_text, search
    from app.assessments.models import Assessment
    from app.canonical import canonical_json
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.migrate import upgrade_to_head
    from app.questionnaires.registry import find_version, sync_questionnaires
    from app.users.models import User

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    rng = random.Random(42)
    start = time.perf_counter()
    with session_scope(engine) as session:
        sync_questionnaires(session, settings.questionnaires_dir)
        version = find_version(session, "haarlem-datawaarden")
        lead = User(email="bench@bench.example", name="Bench", password_hash="x", is_demo=True)
        session.add(lead)
        session.flush()
        base = datetime(2020, 1, 1, tzinfo=UTC)
        assessments, entries = [], []
        for i in range(1, args.entries + 1):
            words = " ".join(rng.choice(WORDS) for _ in range(40))
            signed = base + timedelta(days=rng.randrange(0, 2500))
            ref = f"DW-{signed.year}-{i:05d}"
            title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i}"
            assessments.append(
                {
                    "id": i,
                    "reference": ref,
                    "title": title,
                    "department": rng.choice(DEPARTMENTS),
                    "description": words[:200],
                    "questionnaire_version_id": version.id,
                    "lead_id": lead.id,
                    "state": "archived",
                    "locale": "nl",
                    "version": 1,
                    "is_public": i % 7 == 0,
                    "created_at": signed - timedelta(days=30),
                    "updated_at": signed,
                }
            )
            levels = {v: rng.choice(LEVELS) for v in VALUES}
            overall = max(levels.values(), key=LEVELS.index)
            entries.append(
                {
                    "assessment_id": i,
                    "reference": ref,
                    "title": title,
                    "department": assessments[-1]["department"],
                    "description": words[:200],
                    "search_text": f"{ref}\n{title}\n{words}",
                    "questionnaire_key": "haarlem-datawaarden",
                    "questionnaire_version": 1,
                    "outcome": rng.choice(["positive", "conditional", "negative"]),
                    "overall_level": overall,
                    "levels_json": canonical_json(levels),
                    "obligations": " " + " ".join(rng.sample(OBLIGATIONS, 3)) + " ",
                    "created_at": signed - timedelta(days=30),
                    "submitted_at": signed - timedelta(days=20),
                    "signed_at": signed,
                    "year": signed.year,
                    "retention_until": date(signed.year + 20, 1, 1),
                    "report_sha256": f"{i:064x}",
                    "is_public": i % 7 == 0,
                }
            )
        session.execute(insert(Assessment), assessments)
        session.execute(insert(ArchiveEntry), entries)
        for e in entries:
            index_text(session, ArchiveEntry(**e))
    fill = time.perf_counter() - start
    queries = [
        ArchiveQuery(text="schuldhulp"),
        ArchiveQuery(text="warmtenet wijk"),
        ArchiveQuery(text="camera", year=2023),
        ArchiveQuery(department="Sociaal Domein", obligation="dpia_required"),
        ArchiveQuery(level="high", level_value="responsible", sort="reference"),
        ArchiveQuery(text="fiets", outcome="negative", page=2),
        ArchiveQuery(questionnaire="haarlem-datawaarden:1", sort="title", page=40),
        ArchiveQuery(),
    ]
    latencies: list[float] = []
    with session_scope(engine) as session:
        for _ in range(3):
            for q in queries:
                search(session, q)  # warm up
        for _ in range(25):
            for q in queries:
                t = time.perf_counter()
                search(session, q)
                latencies.append(time.perf_counter() - t)
    name = engine.dialect.name
    print(f"archive search, {args.entries} archived assessments on {name} (filled in {fill:.1f} s)")
    print(
        f"  {len(latencies)} searches: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    per_s = verify_throughput(args.reports)
    import json

    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "archive",
                "entries": args.entries,
                "p50_ms": statistics.median(latencies) * 1000,
                "p95_ms": percentile(latencies, 95) * 1000,
                "verify_per_s": per_s,
            }
        )
    )


def verify_throughput(count: int) -> float:
    """Sign the demo report again for `count` archived copies and time `archive verify`."""
    from sqlmodel import select

    from app.archive.integrity import verify_archive
    from app.assessments.models import Assessment, Submission
    from app.canonical import sha256_hex
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.demo import run_demo
    from app.reports import render
    from app.reports.models import Report
    from app.reports.pki import ensure_dev_pki
    from app.reports.signing import load_signing_key, sign_pdf
    from app.reviews.models import Advice
    from bench.common import bench_env, temp_dir

    os.environ.update(bench_env(temp_dir("dw-bench-verify-")))
    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    from app.migrate import upgrade_to_head

    upgrade_to_head(engine)
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name)
    run_demo(engine, settings)
    key = load_signing_key(settings)
    with session_scope(engine) as session:
        report = session.exec(select(Report)).one()
        original = session.get(Assessment, report.assessment_id)
        submission = session.exec(
            select(Submission).where(Submission.sha256 == report.snapshot_sha256)
        ).one()
        advice = session.get(Advice, report.advice_id)
        source = render.gather(
            session,
            assessment=original,
            advice=advice,
            settings=settings,
            audit_head=report.audit_head_hash,
            signer_name="Bench",
            now=report.signed_at,
        )
        unsigned = render.render_pdf(source)
        # Every copy is the same report signed once: distinct bytes, one signature each, as the
        # chair's signature makes them (a second signature makes verification about 6x slower).
        for n in range(count):
            copy = Assessment(
                reference=f"DW-BENCH-{n:05d}",
                title=original.title,
                department=original.department,
                description=original.description,
                questionnaire_version_id=original.questionnaire_version_id,
                lead_id=original.lead_id,
                state="archived",
            )
            session.add(copy)
            session.flush()
            pdf = sign_pdf(
                unsigned,
                key=key,
                field_name="Signature1",
                signer_name=f"Bench {n}",
                reason="bench",
                location="bench",
            )
            session.add(
                Report(
                    assessment_id=copy.id,
                    advice_id=report.advice_id,
                    sequence=n + 2,
                    pdf=pdf,
                    sha256=sha256_hex(pdf),
                    snapshot_sha256=submission.sha256,
                    signed_by_id=report.signed_by_id,
                    audit_head_hash=report.audit_head_hash,
                )
            )
    with session_scope(engine) as session:
        t = time.perf_counter()
        result = verify_archive(session, settings=settings)
        elapsed = time.perf_counter() - t
    assert result.ok, result.problems[:3]
    rate = result.reports / elapsed
    print(
        f"archive verify: {result.reports} signed reports and {result.submissions} snapshots in {elapsed:.2f} s "
        f"= {result.reports / elapsed:.0f} reports/s (audit chain of {result.audit_events} events included)"
    )
    return rate


if __name__ == "__main__":
    main()
