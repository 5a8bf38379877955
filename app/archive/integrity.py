"""`datawaarden archive verify`: re-hash every stored report and snapshot, validate every
signature, compare every embedded snapshot with the archive, and walk the audit chain."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from asn1crypto import pem
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, Submission
from app.audit.service import verify_chain
from app.canonical import sha256_hex
from app.config import Settings
from app.reports.models import Report
from app.reports.render import snapshot_matches
from app.reports.service import trust_roots
from app.reports.verify import load_trust_roots, verify_pdf


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str


@dataclass
class ArchiveReport:
    submissions: int = 0
    reports: int = 0
    audit_events: int = 0
    problems: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _batched(session: Session, model, order, size: int) -> Iterator[list]:  # type: ignore[no-untyped-def]
    last = 0
    while True:
        rows = session.exec(select(model).where(order > last).order_by(order).limit(size)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def count_items(session: Session) -> int:
    submissions = session.exec(select(func.count()).select_from(Submission)).one()
    reports = session.exec(select(func.count()).select_from(Report)).one()
    return int(submissions) + int(reports)


_WORKER: dict[str, object] = {}


def _init_worker(roots_pem: bytes) -> None:
    roots = load_trust_roots(roots_pem)
    _WORKER["roots"] = roots
    _WORKER["context"] = ValidationContext(trust_roots=roots, allow_fetching=False)


def _check_report(job: tuple[bytes, str, str | None]) -> list[tuple[str, str]]:
    """Check one stored report (in a worker process: signature checks are CPU-bound Python)."""
    pdf, stored_sha, snapshot = job
    problems = []
    if sha256_hex(pdf) != stored_sha:
        problems.append(("report", "stored report does not match its SHA-256"))
    check = verify_pdf(pdf, trust_roots=_WORKER["roots"], context=_WORKER["context"])  # type: ignore[arg-type]
    if not check.signatures_ok:
        problems.append(("signature", "a signature is missing, broken or not trusted"))
    if snapshot is None or not snapshot_matches(check.attachment, snapshot):
        problems.append(("embedded", "embedded snapshot does not match the archive"))
    return problems


def verify_archive(
    session: Session,
    *,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ArchiveReport:
    """Check everything that was stored; every problem is listed, nothing stops at the first."""
    result = ArchiveReport()
    references = {a.id: a.reference for a in session.exec(select(Assessment)).all()}
    snapshots: dict[str, str] = {}
    for batch in _batched(session, Submission, col(Submission.id), 500):
        for submission in batch:
            name = f"{references.get(submission.assessment_id, '?')} submission {submission.number}"
            if sha256_hex(submission.snapshot_json) != submission.sha256:
                result.problems.append(
                    Finding("snapshot", name, "stored snapshot does not match its SHA-256")
                )
            snapshots[submission.sha256] = submission.snapshot_json
            result.submissions += 1
        if progress:
            progress(len(batch))
    roots_pem = b"".join(pem.armor("CERTIFICATE", c.dump()) for c in trust_roots(settings))
    count = workers or max(1, min(os.cpu_count() or 1, 8))
    with ProcessPoolExecutor(
        max_workers=count, initializer=_init_worker, initargs=(roots_pem,)
    ) as pool:
        for batch in _batched(session, Report, col(Report.id), 64):
            jobs = [(r.pdf, r.sha256, snapshots.get(r.snapshot_sha256)) for r in batch]
            names = [f"{references.get(r.assessment_id, '?')} report {r.sequence}" for r in batch]
            session.expunge_all()  # keep memory flat over thousands of PDFs
            for name, problems in zip(
                names, pool.map(_check_report, jobs, chunksize=8), strict=True
            ):
                result.problems.extend(Finding(kind, name, detail) for kind, detail in problems)
                result.reports += 1
            if progress:
                progress(len(batch))
    chain = verify_chain(session)
    result.audit_events = chain.count
    if chain.problem is not None:
        result.problems.append(
            Finding("audit", f"event {chain.problem.event_id}", chain.problem.reason)
        )
    return result
