"""Benchmark: archive search over 10,000 archived assessments, and `archive verify` throughput.

Fills a fresh database consistently: every archived assessment has its archive row and
full-text entry (bulk insert); a subset has real signed reports, made from one rendered
report signed again for each assessment, so that verification does real work.
Usage: python bench/archive.py [--entries 10000] [--reports 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
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


def fill_archive(
    session,
    count: int,
    *,
    version_id: int,
    lead_ids: list[int],
    rng: random.Random,
    state: str = "archived",
) -> list[dict]:  # type: ignore[no-untyped-def]
    """`count` archived assessments with their archive rows and full-text entries, in bulk
    (random titles, departments, outcomes and levels, signed between 2020 and 2026, one in
    seven public; the leads take turns). Returns the archive rows (with their assessment ids),
    oldest reference first. A `state` before "signed" lets rows that an archived assessment
    seals (answers, advice, ...) be added before the state is set to "archived"."""
    from sqlalchemy import insert

    from app.archive.models import ArchiveEntry
    from app.archive.search import index_text
    from app.assessments.models import Assessment
    from app.canonical import canonical_json

    base = datetime(2020, 1, 1, tzinfo=UTC)
    assessments, entries = [], []
    for i in range(1, count + 1):
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        signed = base + timedelta(days=rng.randrange(0, 2500))
        ref = f"DW-{signed.year}-{i:05d}"
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i}"
        assessments.append(
            {
                "reference": ref,
                "title": title,
                "department": rng.choice(DEPARTMENTS),
                "description": words[:200],
                "questionnaire_version_id": version_id,
                "lead_id": lead_ids[i % len(lead_ids)],
                "state": state,
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
                "published_at": signed + timedelta(days=1) if i % 7 == 0 else None,
            }
        )
    ids = session.execute(
        insert(Assessment).returning(Assessment.id, sort_by_parameter_order=True), assessments
    ).scalars()
    for entry, assessment_id in zip(entries, ids, strict=True):
        entry["assessment_id"] = assessment_id
    session.execute(insert(ArchiveEntry), entries)
    for e in entries:
        index_text(session, ArchiveEntry(**e))
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from bench.common import bench_env, percentile, temp_dir

    os.environ.update(bench_env(temp_dir("dw-bench-archive-"), args.database_url))
    from app.archive.search import ArchiveQuery, search
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
        fill_archive(
            session, args.entries, version_id=version.id or 0, lead_ids=[lead.id or 0], rng=rng
        )
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


class DemoCopies:
    """Copies of the signed demo assessment (`datawaarden demo`), each under a reference of its
    own: its rows (assessment, answers, submission, advice, conditions, opinions) copied, ready
    to be signed (`ready_to_sign`), or also signed and archived (`archived`): a B-LTA report
    with the copy's own embedded snapshot and advice document, the signing in the audit trail,
    the archive row. The report's pages are laid out once (WeasyPrint's layout is the slow part
    and is the same for every copy); each copy's PDF is then written with its own attachments
    and signed."""

    def __init__(self, session, settings) -> None:  # type: ignore[no-untyped-def]
        import weasyprint
        from sqlmodel import select

        from app.assessments.models import Answer, Assessment, Submission
        from app.reports import render
        from app.reports.models import Report
        from app.reports.signing import load_signing_key, long_term
        from app.reviews.models import Advice, AdviceCondition, Opinion
        from app.users.models import User

        self.settings = settings
        self.key = load_signing_key(settings)
        self.lta = long_term(settings, self.key)
        report = session.exec(select(Report).order_by(Report.id)).first()
        self.original = session.get(Assessment, report.assessment_id)
        self.advice = session.get(Advice, report.advice_id)
        self.chair = session.get(User, report.signed_by_id)
        self.submission = session.get(Submission, self.advice.submission_id)
        source = render.gather(
            session,
            assessment=self.original,
            advice=self.advice,
            settings=settings,
            audit_head=report.audit_head_hash,
            signer=self.chair,
            now=report.signed_at,
        )
        self._source_html = render.render_html(source)
        self._layout = None
        self.answers = session.exec(
            select(Answer).where(Answer.assessment_id == self.original.id)
        ).all()
        self.conditions = session.exec(
            select(AdviceCondition).where(AdviceCondition.advice_id == self.advice.id)
        ).all()
        self.opinions = session.exec(
            select(Opinion).where(Opinion.advice_id == self.advice.id)
        ).all()
        self.snapshot = json.loads(self.submission.snapshot_json)
        self._weasyprint = weasyprint

    def ready_to_sign(self, session, reference: str):  # type: ignore[no-untyped-def]
        """A copy with a final advice, waiting for the chair's signature: (assessment, advice,
        submission)."""
        from app.assessments.models import Answer, Assessment, Submission
        from app.canonical import canonical_json, sha256_hex
        from app.reviews.models import Advice, AdviceCondition, Opinion

        original, advice, submission = self.original, self.advice, self.submission
        copy = Assessment(
            reference=reference,
            title=original.title,
            department=original.department,
            description=original.description,
            questionnaire_version_id=original.questionnaire_version_id,
            lead_id=original.lead_id,
            state="advice_drafted",
        )
        session.add(copy)
        session.flush()
        for a in self.answers:
            session.add(
                Answer(
                    assessment_id=copy.id,
                    question_id=a.question_id,
                    value_json=a.value_json,
                    updated_by_id=a.updated_by_id,
                )
            )
        text = canonical_json({**self.snapshot, "reference": reference})
        frozen = Submission(
            assessment_id=copy.id,
            number=1,
            snapshot_json=text,
            sha256=sha256_hex(text),
            submitted_by_id=submission.submitted_by_id,
            submitted_at=submission.submitted_at,
        )
        session.add(frozen)
        session.flush()
        advised = Advice(
            assessment_id=copy.id,
            round=1,
            submission_id=frozen.id,
            outcome=advice.outcome,
            summary=advice.summary,
            rationale_json=advice.rationale_json,
            reassess_on=advice.reassess_on,
            drafted_by_id=advice.drafted_by_id,
            finalised_by_id=advice.finalised_by_id,
            finalised_at=advice.finalised_at,
        )
        session.add(advised)
        session.flush()
        for c in self.conditions:
            session.add(
                AdviceCondition(
                    advice_id=advised.id,
                    number=c.number,
                    text=c.text,
                    owner=c.owner,
                    due_on=c.due_on,
                )
            )
        for o in self.opinions:
            session.add(
                Opinion(advice_id=advised.id, member_id=o.member_id, stance=o.stance, note=o.note)
            )
        session.flush()
        return copy, advised, frozen

    def archived(self, session, reference: str, *, public: bool = False):  # type: ignore[no-untyped-def]
        """A copy signed by the demo's chair and archived (in the public register with
        `public`); returns the assessment."""
        from app.archive.service import index_assessment
        from app.audit.service import head_hash, record_event
        from app.canonical import canonical_json, sha256_hex
        from app.reports import render
        from app.reports.models import Report
        from app.reports.sealed import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT, advice_document
        from app.reports.signing import sign_pdf
        from app.timeutil import utcnow

        weasyprint = self._weasyprint
        if self._layout is None:
            self._layout = weasyprint.HTML(
                string=self._source_html, base_url=str(render.ROOT / "templates" / "pdf")
            ).render()
        copy, advised, frozen = self.ready_to_sign(session, reference)
        chair = self.chair
        audit_head = head_hash(session)
        document = advice_document(
            session, assessment=copy, advice=advised, signer=chair, audit_head=audit_head
        )
        pdf = self._layout.write_pdf(
            pdf_variant="pdf/a-3b",
            attachments=[
                weasyprint.Attachment(
                    string=frozen.snapshot_json, name=SNAPSHOT_ATTACHMENT, relationship="Data"
                ),
                weasyprint.Attachment(
                    string=canonical_json(document), name=ADVICE_ATTACHMENT, relationship="Data"
                ),
            ],
        )
        signed = sign_pdf(
            pdf,
            key=self.key,
            field_name="Signature1",
            signer_name=chair.name,
            reason="bench",
            location=self.settings.org_name,
            long_term=self.lta,
        )
        stored = Report(
            assessment_id=copy.id,
            advice_id=advised.id,
            sequence=1,
            pdf=signed,
            sha256=sha256_hex(signed),
            snapshot_sha256=frozen.sha256,
            signed_by_id=chair.id,
            audit_head_hash=audit_head,
        )
        session.add(stored)
        session.flush()
        record_event(
            session,
            action="report.signed",
            actor_id=chair.id,
            object_type="report",
            object_id=stored.id,
            assessment_id=copy.id,
            details={"sha256": stored.sha256, "sequence": 1, "audit_head": audit_head},
        )
        copy.state = "archived"
        copy.is_public = public
        session.add(copy)
        session.flush()
        entry = index_assessment(session, copy)
        if public:
            entry.published_at = utcnow()
            session.add(entry)
            session.flush()
        return copy


def verify_throughput(count: int) -> float:
    """`count` archived assessments, each with its own signed B-LTA report (`DemoCopies`), and
    the time of `archive verify` over them, so that every check of archive verify runs."""
    from app.archive.integrity import verify_archive
    from app.audit.checkpoints import take_checkpoint
    from app.config import get_settings
    from app.db import make_engine, session_scope
    from app.demo import run_demo
    from app.reports.checking import validator_for
    from app.reports.pki import ensure_dev_pki
    from app.reports.seal import organisation_seal
    from bench.common import bench_env, temp_dir

    os.environ.update(bench_env(temp_dir("dw-bench-verify-")))
    get_settings.cache_clear()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    from app.migrate import upgrade_to_head

    upgrade_to_head(engine)
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    run_demo(engine, settings)
    with session_scope(engine) as session:
        copies = DemoCopies(session, settings)
        for n in range(count):
            copies.archived(session, f"DW-BENCH-{n:05d}")
            if n % 50 == 49:
                session.commit()
    seal = organisation_seal(settings)
    take_checkpoint(
        engine, sealer=seal, organisation=settings.org_name, file=settings.checkpoint_file
    )
    with session_scope(engine) as session:
        t = time.perf_counter()
        result = verify_archive(
            session,
            validator=validator_for(settings),
            sealer=seal,
            checkpoint_file=settings.checkpoint_file,
        )
        elapsed = time.perf_counter() - t
    assert result.ok, [f"{p.kind} {p.subject} {p.detail}" for p in result.problems[:5]]
    rate = result.reports / elapsed
    print(
        f"archive verify: {result.assessments} archived assessments, {result.reports} B-LTA reports "
        f"and {result.submissions} snapshots in {elapsed:.2f} s = {rate:.0f} reports/s "
        f"(rows, bindings, audit chain of {result.audit_events} events and "
        f"{result.checkpoints} checkpoints included)"
    )
    return rate


if __name__ == "__main__":
    main()
