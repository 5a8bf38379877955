"""Benchmark: the dashboard page over 10,000 archived assessments with their conditions.

The database: 10,000 archived assessments signed between 2020 and 2026 in six departments
(archive rows and full-text entries, one or more submissions with a snapshot of realistic
size, a finalised advice with up to five conditions among sixty owners, each with its
follow-up status), and 600 assessments in progress in every other state; all in bulk SQL.
The rows an archived assessment seals are written while it is still "advice_drafted", then it
is archived (what the guard triggers of migration 5e1a9c0d7f21 allow).

The page is requested in-process through the whole ASGI app (middleware, session, the
queries, the template), one request at a time, by an auditor: without filters, per year, per
department and both; the median and the 95th percentile over all requests, and per variant.
The target is p95 < 200 ms on SQLite and on PostgreSQL.
Usage: python bench/dashboard.py [--entries 10000] [--rounds 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import PASSWORD, asgi_send, bench_env, cookie_header, log_in, percentile, temp_dir

TARGET_MS = 200.0
IN_PROGRESS = {
    "draft": 250,
    "submitted": 100,
    "in_review": 100,
    "changes_requested": 80,
    "advice_drafted": 50,
    "withdrawn": 20,
}
DEPARTMENTS = [
    "Sociaal Domein",
    "Stadsbeheer",
    "Ruimte",
    "Dienstverlening",
    "Veiligheid",
    "Financien",
]
OWNERS = [
    *(f"Team {d}" for d in DEPARTMENTS),
    "Privacy Officer",
    "Functionaris gegevensbescherming",
    "CISO",
    "Leverancier",
    *(f"Projectleider {i}" for i in range(50)),
]
# How the follow-up of the conditions of years of advice stands.
STATUSES = ["open"] * 3 + ["in_progress"] * 2 + ["done"] + ["accepted"] * 5 + ["reopened", "waived"]
LEVELS = ["low", "medium", "high"]
WARM_UP = 3


def _insert(session, model, rows: list[dict], *, ids: bool = False) -> list[int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    if not rows:
        return []
    if ids:
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(session.execute(statement, rows).scalars())
    session.execute(insert(model), rows)
    return []


def _snapshots(rng: random.Random, question_ids: list[str]) -> list[str]:
    """Fifty snapshot texts of about 12 KB (a submission's frozen answers)."""
    words = [
        "gegevens",
        "burgers",
        "wijk",
        "model",
        "risico",
        "maatregel",
        "toezicht",
        "verwerking",
        "doel",
    ]
    return [
        json.dumps(
            {
                "answers": {
                    q: " ".join(rng.choice(words) for _ in range(rng.randrange(5, 40)))
                    for q in question_ids
                },
                "decision_support": {"overall_level": "medium"},
            },
            ensure_ascii=False,
        )
        for _ in range(50)
    ]


def seed(engine, settings, entries: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import update
    from sqlmodel import col

    from app.archive.models import ArchiveEntry
    from app.archive.search import index_text
    from app.assessments.models import Assessment, Submission
    from app.canonical import canonical_json
    from app.db import session_scope
    from app.questionnaires.registry import definition_of, find_version, sync_questionnaires
    from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp
    from app.users.models import Role
    from app.users.service import create_user

    rng = random.Random(22)
    with session_scope(engine) as session:
        sync_questionnaires(session, settings.questionnaires_dir)
        version = find_version(session, settings.default_questionnaire)
        q = definition_of(version)
        values = [v.id for v in q.values]
        obligations = [o.id for o in q.obligations]
        questions = [x.id for s in q.sections for x in s.questions]
        auditor = create_user(
            session,
            email="auditor@bench.example",
            name="Bench Auditor",
            password=PASSWORD,
            roles={Role.auditor},
        )
        lead = create_user(
            session,
            email="lead@bench.example",
            name="Bench Lead",
            password=PASSWORD,
            roles={Role.lead},
        )
        snapshots = _snapshots(rng, questions)
        base = datetime(2020, 1, 1, tzinfo=UTC)
        assessments, archived = [], []
        for i in range(entries):
            signed = base + timedelta(days=rng.randrange(0, 2500), minutes=rng.randrange(1440))
            first = signed - timedelta(days=rng.uniform(1, 150) ** 0.9 + rng.random())
            created = first - timedelta(days=rng.randrange(5, 90))
            archived.append((signed, first))
            assessments.append(_assessment(i, "advice_drafted", created, version.id, lead.id, rng))
        for state, n in IN_PROGRESS.items():
            for _j in range(n):
                created = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(days=rng.randrange(700))
                assessments.append(
                    _assessment(len(assessments), state, created, version.id, lead.id, rng)
                )
        ids = _insert(session, Assessment, assessments, ids=True)
        submissions = []
        for n, (a_id, a) in enumerate(zip(ids, assessments, strict=True)):
            if n < entries:
                signed, first = archived[n]
                times = [first]
                if rng.random() < 0.35:  # changes were asked and it came back
                    times.append(first + (signed - first) * rng.uniform(0.3, 0.8))
            elif a["state"] in ("draft", "withdrawn"):
                continue
            else:
                times = [a["created_at"] + timedelta(days=rng.randrange(2, 40))]
            for number, at in enumerate(times, start=1):
                text = rng.choice(snapshots)
                submissions.append(
                    {
                        "assessment_id": a_id,
                        "number": number,
                        "snapshot_json": text,
                        "sha256": f"{a_id:032x}{number:032x}",
                        "submitted_by_id": lead.id,
                        "submitted_at": at,
                    }
                )
        submission_ids = _insert(session, Submission, submissions, ids=True)
        last_submission = {
            s["assessment_id"]: (sid, s) for sid, s in zip(submission_ids, submissions, strict=True)
        }
        advices, entry_rows = [], []
        for n in range(entries):
            a_id, a = ids[n], assessments[n]
            signed, first = archived[n]
            sid, last = last_submission[a_id]
            advices.append(
                {
                    "assessment_id": a_id,
                    "round": 1,
                    "submission_id": sid,
                    "outcome": rng.choice(["positive", "conditional", "conditional", "negative"]),
                    "summary": "Advies van de commissie.",
                    "rationale_json": "{}",
                    "drafted_by_id": lead.id,
                    "created_at": signed - timedelta(days=3),
                    "finalised_by_id": lead.id,
                    "finalised_at": signed - timedelta(hours=2),
                }
            )
            levels = {v: rng.choice(LEVELS) for v in values}
            entry_rows.append(
                {
                    "assessment_id": a_id,
                    "reference": a["reference"],
                    "title": a["title"],
                    "department": a["department"],
                    "description": a["description"],
                    "search_text": f"{a['reference']}\n{a['title']}\n{a['description']}",
                    "questionnaire_key": version.key,
                    "questionnaire_version": version.version,
                    "outcome": advices[-1]["outcome"],
                    "overall_level": max(levels.values(), key=LEVELS.index),
                    "levels_json": canonical_json(levels),
                    "obligations": " "
                    + " ".join(rng.sample(obligations, rng.randrange(0, 6)))
                    + " ",
                    "created_at": a["created_at"],
                    "submitted_at": last["submitted_at"],
                    "signed_at": signed,
                    "year": signed.year,
                    "retention_until": date(signed.year + 20, 1, 1),
                    "report_sha256": f"{a_id:064x}",
                    "is_public": n % 7 == 0,
                    "published_at": signed + timedelta(days=1) if n % 7 == 0 else None,
                }
            )
        advice_ids = _insert(session, Advice, advices, ids=True)
        conditions, owners_of = [], []
        for advice_id, advice, (signed, _first) in zip(advice_ids, advices, archived, strict=True):
            for number in range(1, rng.choice([0, 1, 2, 3, 3, 4, 5]) + 1):
                due = (signed + timedelta(days=rng.randrange(30, 500))).date()
                conditions.append(
                    {
                        "advice_id": advice_id,
                        "number": number,
                        "text": f"Voorwaarde {number} van het advies.",
                        "owner": rng.choice(OWNERS),
                        "due_on": due if rng.random() < 0.9 else None,
                        "owner_email": "",
                    }
                )
                owners_of.append(advice["assessment_id"])
        condition_ids = _insert(session, AdviceCondition, conditions, ids=True)
        session.execute(
            update(Assessment).where(col(Assessment.id).in_(ids[:entries])).values(state="archived")
        )
        _insert(session, ArchiveEntry, entry_rows)
        for e in entry_rows:
            index_text(session, ArchiveEntry(**e))
        _insert(
            session,
            ConditionFollowUp,
            [
                {
                    "condition_id": c_id,
                    "assessment_id": a_id,
                    "status": rng.choice(STATUSES),
                    "version": 1,
                    "changed_at": datetime(2026, 6, 1, tzinfo=UTC),
                }
                for c_id, a_id in zip(condition_ids, owners_of, strict=True)
            ],
        )
    return {
        "auditor": auditor.id or 0,
        "archived": entries,
        "in_progress": sum(IN_PROGRESS.values()),
        "submissions": len(submissions),
        "conditions": len(conditions),
    }


def _assessment(i: int, state: str, created: datetime, version_id, lead_id, rng) -> dict:  # type: ignore[no-untyped-def]
    return {
        "reference": f"DW-{created.year}-{i + 1:05d}",
        "title": f"Beoordeling {i + 1}",
        "department": rng.choice(DEPARTMENTS),
        "description": "Een dataproject van de gemeente.",
        "questionnaire_version_id": version_id,
        "lead_id": lead_id,
        "state": state,
        "locale": "nl",
        "version": 1,
        "is_public": False,
        "created_at": created,
        "updated_at": created,
    }


VARIANTS = [
    ("all years, all departments", "/dashboard"),
    ("one year", "/dashboard?year=2024"),
    ("one department", "/dashboard?department=Sociaal+Domein"),
    ("year and department", "/dashboard?year=2023&department=Ruimte"),
]


async def measure(app, rounds: int) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        if not await log_in(client, "auditor@bench.example"):
            raise SystemExit("could not log in as the auditor")
        cookie = cookie_header(client)
    statements = [0]

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        statements[0] += 1

    event.listen(app.state.engine, "before_cursor_execute", count)
    times: dict[str, list[float]] = {name: [] for name, _path in VARIANTS}
    queries: dict[str, int] = {}
    size: dict[str, int] = {}
    for n in range(WARM_UP + rounds):
        for name, path in VARIANTS:
            request = httpx.Request("GET", f"http://bench{path}", headers={"Accept-Language": "nl"})
            before = statements[0]
            response, elapsed = await asgi_send(app, request, cookie)
            if response.status_code != 200 or "dashboard-chart" not in response.text:
                raise SystemExit(f"{path} answered {response.status_code}: {response.text[:500]}")
            if n >= WARM_UP:
                times[name].append(elapsed)
            queries[name] = statements[0] - before
            size[name] = len(response.content)
    event.remove(app.state.engine, "before_cursor_execute", count)
    every = [t for values in times.values() for t in values]
    return {
        "p50_ms": statistics.median(every) * 1000,
        "p95_ms": percentile(every, 95) * 1000,
        "requests": len(every),
        "variants": [
            {
                "variant": name,
                "p50_ms": statistics.median(times[name]) * 1000,
                "p95_ms": percentile(times[name], 95) * 1000,
                "queries": queries[name],
                "kb": size[name] / 1024,
            }
            for name, _path in VARIANTS
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.entries > 100_000 or args.rounds > 1000:
        parser.error("bounded: at most 100,000 entries and 1,000 rounds")
    os.environ.update(bench_env(temp_dir("dw-bench-dashboard-"), args.database_url))
    from app.config import get_settings
    from app.db import make_engine
    from app.main import create_app
    from app.migrate import upgrade_to_head

    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    engine_name = "PostgreSQL" if engine.dialect.name == "postgresql" else "SQLite"
    print(f"filling the database ({engine_name})", flush=True)
    t0 = time.perf_counter()
    counts = seed(engine, settings, args.entries)
    if engine.dialect.name == "postgresql":
        # What autovacuum does after bulk inserts, before the measurement rather than in it.
        from sqlalchemy import text

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"  filled in {time.perf_counter() - t0:.1f} s: {counts}", flush=True)
    engine.dispose()
    app = create_app()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = asyncio.run(measure(app, args.rounds))
    print(
        f"\nthe dashboard, in-process, {engine_name}, {args.entries:,} archived assessments "
        f"with {counts['conditions']:,} conditions, {args.rounds} requests per variant "
        f"(after {WARM_UP} to warm up)"
    )
    print(f"  {'variant':30s} {'median':>8s} {'p95':>8s} {'queries':>7s} {'KB':>6s}")
    for v in result["variants"]:
        print(
            f"  {v['variant']:30s} {v['p50_ms']:7.1f}  {v['p95_ms']:7.1f}  {v['queries']:7d} {v['kb']:6.0f}"
        )
    verdict = "within" if result["p95_ms"] < TARGET_MS else "OVER"
    print(
        f"  all {result['requests']} requests: median {result['p50_ms']:.1f} ms, "
        f"p95 {result['p95_ms']:.1f} ms ({verdict} the target of {TARGET_MS:.0f} ms)"
    )
    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "dashboard",
                "engine": engine_name,
                "entries": args.entries,
                "conditions": counts["conditions"],
                "rounds": args.rounds,
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
