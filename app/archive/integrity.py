"""`datawaarden archive verify`: re-hash every stored report and snapshot, validate every
signature, compare every embedded snapshot with the archive, and walk the audit chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pyhanko_certvalidator import ValidationContext
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, Submission
from app.audit.service import verify_chain
from app.canonical import sha256_hex
from app.config import Settings
from app.reports.models import Report
from app.reports.render import snapshot_matches
from app.reports.service import trust_roots
from app.reports.verify import verify_pdf


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


def _batched(session: Session, model, order, size: int = 200) -> Iterator[list]:  # type: ignore[no-untyped-def]
    last = 0
    while True:
        rows = session.exec(select(model).where(order > last).order_by(order).limit(size)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1].id


def count_items(session: Session) -> int:
    from sqlalchemy import func

    return int(session.exec(select(func.count()).select_from(Submission)).one()) + int(
        session.exec(select(func.count()).select_from(Report)).one()
    )


def verify_archive(
    session: Session, *, settings: Settings, progress: Callable[[int], None] | None = None
) -> ArchiveReport:
    """Check everything that was stored; every problem is listed, nothing stops at the first."""
    result = ArchiveReport()
    references = {a.id: a.reference for a in session.exec(select(Assessment)).all()}
    snapshots: dict[str, str] = {}
    for batch in _batched(session, Submission, col(Submission.id)):
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
    roots = trust_roots(settings)
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    for batch in _batched(session, Report, col(Report.id), size=50):
        for report in batch:
            name = f"{references.get(report.assessment_id, '?')} report {report.sequence}"
            if sha256_hex(report.pdf) != report.sha256:
                result.problems.append(
                    Finding("report", name, "stored report does not match its SHA-256")
                )
            check = verify_pdf(report.pdf, trust_roots=roots, context=context)
            if not check.signatures_ok:
                result.problems.append(
                    Finding("signature", name, "a signature is missing, broken or not trusted")
                )
            snapshot = snapshots.get(report.snapshot_sha256)
            if snapshot is None or not snapshot_matches(check.attachment, snapshot):
                result.problems.append(
                    Finding("embedded", name, "embedded snapshot does not match the archive")
                )
            result.reports += 1
        session.expunge_all()  # keep memory flat over thousands of PDFs
        if progress:
            progress(len(batch))
    chain = verify_chain(session)
    result.audit_events = chain.count
    if chain.problem is not None:
        result.problems.append(
            Finding("audit", f"event {chain.problem.event_id}", chain.problem.reason)
        )
    return result
