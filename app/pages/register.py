"""The public transparency register: published advices, without login, as pages (the same
records as open data: app.pages.open_data).
It shows no staff names: only the committee's name as configured. The only report it serves,
links to and hashes is the public edition of the signed report (app.reports.models.PublicReport:
no members' names, opinions, notes or comments); the internal report is never served here. An
advice signed before public editions existed is listed without a download until its public
edition has been made (app.archive.public.make_missing_public_editions)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.archive.models import ArchiveEntry
from app.archive.search import ArchiveQuery, levels_of, obligation_ids, search
from app.assessments.models import Assessment, Submission
from app.audit.checkpoints import newest_checkpoint
from app.config import get_settings
from app.deps import CurrentUserOptional, SessionDep, SettingsDep
from app.errors import NotFound
from app.i18n import _, get_locale
from app.questionnaires.registry import definition_by_id
from app.reports import checking
from app.reports import service as reports
from app.reports.consulted import consultation_view
from app.reports.models import PublicReport, Report
from app.reports.sealed import SealedContent, read_sealed
from app.reports.validator import Validator
from app.reviews import advising
from app.reviews.labels import OUTCOME_LABELS
from app.reviews.models import Advice, AdviceCondition, Outcome
from app.text import is_email_address, parse_int
from app.web.templating import render

router = APIRouter()
log = logging.getLogger("datawaarden.register")


def public_entry(session: Session, reference: str) -> tuple[ArchiveEntry, Assessment]:
    entry = session.exec(
        select(ArchiveEntry).where(ArchiveEntry.reference == reference[:20])
    ).first()
    if entry is None or not entry.is_public:
        raise NotFound(_("There is no published advice with this reference."))
    assessment = session.get(Assessment, entry.assessment_id)
    assert assessment is not None
    return entry, assessment


# A page of the register, and the JSON and the feed in pieces of this many records: each
# piece is read in one query per table (the signed files of a piece are in memory together).
RECORDS_READ_TOGETHER = 25


@dataclass(frozen=True)
class _Read:
    """What the records of some entries are made from, read for all of them at once."""

    assessments: dict[int, Assessment]
    files: dict[int, Report | PublicReport]  # the signed file each record is read from
    submissions: dict[str, Submission]  # the files' submissions, by hash
    advices: dict[int, Advice]  # the open advice per assessment
    conditions: dict[int, list[AdviceCondition]]  # per advice


def _read(session: Session, entries: Sequence[ArchiveEntry]) -> _Read:
    ids = [e.assessment_id for e in entries]
    found = session.exec(select(Assessment).where(col(Assessment.id).in_(ids))).all()
    assessments = {a.id or 0: a for a in found}
    assert set(ids) <= set(assessments)  # a foreign key guarantees it
    # Read from the public edition; an advice signed before public editions existed is read
    # from its internal report (only the fields below are taken from it, nothing is served).
    files: dict[int, Report | PublicReport] = dict(reports.newest_public_editions(session, ids))
    files |= reports.newest_reports(session, [i for i in ids if i not in files])
    hashes = {f.snapshot_sha256 for f in files.values()}
    submissions = {
        s.sha256: s
        for s in session.exec(select(Submission).where(col(Submission.sha256).in_(hashes))).all()
    }
    advices = advising.open_advices(session, ids)
    conditions = advising.conditions_of_advices(session, [a.id or 0 for a in advices.values()])
    return _Read(assessments, files, submissions, advices, conditions)


def public_records(
    session: Session, entries: Sequence[ArchiveEntry], locale: str
) -> list[dict[str, Any]]:
    """What the register publishes about each advice (the pages, the JSON and the feed). The
    decision is read from the signed report, never from the database alone: where the stored
    record disagrees with it, the record says so (`integrity_problem`)."""
    validator = checking.validator_for(get_settings())
    records = []
    for start in range(0, len(entries), RECORDS_READ_TOGETHER):
        piece = entries[start : start + RECORDS_READ_TOGETHER]
        read = _read(session, piece)
        records += [_record(session, e, read, locale, validator) for e in piece]
    return records


def _record(
    session: Session, entry: ArchiveEntry, read: _Read, locale: str, validator: Validator
) -> dict[str, Any]:
    assessment = read.assessments[entry.assessment_id]
    q = definition_by_id(session, assessment.questionnaire_version_id)
    settings = get_settings()
    report = read.files.get(entry.assessment_id)
    public = report if isinstance(report, PublicReport) else None
    check = (
        checking.verify_file(
            session,
            report.pdf,
            settings=settings,
            validator=validator,
            read_from=report,
            submissions=read.submissions,
        )
        if report
        else None
    )
    sealed = read_sealed(check.result.attachments) if check else SealedContent()
    snapshot = sealed.snapshot or {}
    advice = sealed.advice or {}
    signed_assessment = (
        advice.get("assessment") if isinstance(advice.get("assessment"), dict) else {}
    )
    support = snapshot.get("decision_support") or {}
    answers = snapshot.get("answers") or {}
    obligations = {o.id: o.title.get(locale) for o in q.obligations}
    values = {v.id: v.label.get(locale) for v in q.values}
    order = {v.id: n for n, v in enumerate(q.values)}
    signed_rationale = advice.get("rationale")
    rationale: dict[str, Any] = signed_rationale if isinstance(signed_rationale, dict) else {}
    contact = answers.get("contact_email")
    signed_levels = {v.get("value"): v.get("level") for v in support.get("values", [])}
    signed_obligations = [o.get("id") for o in support.get("obligations", [])]
    outcome = str(advice.get("outcome") or "")
    title = str((signed_assessment or {}).get("title") or snapshot.get("title") or "")
    department = str(
        (signed_assessment or {}).get("department") or snapshot.get("department") or ""
    )
    current = read.advices.get(entry.assessment_id)
    stored_conditions = [
        (c.number, c.text, c.due_on.isoformat() if c.due_on else None)
        for c in (read.conditions.get(current.id or 0, []) if current else [])
    ]
    signed_conditions = [
        (c.get("number"), c.get("text"), c.get("due_on")) for c in advice.get("conditions") or []
    ]
    if not sealed.advice:
        # No signed report to read (it is missing or damaged): the stored record is all there
        # is, shown with the integrity problem.
        outcome, title, department = entry.outcome, entry.title, entry.department
        signed_levels, signed_obligations = levels_of(entry), obligation_ids(entry)
        signed_conditions = stored_conditions
    disagrees = (
        check is None
        or not sealed.advice
        or not check.result.signatures_ok
        or (entry.title, entry.department, entry.outcome) != (title, department, outcome)
        or levels_of(entry) != signed_levels
        or sorted(obligation_ids(entry)) != sorted(signed_obligations)
        or stored_conditions != signed_conditions
    )
    if disagrees:
        log.error(
            "integrity problem: the register record %s disagrees with its signed report",
            entry.reference,
        )
    return {
        "reference": entry.reference,
        "title": title,
        "department": department,
        "description": answers.get("plain_description")
        or snapshot.get("description")
        or (entry.description if not sealed.advice else ""),
        "outcome": outcome,
        "outcome_label": str(OUTCOME_LABELS[Outcome(outcome)])
        if outcome in OUTCOME_LABELS
        else outcome,
        # In the questionnaire's order of the values, as every other page shows them.
        "levels": [
            {"value": values.get(k, k), "level": signed_levels[k]}
            for k in sorted(signed_levels, key=lambda k: (order.get(k, len(order)), k))
        ],
        "summary": str(advice.get("summary") or ""),
        "rationale": [
            {"value": v.label.get(locale), "text": str(rationale[v.id])}
            for v in q.values
            if rationale.get(v.id)
        ],
        # Only an address that is one becomes a mailto: link.
        "contact_email": contact if isinstance(contact, str) and is_email_address(contact) else "",
        "obligations": [obligations.get(o, o) for o in signed_obligations],
        "conditions": [
            {"number": number, "text": text, "due_on": due}
            for number, text, due in signed_conditions
        ],
        "consultation": consultation_view(advice, values),
        "date": entry.signed_at.date().isoformat(),
        "published": entry.published_at.isoformat(timespec="seconds")
        if entry.published_at
        else None,
        "integrity_problem": disagrees,
        # The public edition's hash (None: there is no public edition to offer yet).
        "report_sha256": public.sha256 if public and settings.public_register_pdf else None,
        "report_size": len(public.pdf) if public and settings.public_register_pdf else None,
    }


@router.get("/register", summary="The public transparency register")
def register_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CurrentUserOptional,
    q: str = "",
    page: str = "1",
) -> Response:
    result = search(
        session,
        ArchiveQuery(
            text=q[:200],
            public_only=True,
            page=parse_int(page, default=1, max_digits=5) or 1,
        ),
    )
    records = public_records(session, result.entries, get_locale())
    return render(
        request,
        "register/list.html",
        {
            "records": records,
            "result": result,
            "q": q[:200],
            "show_pdf": settings.public_register_pdf,
        },
    )


@router.get("/register/audit-checkpoint.json", summary="The newest signed audit checkpoint")
def register_checkpoint(request: Request, session: SessionDep) -> Response:
    checkpoint = newest_checkpoint(session)
    if checkpoint is None:
        raise NotFound(_("No audit checkpoint has been taken yet."))
    return Response(
        checkpoint.line() + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="audit-checkpoint.json"'},
    )


@router.get("/register/{reference}", summary="A published advice")
def register_detail(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CurrentUserOptional,
    reference: str,
) -> Response:
    entry, _assessment = public_entry(session, reference)
    record = public_records(session, [entry], get_locale())[0]
    return render(
        request,
        "register/detail.html",
        {
            "r": record,
            "entry": entry,
            # only when there is a public edition to download
            "show_pdf": bool(record["report_sha256"]),
        },
    )


@router.get(
    "/register/{reference}/report.pdf",
    summary="The public edition of the signed report of a published advice",
)
def register_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CurrentUserOptional,
    reference: str,
) -> Response:
    _entry, assessment = public_entry(session, reference)
    if not settings.public_register_pdf:
        raise NotFound()
    report = reports.latest_public_edition(session, assessment)
    if report is None:
        raise NotFound(_("The public edition of this report has not been made yet."))
    reports.record_public_download(session, report=report)
    return _public_pdf_response(assessment, report)


def _public_pdf_response(assessment: Assessment, report: PublicReport) -> Response:
    """Exactly the stored bytes of the public edition."""
    return Response(
        report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{reports.public_filename(assessment, report)}"'
            ),
            "X-Content-SHA256": report.sha256,
            "Cache-Control": "no-store",
        },
    )
