"""`datawaarden archive verify`.

archive verify: every stored row that the archive depends on is readable; every snapshot
matches its SHA-256; every archived assessment's stored report versions extend each other and
match the hashes the audit trail recorded; the newest version's signatures are intact and
trusted; and everything stored about the assessment (advice, conditions, opinions, verdicts,
comments, answers, archive entry) agrees with what the signed report seals (app.archive.binding).
Then the audit trail as below.

audit verify: app.archive.trail.

Nothing stops at the first problem, and nothing raises: a damaged row is a finding."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from app.archive.binding import Finding, check_binding, check_public_binding
from app.archive.models import ArchiveEntry
from app.archive.rows import RowProblem, scan_table
from app.archive.trail import ReportHead, verify_audit_trail
from app.assessments.models import Answer, AnswerRevision, Assessment, Submission
from app.audit.checkpoints import Sealer
from app.audit.models import AuditCheckpoint
from app.canonical import sha256_hex
from app.reports.models import PublicReport, Report
from app.reports.sealed import SealedContent, read_sealed
from app.reports.validator import Validator, load_trust_roots
from app.reports.verify import verify_pdf
from app.reviews.models import Advice, AdviceCondition, Opinion, ReviewComment, SectionVerdict

SEALED_STATES = ("signed", "archived")


@dataclass
class ArchiveReport:
    """What archive verify checked and found."""

    submissions: int = 0
    reports: int = 0
    assessments: int = 0
    audit_events: int = 0
    checkpoints: int = 0
    problems: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def count_items(session: Session) -> int:
    """How many snapshots and reports archive verify will look at (for a progress bar)."""
    submissions = session.exec(select(func.count()).select_from(Submission)).one()
    reports = session.exec(select(func.count()).select_from(Report)).one()
    public = session.exec(select(func.count()).select_from(PublicReport)).one()
    return int(submissions) + int(reports) + int(public)


# --- damaged rows ----------------------------------------------------------------------------


def _table(model: Any) -> Any:
    return model.__table__


def scan_rows(session: Session) -> list[RowProblem]:
    """Every damaged value in the rows that signed assessments depend on."""
    sealed = select(Assessment.id).where(col(Assessment.state).in_(SEALED_STATES))
    advices = select(Advice.id).where(col(Advice.assessment_id).in_(sealed))
    found: list[RowProblem] = []
    found.extend(scan_table(session, _table(Assessment), where=col(Assessment.id).in_(sealed)))
    model: type[SQLModel]
    for model in (Submission, Report, PublicReport, AuditCheckpoint, ArchiveEntry):
        found.extend(scan_table(session, _table(model)))
    for model in (Answer, AnswerRevision, ReviewComment, SectionVerdict, Advice):
        found.extend(
            scan_table(session, _table(model), where=_table(model).c.assessment_id.in_(sealed))
        )
    for model in (AdviceCondition, Opinion):
        found.extend(
            scan_table(session, _table(model), where=_table(model).c.advice_id.in_(advices))
        )
    return found


# --- reports, in worker processes --------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _init_worker(roots_pem: bytes, crls: tuple[bytes, ...], fetch: bool) -> None:
    roots = load_trust_roots(roots_pem)
    _WORKER["validator"] = Validator(
        tuple(roots), tuple(asn1_crl.CertificateList.load(c) for c in crls), fetch
    )
    _WORKER["context"] = ValidationContext(trust_roots=roots, allow_fetching=False)


def _check_signatures(pdf: bytes) -> tuple[bool, str | None, dict[str, bytes], list[str]]:
    """Signature check of one report (CPU-bound Python, so in a worker process), with what is
    wrong with the evidence it embeds (each file its snapshot lists). The bytes are an
    archived report's: that nothing was changed after signing is checked against the hashes
    in the audit trail (app.archive.binding), not by a difference analysis."""
    check = verify_pdf(
        pdf,
        trust_roots=[],
        validator=_WORKER["validator"],  # type: ignore[arg-type]
        context=_WORKER["context"],  # type: ignore[arg-type]
        known=True,
    )
    problem = None
    if not check.signatures_ok:
        problem = "a signature is missing, broken or not trusted"
        if check.signatures and not check.signatures[-1].covers_whole_file:
            problem = "the file was changed after its last signature"
    evidence = [e.describe() for e in check.evidence if e.problem is not None]
    return check.signatures_ok, problem, check.attachments, evidence


class _InProcess:
    """The worker pool's interface, in this process (workers=0: tests, small archives)."""

    def __init__(self, initargs: tuple[Any, ...]) -> None:
        _init_worker(*initargs)

    def map(self, fn: Callable[[bytes], Any], items: list[bytes]) -> Iterator[Any]:
        return map(fn, items)

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


class _Processes:
    def __init__(self, count: int, initargs: tuple[Any, ...]) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=count, initializer=_init_worker, initargs=initargs
        )

    def map(self, fn: Callable[[bytes], Any], items: list[bytes]) -> Iterator[Any]:
        return self._pool.map(fn, items, chunksize=4)

    def __enter__(self) -> _Processes:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._pool.shutdown()


def _pool(count: int, initargs: tuple[Any, ...]) -> _InProcess | _Processes:
    return _InProcess(initargs) if count == 0 else _Processes(count, initargs)


@dataclass
class _Archived:
    assessment: Assessment
    versions: list[tuple[Report, bytes]]
    entry: ArchiveEntry | None
    public: list[tuple[PublicReport, bytes]] = field(default_factory=list)


def _archived(session: Session, skip: set[int], size: int = 32) -> Iterator[list[_Archived]]:
    last = 0
    while True:
        assessments = session.exec(
            select(Assessment)
            .where(col(Assessment.state).in_(SEALED_STATES), col(Assessment.id) > last)
            .order_by(col(Assessment.id))
            .limit(size)
        ).all()
        if not assessments:
            return
        last = assessments[-1].id or 0
        ids = [a.id for a in assessments if a.id not in skip]
        reports = session.exec(
            select(Report)
            .where(col(Report.assessment_id).in_(ids))
            .order_by(col(Report.assessment_id), col(Report.advice_id), col(Report.sequence))
        ).all()
        entries = {
            e.assessment_id: e
            for e in session.exec(
                select(ArchiveEntry).where(col(ArchiveEntry.assessment_id).in_(ids))
            ).all()
        }
        by_assessment: dict[int, list[tuple[Report, bytes]]] = {}
        for report in reports:
            by_assessment.setdefault(report.assessment_id, []).append((report, bytes(report.pdf)))
        public_by_assessment: dict[int, list[tuple[PublicReport, bytes]]] = {}
        for public in session.exec(
            select(PublicReport)
            .where(col(PublicReport.assessment_id).in_(ids))
            .order_by(
                col(PublicReport.assessment_id),
                col(PublicReport.advice_id),
                col(PublicReport.sequence),
            )
        ).all():
            public_by_assessment.setdefault(public.assessment_id, []).append(
                (public, bytes(public.pdf))
            )
        yield [
            _Archived(
                a,
                by_assessment.get(a.id or 0, []),
                entries.get(a.id or 0),
                public_by_assessment.get(a.id or 0, []),
            )
            for a in assessments
            if a.id not in skip
        ]
        session.expunge_all()  # keep memory flat over thousands of PDFs


def _report_findings(item: _Archived) -> list[Finding]:
    found = []
    for report, pdf in item.versions:
        if sha256_hex(pdf) != report.sha256:
            found.append(
                Finding(
                    "report",
                    item.assessment.reference,
                    f"version {report.sequence}: stored report does not match its SHA-256",
                )
            )
    for public, pdf in item.public:
        if sha256_hex(pdf) != public.sha256:
            found.append(
                Finding(
                    "public",
                    item.assessment.reference,
                    f"public edition version {public.sequence}: stored public edition does "
                    "not match its SHA-256",
                )
            )
    return found


def _public_findings(
    session: Session,
    item: _Archived,
    checked: tuple[bool, str | None, dict[str, bytes], list[str]],
) -> list[Finding]:
    """The public edition of one archived assessment: its signatures and its binding."""
    if not item.public:
        return []
    subject = item.assessment.reference
    signatures_ok, problem, attachments, _evidence = checked
    found = []
    if not signatures_ok:
        found.append(Finding("signature", subject, f"public edition: {problem or 'invalid'}"))
    try:
        found.extend(
            check_public_binding(
                session,
                assessment=item.assessment,
                versions=item.public,
                sealed=read_sealed(attachments),
                internal=item.versions[0][0] if item.versions else None,
            )
        )
    except Exception as exc:  # a checker never crashes: name what failed
        found.append(
            Finding("damaged", subject, f"public edition cannot be compared: {type(exc).__name__}")
        )
    return found


def verify_archive(
    session: Session,
    *,
    validator: Validator,
    sealer: Sealer,
    checkpoint_file: Path | None,
    anchors: Iterable[Path] = (),
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ArchiveReport:
    """Check everything that was stored; every problem is listed, nothing stops at the first."""
    result = ArchiveReport()
    damaged = scan_rows(session)
    result.problems.extend(Finding("damaged", str(p.table), str(p)) for p in damaged)
    skip: set[int | None] = {p.assessment_id for p in damaged if p.assessment_id is not None}
    skip |= {
        _owner(session, p)
        for p in damaged
        if p.table in ("reports", "public_reports", "archive_entries")
    }
    skip.discard(None)
    for assessment_id in sorted(i for i in skip if i is not None):
        result.problems.append(
            Finding(
                "damaged",
                f"assessment {assessment_id}",
                "not compared with its signed report: some of its rows cannot be read",
            )
        )
    _check_snapshots(session, result, progress)
    heads: list[ReportHead] = []
    roots_pem = b"".join(pem.armor("CERTIFICATE", c.dump()) for c in validator.trust_roots)
    initargs = (
        roots_pem,
        tuple(c.dump() for c in validator.known_crls),
        validator.fetch_current_revocation,
    )
    count = max(1, min(os.cpu_count() or 1, 8)) if workers is None else workers
    without_public = 0
    with _pool(count, initargs) as pool:
        # The workers check the next batch's signatures while this process compares the
        # previous batch with the database.
        pending: tuple[list[_Archived], Iterator[Any], Iterator[Any]] | None = None
        for batch in _archived(session, {i for i in skip if i is not None}):
            newest = [item.versions[-1][1] if item.versions else b"" for item in batch]
            with_public = [item.public[-1][1] for item in batch if item.public]
            submitted = (
                batch,
                pool.map(_check_signatures, newest),
                pool.map(_check_signatures, with_public),
            )
            if pending is not None:
                without_public += _judge(session, result, heads, *pending, progress=progress)
            pending = submitted
        if pending is not None:
            without_public += _judge(session, result, heads, *pending, progress=progress)
    if without_public:
        result.notices.append(
            f"{without_public} signed reports have no public edition yet: the register offers "
            "no PDF for them until `datawaarden archive public-editions` made it"
        )
    _orphan_reports(session, result)
    audit = verify_audit_trail(
        session,
        sealer=sealer,
        checkpoint_file=checkpoint_file,
        anchors=anchors,
        report_heads=heads,
    )
    result.audit_events = audit.chain.count
    result.checkpoints = audit.checkpoints
    result.problems.extend(audit.problems)
    result.notices.extend(audit.notices)
    return result


def _judge(
    session: Session,
    result: ArchiveReport,
    heads: list[ReportHead],
    batch: list[_Archived],
    checks_of_newest: Iterator[Any],
    checks_of_public: Iterator[Any],
    *,
    progress: Callable[[int], None] | None,
) -> int:
    """Add the findings on one batch of archived assessments, given their signature checks;
    returns how many of them have a signed report but no public edition."""
    without_public = 0
    checks = list(checks_of_newest)
    with_public = [item for item in batch if item.public]
    public_checks = dict(zip([id(item) for item in with_public], checks_of_public, strict=True))
    for item, (signatures_ok, problem, attachments, evidence) in zip(batch, checks, strict=True):
        if item.versions and not item.public:
            without_public += 1
        if item.public:
            result.reports += len(item.public)
            result.problems.extend(_public_findings(session, item, public_checks[id(item)]))
            public_head = (read_sealed(public_checks[id(item)][2]).advice or {}).get("audit_head")
            if isinstance(public_head, str):
                # A waypoint only: the public edition's own event is not compared with the
                # internal report's signing (report id 0 matches no event).
                heads.append(
                    ReportHead(0, f"the public edition of {item.assessment.reference}", public_head)
                )
        subject = item.assessment.reference
        result.assessments += 1
        result.reports += len(item.versions)
        result.problems.extend(_report_findings(item))
        if item.versions and not signatures_ok:
            result.problems.append(Finding("signature", subject, problem or "invalid"))
        result.problems.extend(Finding("evidence", subject, text) for text in evidence)
        sealed = read_sealed(attachments) if item.versions else SealedContent()
        try:
            result.problems.extend(
                check_binding(
                    session,
                    assessment=item.assessment,
                    versions=item.versions,
                    sealed=sealed,
                    entry=item.entry,
                )
            )
        except Exception as exc:  # a checker never crashes: name what failed
            result.problems.append(
                Finding("damaged", subject, f"cannot be compared: {type(exc).__name__}")
            )
        head = (sealed.advice or {}).get("audit_head")
        if isinstance(head, str) and item.versions:
            heads.append(ReportHead(item.versions[0][0].id or 0, subject, head))
    if progress:
        progress(sum(len(item.versions) + len(item.public) for item in batch))
    return without_public


def _owner(session: Session, problem: RowProblem) -> int | None:
    """The assessment a damaged report or archive entry belongs to, if it can be told."""
    try:
        if problem.table == "archive_entries":
            return int(problem.row)
        table = _table(PublicReport if problem.table == "public_reports" else Report)
        row = session.execute(
            select(table.c.assessment_id).where(table.c.id == int(problem.row))
        ).scalar()
        return int(row) if row is not None else None
    except (ValueError, TypeError):
        return None


def _check_snapshots(
    session: Session, result: ArchiveReport, progress: Callable[[int], None] | None
) -> None:
    table = _table(Submission)
    after = None
    while True:
        # SQLAlchemy's select: SQLModel's is typed for at most four columns.
        statement = (
            sa_select(
                table.c.id,
                table.c.assessment_id,
                table.c.number,
                table.c.snapshot_json,
                table.c.sha256,
            )
            .order_by(table.c.id)
            .limit(500)
        )
        if after is not None:
            statement = statement.where(table.c.id > after)
        rows = session.execute(statement).all()
        if not rows:
            return
        for row in rows:
            name = f"assessment {row.assessment_id} submission {row.number}"
            text = row.snapshot_json
            if not isinstance(text, str) or sha256_hex(text) != row.sha256:
                result.problems.append(
                    Finding("snapshot", name, "stored snapshot does not match its SHA-256")
                )
            result.submissions += 1
        after = rows[-1].id
        if progress:
            progress(len(rows))


def _orphan_reports(session: Session, result: ArchiveReport) -> None:
    for model, what in ((Report, "report"), (PublicReport, "public edition")):
        table = _table(model)
        rows = session.execute(
            select(table.c.id, table.c.assessment_id).where(
                table.c.assessment_id.not_in(
                    select(Assessment.id).where(col(Assessment.state).in_(SEALED_STATES))
                )
            )
        ).all()
        for row in rows:
            result.problems.append(
                Finding(
                    "report",
                    f"{what} {row.id}",
                    f"stored for assessment {row.assessment_id}, which is not signed",
                )
            )


# --- the audit trail ---------------------------------------------------------------------------
