"""The public transparency register: published advices, without login, as pages, Atom and JSON.
It shows no staff names: only the committee's name as configured."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from fastapi import APIRouter, Request
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.archive.models import ArchiveEntry
from app.archive.search import ArchiveQuery, levels_of, obligation_ids, search
from app.assessments.models import Assessment, Submission
from app.db import SessionDep
from app.deps import CurrentUserOptional, SettingsDep
from app.errors import NotFound
from app.i18n import _, get_locale
from app.questionnaires.registry import definition_of, get_version
from app.reports import service as reports
from app.reports.views import pdf_response
from app.reviews import service as reviews
from app.reviews.views import OUTCOME_LABELS
from app.text import parse_int
from app.web.templating import render

router = APIRouter()
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(value: str) -> str:
    """XML text: escaped, and without the characters XML 1.0 cannot hold."""
    return _xml_escape(_NOT_XML.sub("", value))


def public_entry(session: Session, reference: str) -> tuple[ArchiveEntry, Assessment]:
    entry = session.exec(
        select(ArchiveEntry).where(ArchiveEntry.reference == reference[:20])
    ).first()
    if entry is None or not entry.is_public:
        raise NotFound(_("There is no published advice with this reference."))
    assessment = session.get(Assessment, entry.assessment_id)
    assert assessment is not None
    return entry, assessment


def public_record(
    session: Session, entry: ArchiveEntry, assessment: Assessment, locale: str
) -> dict[str, Any]:
    """What the register publishes about one advice (also the JSON and feed content)."""
    q = definition_of(get_version(session, assessment.questionnaire_version_id))
    submission = session.exec(
        select(Submission)
        .where(Submission.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).first()
    answers = json.loads(submission.snapshot_json)["answers"] if submission else {}
    advice = reviews.open_advice(session, assessment)
    obligations = {o.id: o.title.get(locale) for o in q.obligations}
    values = {v.id: v.label.get(locale) for v in q.values}
    return {
        "reference": entry.reference,
        "title": entry.title,
        "department": entry.department,
        "description": answers.get("plain_description") or entry.description,
        "outcome": entry.outcome,
        "outcome_label": str(OUTCOME_LABELS[entry.outcome]),
        "levels": [{"value": values.get(k, k), "level": v} for k, v in levels_of(entry).items()],
        "obligations": [obligations.get(o, o) for o in obligation_ids(entry)],
        "conditions": [
            {
                "number": c.number,
                "text": c.text,
                "due_on": c.due_on.isoformat() if c.due_on else None,
            }
            for c in (reviews.conditions_of(session, advice) if advice else [])
        ],
        "date": entry.signed_at.date().isoformat(),
        "published": entry.published_at.isoformat(timespec="seconds")
        if entry.published_at
        else None,
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
    locale = get_locale()
    records = [
        public_record(session, e, session.get(Assessment, e.assessment_id), locale)
        for e in result.entries
    ]  # type: ignore[arg-type]
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


@router.get("/register.json", summary="The public register as JSON")
def register_json(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    entries = session.exec(
        select(ArchiveEntry)
        .where(col(ArchiveEntry.is_public).is_(True))
        .order_by(col(ArchiveEntry.signed_at).desc())
    ).all()
    records = []
    for e in entries:
        record = public_record(session, e, session.get(Assessment, e.assessment_id), "nl")  # type: ignore[arg-type]
        record["url"] = f"{settings.base_url}/register/{e.reference}"
        if settings.public_register_pdf:
            record["report"] = f"{settings.base_url}/register/{e.reference}/report.pdf"
        records.append(record)
    body = {
        "organisation": settings.org_name,
        "committee": settings.committee_name,
        "advices": records,
    }
    return Response(json.dumps(body, ensure_ascii=False, indent=2), media_type="application/json")


@router.get("/register/feed.atom", summary="Atom feed of new public advices")
def register_feed(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    entries = session.exec(
        select(ArchiveEntry)
        .where(col(ArchiveEntry.is_public).is_(True))
        .order_by(col(ArchiveEntry.published_at).desc())
        .limit(50)
    ).all()
    base = settings.base_url
    updated = max((e.published_at or e.signed_at for e in entries), default=None)
    items = []
    for e in entries:
        when = (e.published_at or e.signed_at).isoformat(timespec="seconds")
        record = public_record(session, e, session.get(Assessment, e.assessment_id), "nl")  # type: ignore[arg-type]
        summary = f"{record['outcome_label']}. {record['description']}"
        items.append(
            f"<entry><id>{escape(base)}/register/{escape(e.reference)}</id>"
            f"<title>{escape(e.reference)}: {escape(e.title)}</title>"
            f'<updated>{when}</updated><link rel="alternate" href="{escape(base)}/register/{escape(e.reference)}"/>'
            f"<summary>{escape(summary[:1000])}</summary></entry>"
        )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl">'
        f"<id>{escape(base)}/register</id><title>{escape(settings.org_name)}: adviezen ethische commissie</title>"
        f"<author><name>{escape(settings.committee_name)}</name></author>"
        f"<updated>{(updated.isoformat(timespec='seconds') if updated else '1970-01-01T00:00:00+00:00')}</updated>"
        f'<link rel="self" href="{escape(base)}/register/feed.atom"/>' + "".join(items) + "</feed>"
    )
    return Response(feed, media_type="application/atom+xml; charset=utf-8")


@router.get("/register/{reference}", summary="A published advice")
def register_detail(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CurrentUserOptional,
    reference: str,
) -> Response:
    entry, assessment = public_entry(session, reference)
    return render(
        request,
        "register/detail.html",
        {
            "r": public_record(session, entry, assessment, get_locale()),
            "entry": entry,
            "show_pdf": settings.public_register_pdf,
        },
    )


@router.get("/register/{reference}/report.pdf", summary="The signed report of a published advice")
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
    report = reports.get_report_or_404(session, assessment)
    reports.record_download(session, report=report, actor=None)
    return pdf_response(assessment, report)
