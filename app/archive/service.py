"""The archive: signed assessments are archived, indexed for search, and never change again
(only whether the advice is published in the transparency register)."""

from __future__ import annotations

import json
import logging
from collections.abc import Set
from datetime import date

from pyhanko.sign.timestamps import TimeStamper
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.archive.models import ArchiveEntry
from app.archive.search import index_text
from app.assessments import lifecycle, reading
from app.assessments.models import Assessment, State, Submission
from app.assessments.presenters import answer_text
from app.assessments.transitions import Action, Party
from app.audit.checkpoints import take_checkpoint
from app.audit.service import record_event
from app.canonical import canonical_json
from app.config import Settings, get_settings
from app.db import session_scope
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import _
from app.questionnaires import engine
from app.reports import service as reports
from app.reports.models import Report
from app.reports.seal import organisation_seal
from app.reviews import advising
from app.timeutil import utcnow
from app.users.models import Role, User

log = logging.getLogger("datawaarden.archive")


def archive_after_signing(session: Session, *, assessment_id: int, actor: User) -> None:
    """Archive a signed assessment straight away: the application does it on behalf of the
    chair who signed, recorded as an automatic move."""
    assessment = reading.get_assessment(session, assessment_id)
    if assessment.state == State.signed:
        lifecycle.move(
            session,
            assessment=assessment,
            action=Action.archive,
            actor=actor,
            parties={Party.system},
            note="automatic after signing",
        )
        index_assessment(session, assessment)


def sign_and_archive(
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
    """The chair signs: render and sign the report (and its public edition, unless the caller
    makes it later: `app.archive.public.make_public_edition`), archive the assessment, and
    take an audit checkpoint that covers both (each step its own short transaction)."""
    report = reports.sign_report(
        engine,
        assessment_id=assessment_id,
        actor_id=actor_id,
        roles=roles,
        password=password,
        session_token=session_token,
        settings=settings,
        timestamper=timestamper,
        public_edition=public_edition,
    )
    with session_scope(engine) as session:
        actor = session.get(User, actor_id)
        assert actor is not None
        archive_after_signing(session, assessment_id=assessment_id, actor=actor)
    checkpoint_after_signing(engine, settings)
    return report


def checkpoint_after_signing(engine: Engine, settings: Settings) -> None:
    """A signed checkpoint of the audit trail, taken after every signature. The signature has
    been stored by now, so a failure here is logged, not shown: the periodic checkpoint job
    (`datawaarden audit checkpoint`) covers the same events at its next run."""
    try:
        take_checkpoint(
            engine,
            sealer=organisation_seal(settings),
            organisation=settings.org_name,
            file=settings.checkpoint_file,
        )
    except Exception:
        log.exception("the audit checkpoint after signing failed; the periodic job will take it")


def _retention(signed: date, years: int) -> date:
    try:
        return signed.replace(year=signed.year + years)
    except ValueError:  # 29 February
        return signed.replace(year=signed.year + years, day=28)


def build_entry(session: Session, assessment: Assessment) -> ArchiveEntry:
    """The archive row of an assessment, from its last submission, advice and report."""
    version, q = reading.questionnaire_of(session, assessment)
    report = session.exec(
        select(Report).where(Report.assessment_id == assessment.id).order_by(col(Report.sequence))
    ).first()
    if report is None:
        raise Conflict(_("Only a signed assessment can be archived."))
    submission = session.exec(
        select(Submission).where(Submission.sha256 == report.snapshot_sha256)
    ).first()
    assert submission is not None
    snapshot = json.loads(submission.snapshot_json)
    advice = advising.open_advice(session, assessment)
    assert advice is not None
    support = snapshot["decision_support"]
    by_id = engine.question_by_id(q)
    answer_texts = [
        answer_text(by_id[qid], value, "nl")
        for qid, value in snapshot["answers"].items()
        if qid in by_id
    ]
    search_text = "\n".join(
        [
            assessment.reference,
            assessment.title,
            assessment.department,
            assessment.description,
            *answer_texts,
        ]
    )
    settings = get_settings()
    return ArchiveEntry(
        assessment_id=assessment.id or 0,
        reference=assessment.reference,
        title=assessment.title,
        department=assessment.department,
        description=assessment.description,
        search_text=search_text,
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        outcome=advice.outcome,
        overall_level=support["overall_level"],
        levels_json=canonical_json({v["value"]: v["level"] for v in support["values"]}),
        obligations=" " + " ".join(o["id"] for o in support["obligations"]) + " ",
        created_at=assessment.created_at,
        submitted_at=submission.submitted_at,
        signed_at=report.signed_at,
        year=report.signed_at.year,
        retention_until=_retention(report.signed_at.date(), settings.retention_years),
        report_sha256=report.sha256,
        is_public=assessment.is_public,
        # Public from the start (a consulted advice, app.consultations.outcome): since signing.
        published_at=report.signed_at if assessment.is_public else None,
    )


def index_assessment(session: Session, assessment: Assessment) -> ArchiveEntry:
    entry = build_entry(session, assessment)
    session.add(entry)
    session.flush()
    index_text(session, entry)
    return entry


def get_entry(session: Session, assessment_id: int) -> ArchiveEntry:
    entry = session.get(ArchiveEntry, assessment_id)
    if entry is None:
        raise NotFound(_("This assessment is not in the archive."))
    return entry


def set_public(
    session: Session, *, entry: ArchiveEntry, public: bool, actor: User, roles: set[Role]
) -> None:
    """The committee publishes a signed advice in the transparency register (or withdraws it)."""
    if not roles & {Role.board, Role.chair}:
        raise PermissionDenied(_("Only the ethics committee decides what is published."))
    if entry.is_public == public:
        return
    assessment = session.get(Assessment, entry.assessment_id)
    assert assessment is not None
    entry.is_public = public
    entry.published_at = utcnow() if public else None
    assessment.is_public = public
    session.add(entry)
    session.add(assessment)
    record_event(
        session,
        action="register.published" if public else "register.unpublished",
        actor_id=actor.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
    )
    session.flush()
