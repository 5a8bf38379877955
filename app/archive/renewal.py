"""Renewing the document timestamps of archived reports (`datawaarden archive timestamp`).

A PAdES B-LTA report stays verifiable for as long as its newest document timestamp's
certificate is valid (and its algorithms are strong). Before that certificate expires, a fresh
document timestamp is added as an incremental update, together with the validation data of the
previous one: the old bytes stay a prefix of the new ones and are kept as the previous stored
version. Each renewal is an audit event, and a checkpoint follows. The public edition of a
report (app.reports.models.PublicReport) is renewed with it, the same way, as its own next
version; the two count as one archived report in the results."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.archive.service import checkpoint_after_signing
from app.assessments.models import Assessment
from app.audit.service import head_hash, record_event
from app.canonical import sha256_hex
from app.config import Settings
from app.db import session_scope
from app.reports.models import PublicReport, Report, ReportKind
from app.reports.offloop import off_loop
from app.reports.service import PUBLIC_OBJECT, PUBLIC_TIMESTAMP_EVENT
from app.reports.signing import load_signing_key, long_term
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.renewal")


@dataclass(frozen=True)
class Renewal:
    """What happened to one archived report."""

    reference: str
    expires: datetime | None  # the newest timestamp's certificate, before renewal
    renewed: bool
    problem: str | None = None


def newest_timestamp_expiry(pdf: bytes) -> datetime | None:
    """When the certificate of the newest document timestamp in a file expires (None: the file
    has no document timestamp)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return None
    expiry: datetime = stamps[-1].signer_cert.not_valid_after
    return expiry


def _newest_public_versions(session: Session) -> list[tuple[Assessment, PublicReport]]:
    rows = session.exec(
        select(Assessment, PublicReport)
        .join(PublicReport, col(PublicReport.assessment_id) == Assessment.id)
        .where(Assessment.state == "archived")
        .order_by(col(Assessment.id), col(PublicReport.advice_id), col(PublicReport.sequence))
    ).all()
    newest: dict[int, tuple[Assessment, PublicReport]] = {}
    for assessment, report in rows:
        newest[assessment.id or 0] = (assessment, report)
    return list(newest.values())


def _newest_versions(session: Session) -> list[tuple[Assessment, Report]]:
    rows = session.exec(
        select(Assessment, Report)
        .join(Report, col(Report.assessment_id) == Assessment.id)
        .where(Assessment.state == "archived")
        .order_by(col(Assessment.id), col(Report.sequence))
    ).all()
    newest: dict[int, tuple[Assessment, Report]] = {}
    for assessment, report in rows:
        newest[assessment.id or 0] = (assessment, report)
    return list(newest.values())


def renew_timestamps(
    engine: Engine, *, settings: Settings, within: timedelta, now: datetime | None = None
) -> list[Renewal]:
    """Add a fresh document timestamp to every archived report whose newest timestamp's
    certificate expires within `within` (or that has none yet)."""
    now = now or utcnow()
    key = load_signing_key(settings)
    setup = long_term(settings, key)
    if setup.timestamper is None or setup.validation_context is None:
        raise RuntimeError(
            "no timestamp authority is configured (DATAWAARDEN_TSA_URL): nothing can be renewed"
        )
    with Session(engine) as session:
        public_of = {a.id: r.id for a, r in _newest_public_versions(session)}
        candidates = [
            (a.reference, a.id or 0, r.id or 0, public_of.get(a.id))
            for a, r in _newest_versions(session)
        ]
    results: list[Renewal] = []
    for reference, assessment_id, report_id, public_id in candidates:
        # One archived report: the internal report and, where there is one, its public edition.
        renewal = _renew_one(
            engine, reference, assessment_id, report_id, False, setup=setup, now=now, within=within
        )
        if public_id is not None:
            public = _renew_one(
                engine,
                reference,
                assessment_id,
                public_id,
                True,
                setup=setup,
                now=now,
                within=within,
            )
            expiries = [e for e in (renewal.expires, public.expires) if e is not None]
            problems = [renewal.problem, public.problem and f"public edition: {public.problem}"]
            renewal = Renewal(
                reference,
                min(expiries) if expiries else None,
                renewal.renewed or public.renewed,
                "; ".join(p for p in problems if p) or None,
            )
        results.append(renewal)
    if any(r.renewed for r in results):
        checkpoint_after_signing(engine, settings)
    return results


def _renew_one(
    engine: Engine,
    reference: str,
    assessment_id: int,
    report_id: int,
    public: bool,
    *,
    setup: object,
    now: datetime,
    within: timedelta,
) -> Renewal:
    """Renew one stored report (the internal one, or its public edition) when due."""
    with Session(engine) as session:
        report: Report | PublicReport | None = (
            session.get(PublicReport, report_id) if public else session.get(Report, report_id)
        )
        assert report is not None
        pdf = bytes(report.pdf)
    what = f"{reference} (public edition)" if public else reference
    try:
        expires = newest_timestamp_expiry(pdf)
    except Exception as exc:  # a damaged stored report is archive verify's finding
        return Renewal(reference, None, False, f"unreadable ({type(exc).__name__})")
    if expires is not None and expires > now + within:
        return Renewal(reference, expires, False)
    try:
        renewed = _add_timestamp(pdf, setup)
    except Exception as exc:  # the authority or the validation data failed: say so, go on
        log.warning("renewing %s failed: %s", what, exc)
        return Renewal(reference, expires, False, str(exc)[:200])
    store = _store_public if public else _store
    store(engine, assessment_id=assessment_id, previous_id=report_id, pdf=renewed)
    return Renewal(reference, expires, True)


def _add_timestamp(pdf: bytes, setup: object) -> bytes:
    from app.reports.signing import LongTerm

    assert isinstance(setup, LongTerm) and setup.timestamper is not None
    buffer = io.BytesIO(pdf)
    reader = PdfFileReader(buffer)
    stamper = signers.PdfTimeStamper(setup.timestamper)
    off_loop(
        stamper.update_archival_timestamp_chain, reader, setup.validation_context, in_place=True
    )
    data = buffer.getvalue()
    if not data.startswith(pdf):
        raise RuntimeError("the renewed file does not extend the stored one")
    return data


def _store(engine: Engine, *, assessment_id: int, previous_id: int, pdf: bytes) -> None:
    with session_scope(engine) as session:
        previous = session.get(Report, previous_id)
        assert previous is not None
        newest = session.exec(
            select(Report)
            .where(Report.advice_id == previous.advice_id)
            .order_by(col(Report.sequence).desc())
        ).first()
        if newest is None or newest.id != previous.id:
            return  # another run renewed it meanwhile
        report = Report(
            assessment_id=assessment_id,
            advice_id=previous.advice_id,
            sequence=previous.sequence + 1,
            kind=ReportKind.timestamp,
            pdf=pdf,
            sha256=sha256_hex(pdf),
            snapshot_sha256=previous.snapshot_sha256,
            signed_by_id=None,
            audit_head_hash=head_hash(session),
        )
        session.add(report)
        session.flush()
        record_event(
            session,
            action="report.timestamped",
            actor_id=None,
            object_type="report",
            object_id=report.id or "",
            assessment_id=assessment_id,
            details={
                "sha256": report.sha256,
                "sequence": report.sequence,
                "extends": previous.sha256,
            },
        )


def _store_public(engine: Engine, *, assessment_id: int, previous_id: int, pdf: bytes) -> None:
    with session_scope(engine) as session:
        previous = session.get(PublicReport, previous_id)
        assert previous is not None
        newest = session.exec(
            select(PublicReport)
            .where(PublicReport.advice_id == previous.advice_id)
            .order_by(col(PublicReport.sequence).desc())
        ).first()
        if newest is None or newest.id != previous.id:
            return  # another run renewed it meanwhile
        report = PublicReport(
            assessment_id=assessment_id,
            advice_id=previous.advice_id,
            report_id=previous.report_id,
            sequence=previous.sequence + 1,
            kind=ReportKind.timestamp,
            snapshot_sha256=previous.snapshot_sha256,
            pdf=pdf,
            sha256=sha256_hex(pdf),
            signed_by_id=None,
            audit_head_hash=head_hash(session),
        )
        session.add(report)
        session.flush()
        record_event(
            session,
            action=PUBLIC_TIMESTAMP_EVENT,
            actor_id=None,
            object_type=PUBLIC_OBJECT,
            object_id=report.id or "",
            assessment_id=assessment_id,
            details={
                "sha256": report.sha256,
                "sequence": report.sequence,
                "extends": previous.sha256,
            },
        )
