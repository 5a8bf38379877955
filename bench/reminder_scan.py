"""The reminder scan over a large archive: N signed assessments with three conditions each
(due dates spread over a year, every follow-up status), on SQLite or PostgreSQL.

Measures the first scan (everything due is recorded: reminders, notifications, outbox mails),
a second scan the same day (nothing new: the steady state of a scan every five minutes) and a
scan a week later, then sends the outbox to a local SMTP server (aiosmtpd).

    .venv/bin/python bench/reminder_scan.py [--assessments 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TODAY = date(2027, 3, 1)
STATUSES = ["open", "in_progress", "reopened", "done", "accepted", "waived"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="dw-bench-reminders-"))
    os.environ.update(
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_DATA_DIR=str(data),
        DATAWAARDEN_SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        DATAWAARDEN_AUDIT_CHECKPOINT_FILE="off",
        DATAWAARDEN_LOG_LEVEL="WARNING",
    )
    from aiosmtpd.controller import Controller

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            Count.received += 1
            return "250 OK"

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["DATAWAARDEN_SMTP_URL"] = f"smtp://127.0.0.1:{port}"

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = f"sqlite:///{data / 'bench.db'}"
    admin = None
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"dw_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    os.environ["DATAWAARDEN_DATABASE_URL"] = url
    try:
        result = run(url, args.assessments)
        result["database"] = "postgresql" if args.postgres else "sqlite"
        result["mails_received"] = Count.received
        print("RESULT " + json.dumps(result))
    finally:
        controller.stop()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, count: int) -> dict:
    import app.models  # noqa: F401
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.jobs import runs
    from app.migrate import upgrade_to_head
    from app.questionnaires.registry import sync_questionnaires

    engine = make_engine(url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        sync_questionnaires(session, ROOT / "tests" / "questionnaires")
    t = time.perf_counter()
    conditions = seed(engine, count)
    seeded = time.perf_counter() - t
    settings = get_settings()
    timings = {}
    for label, day in (("first", TODAY), ("again", TODAY), ("week_later", TODAY + timedelta(7))):
        t = time.perf_counter()
        scanned = runs.scan(engine, settings, today=day)
        timings[label] = {
            "seconds": round(time.perf_counter() - t, 3),
            "recorded": scanned.reminders,
        }
    t = time.perf_counter()
    sent = 0
    while True:
        batch = runs.send(engine, settings).sent
        sent += batch
        if not batch:
            break
    send_seconds = time.perf_counter() - t
    engine.dispose()
    return {
        "bench": "reminder_scan",
        "assessments": count,
        "conditions": conditions,
        "seed_seconds": round(seeded, 1),
        "scan": timings,
        "sent": sent,
        "send_seconds": round(send_seconds, 2),
        "mails_per_second": round(sent / send_seconds, 1) if send_seconds else None,
    }


def seed(engine, count: int) -> int:  # type: ignore[no-untyped-def]
    """Bulk rows, as the signing path leaves them (conditions inserted before the state moves
    to signed: the guard triggers refuse them after)."""
    from sqlalchemy import insert, select, update

    from app.assessments.models import Assessment, Submission
    from app.questionnaires.models import QuestionnaireVersion
    from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp
    from app.users.models import User, UserRole

    rng = random.Random(42)
    tables = {m: m.__table__ for m in (Assessment, Submission, Advice, AdviceCondition,  # type: ignore[attr-defined]
                                        ConditionFollowUp, User, UserRole)}  # fmt: skip
    now = datetime(2027, 1, 10, tzinfo=UTC)
    with engine.begin() as conn:
        version = conn.execute(select(QuestionnaireVersion.__table__.c.id)).scalars().first()  # type: ignore[attr-defined]
        users = []
        for n in range(60):
            users.append(
                conn.execute(
                    insert(tables[User]).values(
                        email=f"user{n}@bench.example", name=f"User {n}", password_hash="x",
                        is_active=True, locale="en" if n % 3 else "nl", is_demo=False, created_at=now,
                    ).returning(tables[User].c.id)
                ).scalar_one()
            )  # fmt: skip
        for role, who in (("chair", users[:2]), ("board", users[:8])):
            conn.execute(insert(tables[UserRole]), [{"user_id": u, "role": role} for u in who])
        conditions = 0
        for start in range(0, count, 1000):
            size = min(1000, count - start)
            ids = [
                conn.execute(
                    insert(tables[Assessment]).values(
                        reference=f"DW-B-{start + i:06d}", title=f"Project {start + i}",
                        department="Bench", description="-", questionnaire_version_id=version,
                        lead_id=rng.choice(users[10:]), state="in_review", locale="nl",
                        version=1, is_public=False,
                        rapporteur_id=rng.choice(users[2:8]) if rng.random() < 0.8 else None,
                        created_at=now, updated_at=now,
                    ).returning(tables[Assessment].c.id)
                ).scalar_one()
                for i in range(size)
            ]  # fmt: skip
            subs = conn.execute(
                insert(tables[Submission]).returning(tables[Submission].c.id, sort_by_parameter_order=True),
                [{"assessment_id": a, "number": 1, "snapshot_json": "{}", "sha256": "0" * 64,
                  "submitted_by_id": users[10], "submitted_at": now} for a in ids],
            ).scalars().all()  # fmt: skip
            advices = conn.execute(
                insert(tables[Advice]).returning(tables[Advice].c.id, sort_by_parameter_order=True),
                [{"assessment_id": a, "round": 1, "submission_id": s, "outcome": "conditional",
                  "summary": "-", "rationale_json": "{}", "drafted_by_id": users[0],
                  "finalised_by_id": users[0], "finalised_at": now, "created_at": now,
                  "reassess_on": TODAY + timedelta(days=rng.randint(-60, 400))}
                 for a, s in zip(ids, subs, strict=True)],
            ).scalars().all()  # fmt: skip
            rows = []
            for advice in advices:
                for number in (1, 2, 3):
                    rows.append({
                        "advice_id": advice, "number": number, "text": "Voorwaarde " * 8,
                        "owner": "Team", "due_on": TODAY + timedelta(days=rng.randint(-180, 180)),
                        "owner_user_id": rng.choice(users[10:]) if rng.random() < 0.6 else None,
                        "owner_email": f"contact{rng.randint(0, 500)}@bench.example"
                        if rng.random() < 0.5 else "",
                    })  # fmt: skip
            made = conn.execute(
                insert(tables[AdviceCondition]).returning(
                    tables[AdviceCondition].c.id, tables[AdviceCondition].c.advice_id,
                    sort_by_parameter_order=True),
                rows,
            ).all()  # fmt: skip
            by_advice = dict(zip(advices, ids, strict=True))
            conn.execute(
                update(tables[Assessment])
                .where(tables[Assessment].c.id.in_(ids))
                .values(state="signed")
            )
            conn.execute(
                insert(tables[ConditionFollowUp]),
                [{"condition_id": c, "assessment_id": by_advice[a], "version": 1,
                  "status": rng.choice(STATUSES), "changed_at": now} for c, a in made],
            )  # fmt: skip
            conditions += len(made)
    return conditions


if __name__ == "__main__":
    main()
