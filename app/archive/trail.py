"""`datawaarden audit verify`: the hash chain, every signed checkpoint from the database, the
checkpoint file and any anchor an auditor kept, and every signed report's embedded chain head
(it must occur in the chain, before the event that recorded the signing). `archive verify`
(app.archive.integrity) ends with it.

Nothing stops at the first problem, and nothing raises: a damaged row is a finding."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.archive.binding import Finding
from app.assessments.models import Assessment
from app.audit.chain import ChainReport, Waypoint, walk_chain
from app.audit.checkpoints import Sealer, check_checkpoints
from app.reports.models import PublicReport, Report
from app.reports.sealed import read_sealed
from app.reports.verify import read_attachments


def _table(model: Any) -> Any:
    return model.__table__


@dataclass(frozen=True)
class ReportHead:
    """The audit chain head a signed report carries, and which report it is."""

    report_id: int
    subject: str
    head: str


@dataclass
class AuditReport:
    chain: ChainReport
    checkpoints: int = 0
    problems: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def collect_report_heads(session: Session) -> tuple[list[ReportHead], list[Finding]]:
    """The chain head each stored signed report carries (read from its embedded advice
    document, without checking signatures: archive verify does that)."""
    heads: list[ReportHead] = []
    problems: list[Finding] = []
    table = _table(Report)
    references = dict(session.exec(select(Assessment.id, Assessment.reference)).all())
    rows = session.execute(
        select(table.c.id, table.c.assessment_id).where(table.c.sequence == 1)
    ).all()
    for row in rows:
        subject = references.get(row.assessment_id, f"report {row.id}")
        pdf = session.execute(select(table.c.pdf).where(table.c.id == row.id)).scalar()
        attachments = read_attachments(bytes(pdf)) if isinstance(pdf, bytes | memoryview) else {}
        advice = read_sealed(attachments).advice
        if advice is None:
            problems.append(Finding("report", str(subject), "its advice document cannot be read"))
            continue
        head = advice.get("audit_head")
        if isinstance(head, str):
            heads.append(ReportHead(int(row.id), str(subject), head))
    public = _table(PublicReport)
    rows = session.execute(
        select(public.c.id, public.c.assessment_id).where(public.c.sequence == 1)
    ).all()
    for row in rows:
        subject = f"the public edition of {references.get(row.assessment_id, row.assessment_id)}"
        pdf = session.execute(select(public.c.pdf).where(public.c.id == row.id)).scalar()
        attachments = read_attachments(bytes(pdf)) if isinstance(pdf, bytes | memoryview) else {}
        advice = read_sealed(attachments).advice
        if advice is None:
            problems.append(Finding("report", subject, "its advice document cannot be read"))
            continue
        head = advice.get("audit_head")
        if isinstance(head, str):
            heads.append(ReportHead(0, subject, head))  # a waypoint only (see verify_archive)
    return heads, problems


def verify_audit_trail(
    session: Session,
    *,
    sealer: Sealer,
    checkpoint_file: Path | None,
    anchors: Iterable[Path] = (),
    report_heads: list[ReportHead] | None = None,
) -> AuditReport:
    """The chain, every checkpoint (database, file, anchors) and every report's chain head."""
    problems: list[Finding] = []
    if report_heads is None:
        report_heads, head_problems = collect_report_heads(session)
        problems.extend(head_problems)
    first_hash = _first_hash(session)
    checkpoints = check_checkpoints(
        session,
        sealer=sealer,
        file=checkpoint_file,
        anchors=anchors,
        chain_first_hash=first_hash,
    )
    problems.extend(Finding("checkpoint", "audit trail", p) for p in checkpoints.problems)
    waypoints = list(checkpoints.waypoints)
    waypoints.extend(
        Waypoint(label=f"the signed report of {h.subject}", head=h.head) for h in report_heads
    )
    chain = walk_chain(session, waypoints=waypoints, watch_actions=["report.signed"])
    for problem in chain.problems:
        subject = f"event {problem.event_id}" if problem.event_id is not None else "audit trail"
        problems.append(Finding("audit", subject, problem.reason))
    if chain.more_problems:
        problems.append(Finding("audit", "audit trail", f"and {chain.more_problems} more problems"))
    signing = {
        object_id: position for position, _id, object_id, _d in chain.watched["report.signed"]
    }
    for head in report_heads:
        at = chain.positions.get(head.head)
        signed = signing.get(str(head.report_id))
        if at is not None and signed is not None and signed <= at:
            problems.append(
                Finding(
                    "audit",
                    head.subject,
                    "the signing is recorded before the chain head its report carries",
                )
            )
    notices = list(checkpoints.notices)
    if checkpoint_file is None:
        notices.append(
            "no checkpoint file is configured: events removed after the newest stored "
            "checkpoint can only be found with an anchor (--anchor)"
        )
    return AuditReport(
        chain=chain,
        checkpoints=checkpoints.stored,
        problems=problems,
        notices=notices,
    )


def _first_hash(session: Session) -> str | None:
    from app.audit.models import AuditEvent

    table = _table(AuditEvent)
    value = session.execute(select(table.c.hash).order_by(table.c.id).limit(1)).scalar()
    return str(value) if value is not None else None
