"""Signing, storing, downloading and verifying advice reports.

Rendering takes seconds, so signing runs in three steps: gather and check (a short transaction),
render and sign (no database), store (a short transaction that moves the assessment to 'signed'
only if nobody signed in between). The database is never locked while WeasyPrint works."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, replace

from pyhanko.sign.timestamps import TimeStamper
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.assessments import lifecycle, reading
from app.assessments.models import Assessment, State, Submission
from app.assessments.permissions import authors_of, parties_for
from app.assessments.transitions import Action, Party
from app.audit.service import head_hash, record_event
from app.canonical import sha256_hex
from app.config import Settings
from app.db import session_scope
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import _
from app.notifications.service import notify
from app.reports import render
from app.reports.lookup import (  # noqa: F401 (re-exported: callers import them from here)
    latest_public_edition,
    latest_report,
    newest_public_editions,
    newest_reports,
    report_versions,
)
from app.reports.models import PublicReport, Report, ReportKind
from app.reports.signing import (
    LongTerm,
    SigningKey,
    load_signing_key,
    long_term,
    sign_pdf,
)
from app.reviews import advising
from app.reviews.models import Advice
from app.timeutil import utcnow
from app.users.models import Role, User
from app.users.service import COMMITTEE_ROLES, users_with_roles
from app.users.stepup import take_proof

# How the public edition appears in the audit trail.
PUBLIC_OBJECT = "public_report"
PUBLIC_EDITION_EVENT = "report.public_edition"
PUBLIC_TIMESTAMP_EVENT = "report.public_timestamped"


def _final_advice(session: Session, assessment: Assessment) -> Advice:
    advice = advising.open_advice(session, assessment)
    if advice is None or advice.finalised_at is None:
        raise Conflict(_("Only a final advice can be signed. Finalise the advice first."))
    return advice


@dataclass(frozen=True)
class SignRequest:
    assessment_id: int
    advice_id: int
    source: render.ReportSource
    signer_name: str
    audit_head: str
    # The public edition's content (None: sign the internal report only).
    public_source: render.ReportSource | None = None
    # How the signer proved it is them ("password" or "oidc", app.users.stepup).
    proved_by: str = "password"


def prepare_signing(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    settings: Settings,
    password: str = "",
    session_token: str = "",
    public_edition: bool = True,
) -> SignRequest:
    """Check everything and gather the report's content (and, with `public_edition`, the
    public edition's). Raises before any work is done."""
    parties = parties_for(session, actor, roles, assessment)
    if Party.chair not in parties:
        raise PermissionDenied(
            _("Only the chair, without a conflict of interest, can sign the advice.")
        )
    if assessment.state != State.advice_drafted or latest_report(session, assessment) is not None:
        raise Conflict(_("This advice has already been signed, or is not ready to be signed."))
    advice = _final_advice(session, assessment)
    proved_by = take_proof(
        session, user=actor, password=password, session_token=session_token, settings=settings
    )
    load_signing_key(settings)  # a missing or unreadable key is refused now, not after rendering
    audit_head = head_hash(session)
    now = utcnow()
    source = render.gather(
        session,
        assessment=assessment,
        advice=advice,
        settings=settings,
        audit_head=audit_head,
        signer=actor,
        now=now,
    )
    public_source = (
        render.gather_public(
            session,
            assessment=assessment,
            advice=advice,
            settings=settings,
            audit_head=audit_head,
            now=now,
        )
        if public_edition
        else None
    )
    return SignRequest(
        assessment.id or 0, advice.id or 0, source, actor.name, audit_head, public_source, proved_by
    )


def produce_signed_pdf(
    request: SignRequest,
    *,
    settings: Settings,
    key: SigningKey | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Render and sign (seconds of work, no database)."""
    key = key or load_signing_key(settings)
    pdf = render.render_pdf(request.source)
    return sign_pdf(
        pdf,
        key=key,
        field_name="Signature1",
        signer_name=request.signer_name,
        reason=_report_reason(request.source.locale),
        location=settings.org_name,
        long_term=_long_term(settings, key, timestamper),
    )


def produce_public_pdf(
    source: render.ReportSource,
    *,
    report_sha256: str,
    settings: Settings,
    key: SigningKey | None = None,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """Render and seal the public edition (seconds of work, no database): the same key, the
    same PAdES level and long-term material as the internal report, on behalf of the committee
    (the signature names the committee, not the chair). `report_sha256` binds it to the
    internal report's first version."""
    key = key or load_signing_key(settings)
    pdf = render.render_pdf(render.with_edition_of(source, report_sha256))
    return sign_pdf(
        pdf,
        key=key,
        field_name="Signature1",
        signer_name=f"{settings.committee_name}, {settings.org_name}"[:200],
        reason=_report_reason(source.locale),
        location=settings.org_name,
        long_term=_long_term(settings, key, timestamper),
    )


def _long_term(settings: Settings, key: SigningKey, timestamper: TimeStamper | None) -> LongTerm:
    setup = long_term(settings, key)
    return setup if timestamper is None else replace(setup, timestamper=timestamper)


def _report_reason(locale: str) -> str:
    from app.i18n import use_locale

    with use_locale(locale):
        return _("Advice of the ethics committee")


def store_signed(
    session: Session,
    *,
    request: SignRequest,
    pdf: bytes,
    actor: User,
    roles: Set[Role],
    public_pdf: bytes | None = None,
) -> Report:
    """Store the signed bytes once and move the assessment to 'signed'; with `public_pdf`,
    store its public edition in the same transaction."""
    assessment = reading.get_assessment(session, request.assessment_id)
    parties = parties_for(session, actor, roles, assessment)
    if latest_report(session, assessment) is not None:
        raise Conflict(_("This advice has already been signed."))
    advice = session.get(Advice, request.advice_id)
    current = advising.open_advice(session, assessment)
    if advice is None or current is None or current.id != advice.id or current.finalised_at is None:
        # A new advice round started while the report was being rendered.
        raise Conflict(
            _("The advice changed while the report was being made. Sign the current advice.")
        )
    lifecycle.move(session, assessment=assessment, action=Action.sign, actor=actor, parties=parties)
    submission = session.get(Submission, advice.submission_id)
    assert submission is not None
    report = Report(
        assessment_id=assessment.id or 0,
        advice_id=advice.id or 0,
        sequence=1,
        pdf=pdf,
        sha256=sha256_hex(pdf),
        snapshot_sha256=submission.sha256,
        signed_by_id=actor.id or 0,
        audit_head_hash=request.audit_head,
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        action="report.signed",
        actor_id=actor.id,
        object_type="report",
        object_id=report.id or "",
        assessment_id=assessment.id,
        details={
            "sha256": report.sha256,
            "sequence": 1,
            "audit_head": request.audit_head,
            "reauthenticated": request.proved_by,
        },
    )
    if public_pdf is not None:
        store_public_edition(
            session,
            report=report,
            pdf=public_pdf,
            actor=actor,
            audit_head=request.audit_head,
        )
    notify(
        session,
        recipients=authors_of(session, assessment) + users_with_roles(session, COMMITTEE_ROLES),
        kind="signed",
        assessment_id=assessment.id,
        params={"ref": assessment.reference, "title": assessment.title, "actor": actor.name},
    )
    return report


def sign_report(
    engine: Engine,
    *,
    assessment_id: int,
    actor_id: int,
    roles: Set[Role],
    settings: Settings,
    password: str = "",
    session_token: str = "",
    timestamper: TimeStamper | None = None,
    public_edition: bool = True,
) -> Report:
    """The whole signing, in three steps (see the module docstring). Without
    `public_edition`, the public edition is left to `app.archive.public.make_public_edition`
    (the signing page makes it after its response)."""
    with session_scope(engine) as session:
        actor = session.get(User, actor_id)
        assert actor is not None
        assessment = reading.get_assessment(session, assessment_id)
        request = prepare_signing(
            session,
            assessment=assessment,
            actor=actor,
            roles=roles,
            password=password,
            session_token=session_token,
            settings=settings,
            public_edition=public_edition,
        )
    key = load_signing_key(settings)
    pdf = produce_signed_pdf(request, settings=settings, key=key, timestamper=timestamper)
    public_pdf = None
    if request.public_source is not None:
        public_pdf = produce_public_pdf(
            request.public_source,
            report_sha256=sha256_hex(pdf),
            settings=settings,
            key=key,
            timestamper=timestamper,
        )
    with session_scope(engine) as session:
        actor = session.get(User, actor_id)
        assert actor is not None
        return store_signed(
            session, request=request, pdf=pdf, actor=actor, roles=roles, public_pdf=public_pdf
        )


def store_public_edition(
    session: Session,
    *,
    report: Report,
    pdf: bytes,
    actor: User | None,
    audit_head: str,
) -> PublicReport:
    """Store the first version of the public edition of `report` (the internal report's first
    version), with its audit event. The caller commits."""
    if report.sequence != 1:
        raise Conflict(_("A public edition is made of the first version of a signed report."))
    existing = session.exec(
        select(PublicReport.id).where(
            PublicReport.advice_id == report.advice_id, PublicReport.sequence == 1
        )
    ).first()
    if existing is not None:
        raise Conflict(_("This report already has a public edition."))
    public = PublicReport(
        assessment_id=report.assessment_id,
        advice_id=report.advice_id,
        report_id=report.id or 0,
        sequence=1,
        kind=ReportKind.signature,
        snapshot_sha256=report.snapshot_sha256,
        pdf=pdf,
        sha256=sha256_hex(pdf),
        signed_by_id=actor.id if actor else None,
        audit_head_hash=audit_head,
    )
    session.add(public)
    session.flush()
    record_event(
        session,
        action=PUBLIC_EDITION_EVENT,
        actor_id=actor.id if actor else None,
        object_type=PUBLIC_OBJECT,
        object_id=public.id or "",
        assessment_id=report.assessment_id,
        details={
            "sha256": public.sha256,
            "sequence": 1,
            "audit_head": audit_head,
            "edition_of": report.sha256,
        },
    )
    return public


def add_second_signature(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    settings: Settings,
    password: str = "",
    session_token: str = "",
    role_label: str,
) -> Report:
    """A second signature (for example the secretary's) as an incremental update: a new stored
    version; the first stays as it was and both signatures verify."""
    if not roles & {Role.chair, Role.board}:
        raise PermissionDenied(_("Only members of the ethics committee can co-sign."))
    parties = parties_for(session, actor, roles, assessment)
    if Party.author in parties:
        raise PermissionDenied(_("You lead or co-author this assessment, so you cannot sign it."))
    if not parties & {Party.committee, Party.chair}:
        raise PermissionDenied(_("You declared a conflict of interest for this assessment."))
    current = latest_report(session, assessment)
    if current is None:
        raise Conflict(_("The chair signs first."))
    if _has_cosignature(session, current):
        raise Conflict(_("This report already has a second signature."))
    if current.signed_by_id == actor.id:
        raise Conflict(_("You already signed this report."))
    proved_by = take_proof(
        session, user=actor, password=password, session_token=session_token, settings=settings
    )
    key = load_signing_key(settings)
    pdf = sign_pdf(
        current.pdf,
        key=key,
        field_name="Signature2",
        signer_name=f"{actor.name} ({role_label[:60]})",
        reason=_report_reason(assessment.locale),
        location=settings.org_name,
        long_term=long_term(settings, key),
    )
    report = Report(
        assessment_id=current.assessment_id,
        advice_id=current.advice_id,
        sequence=current.sequence + 1,
        kind=ReportKind.cosignature,
        pdf=pdf,
        sha256=sha256_hex(pdf),
        snapshot_sha256=current.snapshot_sha256,
        signed_by_id=actor.id or 0,
        audit_head_hash=head_hash(session),
    )
    session.add(report)
    session.flush()
    record_event(
        session,
        action="report.cosigned",
        actor_id=actor.id,
        object_type="report",
        object_id=report.id or "",
        assessment_id=assessment.id,
        details={
            "sha256": report.sha256,
            "sequence": report.sequence,
            "reauthenticated": proved_by,
        },
    )
    return report


def _has_cosignature(session: Session, report: Report) -> bool:
    return (
        session.exec(
            select(Report.id).where(
                Report.advice_id == report.advice_id, Report.kind == ReportKind.cosignature
            )
        ).first()
        is not None
    )


def record_download(session: Session, *, report: Report, actor: User | None) -> None:
    record_event(
        session,
        action="report.downloaded",
        actor_id=actor.id if actor else None,
        object_type="report",
        object_id=report.id or "",
        assessment_id=report.assessment_id,
        details={"sha256": report.sha256},
    )


def record_public_download(session: Session, *, report: PublicReport) -> None:
    """A download of the public edition from the register (anonymous)."""
    record_event(
        session,
        action="report.downloaded",
        actor_id=None,
        object_type=PUBLIC_OBJECT,
        object_id=report.id or "",
        assessment_id=report.assessment_id,
        details={"sha256": report.sha256, "edition": "public"},
    )


def report_filename(assessment: Assessment, report: Report) -> str:
    suffix = "" if report.sequence == 1 else f"-{report.sequence}"
    return f"{assessment.reference}-advies{suffix}.pdf"


def public_filename(assessment: Assessment, report: PublicReport) -> str:
    suffix = "" if report.sequence == 1 else f"-{report.sequence}"
    return f"{assessment.reference}-advies-openbaar{suffix}.pdf"


# --- verification ---------------------------------------------------------------------------


def get_report_or_404(session: Session, assessment: Assessment) -> Report:
    report = latest_report(session, assessment)
    if report is None:
        raise NotFound(_("There is no signed report for this assessment yet."))
    return report
