"""Public editions made from the database after the signing: right after the chair signed
on the advice page (`public_edition_after_signing`, once the page has answered, so that the
chair does not wait for a second report), and for reports signed before public editions
existed or whose public edition failed (`datawaarden archive public-editions`). Other
signings (the demo) make it together with the internal report
(app.reports.service.sign_report).

A public edition is rendered and sealed only after checking that the database still agrees
with the signed internal report (its signatures and app.archive.binding.check_binding): a
public edition is never made from forged rows. It carries the date of the original signature,
the audit chain head at the moment it is made, and the internal report's hash; it is stored
with an audit event of its own, and a checkpoint follows. Rendering holds no database lock."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyhanko.sign.timestamps import TimeStamper
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.archive.binding import check_binding
from app.archive.models import ArchiveEntry
from app.archive.service import checkpoint_after_signing
from app.assessments.models import Assessment
from app.audit.service import head_hash
from app.config import Settings
from app.db import READ_ONLY, session_scope
from app.errors import Conflict
from app.reports import checking, render
from app.reports import service as reports
from app.reports.models import PublicReport, Report
from app.reports.sealed import read_sealed
from app.reports.signing import SigningKey, load_signing_key
from app.reviews.models import Advice
from app.users.models import User

log = logging.getLogger("datawaarden.public")


@dataclass(frozen=True)
class PublicEdition:
    """What happened to one archived assessment."""

    reference: str
    made: bool
    problem: str | None = None


def _missing(session: Session) -> list[tuple[str, int]]:
    """Archived assessments whose newest signed report has no public edition: one query (the
    command runs hourly over years of archived assessments)."""
    newest_advice = (
        select(func.max(Report.advice_id))
        .where(Report.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    has_public = select(PublicReport.id).where(PublicReport.advice_id == newest_advice).exists()
    rows = session.exec(
        select(Assessment.reference, Assessment.id)
        .where(Assessment.state == "archived", newest_advice.is_not(None), ~has_public)
        .order_by(col(Assessment.id))
    ).all()
    return [(reference, assessment_id or 0) for reference, assessment_id in rows]


def _first_version(session: Session, assessment: Assessment) -> tuple[Report, list[Report]]:
    newest = reports.latest_report(session, assessment)
    assert newest is not None
    versions = [
        r for r in reports.report_versions(session, assessment) if r.advice_id == newest.advice_id
    ]
    return versions[0], versions


def _prepare(
    session: Session, assessment_id: int, settings: Settings
) -> tuple[render.ReportSource, int, str] | str:
    """The public edition's content, or why it is not made."""
    assessment = session.get(Assessment, assessment_id)
    assert assessment is not None
    first, versions = _first_version(session, assessment)
    newest = versions[-1]
    check = checking.verify_file(session, newest.pdf, settings=settings)
    if not check.result.signatures_ok:
        return "its signed report does not validate: no public edition is made"
    problems = check_binding(
        session,
        assessment=assessment,
        versions=[(r, bytes(r.pdf)) for r in versions],
        sealed=read_sealed(check.result.attachments),
        entry=session.get(ArchiveEntry, assessment.id),
    )
    if problems:
        return (
            "the database disagrees with its signed report (see `datawaarden archive verify`): "
            "no public edition is made"
        )
    advice = session.get(Advice, first.advice_id)
    assert advice is not None
    audit_head = head_hash(session)
    source = render.gather_public(
        session,
        assessment=assessment,
        advice=advice,
        settings=settings,
        audit_head=audit_head,
        now=first.signed_at,  # the date of the decision, not of this run
    )
    return source, first.id or 0, audit_head


def make_public_edition(
    engine: Engine,
    assessment_id: int,
    *,
    settings: Settings,
    key: SigningKey | None = None,
    timestamper: TimeStamper | None = None,
    actor_id: int | None = None,
) -> PublicEdition:
    """Render, seal and store the public edition of one archived assessment's report, after
    the checks above (no checkpoint: the caller takes it). `actor_id`: who it is made for (the
    chair who signed); none for a run of the command."""
    key = key or load_signing_key(settings)
    # Reading only: no write lock while the signed report is verified.
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        reference = assessment.reference
        prepared = _prepare(session, assessment_id, settings)
        if isinstance(prepared, str):
            return PublicEdition(reference, False, prepared)
        source, report_id, audit_head = prepared
        report = session.get(Report, report_id)
        assert report is not None
        report_sha256 = report.sha256
    try:
        pdf = reports.produce_public_pdf(
            source,
            report_sha256=report_sha256,
            settings=settings,
            key=key,
            timestamper=timestamper,
        )
    except Exception as exc:  # the authority or the validation data failed: say so, go on
        log.warning("the public edition of %s failed: %s", reference, exc)
        return PublicEdition(reference, False, str(exc)[:200])
    try:
        with session_scope(engine) as session:
            report = session.get(Report, report_id)
            assert report is not None
            actor = session.get(User, actor_id) if actor_id is not None else None
            reports.store_public_edition(
                session, report=report, pdf=pdf, actor=actor, audit_head=audit_head
            )
    except Conflict:
        return PublicEdition(reference, False, "made meanwhile by another run")
    return PublicEdition(reference, True)


def public_edition_after_signing(
    engine: Engine, *, assessment_id: int, actor_id: int, settings: Settings
) -> None:
    """The public edition of a report the chair has just signed, made after the signing
    page's response (so that the chair's next page does not wait for a second report), and a
    checkpoint of the audit trail after it. A failure is logged: the report is signed and
    archived, and `datawaarden archive public-editions` makes what is missing."""
    try:
        made = make_public_edition(engine, assessment_id, settings=settings, actor_id=actor_id)
    except Exception:
        log.exception("the public edition of assessment %s failed", assessment_id)
        return
    if made.made:
        checkpoint_after_signing(engine, settings)
    else:
        log.warning("no public edition of %s: %s", made.reference, made.problem)


def make_missing_public_editions(
    engine: Engine, *, settings: Settings, timestamper: TimeStamper | None = None
) -> list[PublicEdition]:
    """Render, seal and store the public edition of every archived report that has none."""
    key = load_signing_key(settings)
    with Session(engine) as session:
        missing = _missing(session)
    results = [
        make_public_edition(
            engine, assessment_id, settings=settings, key=key, timestamper=timestamper
        )
        for _reference, assessment_id in missing
    ]
    if any(r.made for r in results):
        checkpoint_after_signing(engine, settings)
    return results
