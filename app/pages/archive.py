"""The archive for auditors, the committee and administrators; exports; import of an export."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select
from starlette.responses import Response

from app.archive import exports, search, service
from app.archive.binding import Finding, check_binding, signed_advice_view
from app.assessments import reading, reassessing
from app.assessments.models import Assessment, Submission
from app.assessments.presenters import support_view
from app.audit.service import record_event
from app.deps import (
    CurrentUser,
    ObjectId,
    RequireRole,
    SessionDep,
    SettingsDep,
    UploadDep,
    VisibleAssessment,
    current_roles,
)
from app.errors import NotFound
from app.followup import service as followup
from app.i18n import N_, _, get_locale
from app.questionnaires import engine
from app.reports import checking
from app.reports import service as reports
from app.reports.sealed import SealedContent, read_sealed
from app.reviews import advising, commenting, judging
from app.reviews.labels import OUTCOME_LABELS, STANCE_LABELS, VERDICT_LABELS
from app.text import parse_int
from app.users.models import Role, User
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()
ArchiveReader = Annotated[
    User, Depends(RequireRole(Role.auditor, Role.board, Role.chair, Role.admin))
]
ExportReader = Annotated[User, Depends(RequireRole(Role.auditor, Role.admin))]
LeadUser = Annotated[User, Depends(RequireRole(Role.lead))]
register("published", N_("The advice is now in the public transparency register."))
register("unpublished", N_("The advice has been taken out of the public transparency register."))
register("imported", N_("A new draft has been made from the file."))
register(
    "imported_skipped",
    N_(
        "A new draft has been made from the file. Some answers did not fit and were left out: %(ids)s."
    ),
)


def _int(value: str) -> int | None:
    return parse_int(value, max_digits=5)


def archive_query(
    q: str = "",
    year: str = "",
    department: str = "",
    outcome: str = "",
    level: str = "",
    value: str = "",
    obligation: str = "",
    questionnaire: str = "",
    sort: str = "newest",
    page: str = "1",
) -> search.ArchiveQuery:
    return search.ArchiveQuery(
        text=q[:200],
        year=_int(year),
        department=department[:200],
        outcome=outcome[:30],
        level=level[:10],
        level_value=value[:64],
        obligation=obligation[:64],
        questionnaire=questionnaire[:120],
        sort=sort if sort in search.SORTS else "newest",
        page=_int(page) or 1,
    )


QueryDep = Annotated[search.ArchiveQuery, Depends(archive_query)]


def _query_string(query: search.ArchiveQuery, page: int) -> str:
    from urllib.parse import urlencode

    params = {
        "q": query.text,
        "year": query.year or "",
        "department": query.department,
        "outcome": query.outcome,
        "level": query.level,
        "value": query.level_value,
        "obligation": query.obligation,
        "questionnaire": query.questionnaire,
        "sort": query.sort,
        "page": page,
    }
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


@router.get("/archive", summary="Search the archive")
def archive_page(
    request: Request, session: SessionDep, user: ArchiveReader, query: QueryDep
) -> Response:
    result = search.search(session, query)
    obligations = _obligation_titles(session)
    return render(
        request,
        "archive/search.html",
        {
            "result": result,
            "query": query,
            "facets": search.facets(session),
            "outcome_labels": OUTCOME_LABELS,
            "prev_qs": _query_string(query, result.page - 1),
            "next_qs": _query_string(query, result.page + 1),
            "obligation_titles": obligations,
            "levels_of": search.levels_of,
            "value_ids": _value_ids(session),
        },
        block_name="results" if request.headers.get("HX-Request") == "true" else None,
    )


def _definition(session: SessionDep):  # type: ignore[no-untyped-def]
    from app.questionnaires.registry import definition_of, newest_versions

    versions = newest_versions(session)
    return definition_of(versions[0]) if versions else None


def _obligation_titles(session: SessionDep) -> dict[str, str]:
    q = _definition(session)
    return {o.id: o.title.get(get_locale()) for o in q.obligations} if q else {}


def _value_ids(session: SessionDep) -> list[tuple[str, str]]:
    q = _definition(session)
    return [(v.id, v.label.get(get_locale())) for v in q.values] if q else []


@router.get("/archive/export.{fmt}", summary="Register export (CSV or JSON)")
def register_export(
    request: Request, session: SessionDep, user: ExportReader, fmt: str
) -> Response:
    if fmt not in ("csv", "json"):
        raise NotFound()
    rows = exports.register_rows(session)
    record_event(
        session,
        action="export.register",
        actor_id=user.id,
        details={"format": fmt, "records": len(rows)},
    )
    if fmt == "csv":
        body, media = exports.register_csv(rows), "text/csv; charset=utf-8"
    else:
        body, media = exports.register_json(rows), "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="datawaarden-register.{fmt}"'},
    )


@router.get("/archive/{assessment_id}", summary="An archived assessment")
def archive_detail(
    request: Request,
    session: SessionDep,
    user: ArchiveReader,
    settings: SettingsDep,
    assessment: VisibleAssessment,
) -> Response:
    entry = service.get_entry(session, assessment.id or 0)
    version, q = reading.questionnaire_of(session, assessment)
    locale = get_locale()
    submissions = reading.submissions_of(session, assessment)
    report = reports.latest_report(session, assessment)
    check = (
        checking.verify_file(session, report.pdf, settings=settings, read_from=report)
        if report
        else None
    )
    # What the page shows of the decision comes from the signed report; whatever the database
    # says otherwise is an integrity problem, shown as such.
    sealed = read_sealed(check.result.attachments) if check else SealedContent()
    versions = [(r, bytes(r.pdf)) for r in reports.report_versions(session, assessment)]
    problems = check_binding(
        session, assessment=assessment, versions=versions, sealed=sealed, entry=entry
    )
    if check is not None and not check.result.signatures_ok:
        problems.insert(
            0, Finding("signature", assessment.reference, _("The signatures do not hold."))
        )
    signed_snapshot = sealed.snapshot or json.loads(submissions[-1].snapshot_json)
    signed_advice = signed_advice_view(sealed)
    rounds = [
        {
            "advice": r,
            "conditions": advising.conditions_of(session, r),
            "opinions": advising.opinions_of(session, r),
        }
        for r in advising.advice_rounds(session, assessment)
        if signed_advice is None or r.round != signed_advice["round"]
    ]
    verdicts = {s.number: judging.verdicts(session, s) for s in submissions}
    sections = {s.id: s.title.get(locale) for s in q.sections}
    support = engine.decision_support(q, signed_snapshot["answers"])
    return render(
        request,
        "archive/detail.html",
        {
            "a": assessment,
            "entry": entry,
            "version": version,
            "submissions": submissions,
            "report": report,
            "check": check,
            "statements": check.statements(settings.org_name) if check else [],
            "integrity_problems": problems,
            "signed": _signed_facts(sealed, assessment),
            "signed_advice": signed_advice,
            "follow_up": followup.follow_up(session, assessment),
            "chain": reassessing.chain_of(session, assessment),
            "rounds": rounds,
            "threads": commenting.threads(session, assessment),
            "verdicts": verdicts,
            "sections": sections,
            "verdict_labels": VERDICT_LABELS,
            "outcome_labels": OUTCOME_LABELS,
            "stance_labels": STANCE_LABELS,
            "support": support_view(q, support, locale),
            "by_id": engine.question_by_id(q),
            "can_publish": bool(current_roles(request) & {Role.board, Role.chair}),
            "is_algorithm": support.rules.get("uses_algorithm", False),
        },
    )


def _signed_facts(sealed: SealedContent, assessment: Assessment) -> dict[str, Any]:
    """Title and department as the signed report has them (older reports: as stored)."""
    signed = (sealed.advice or {}).get("assessment")
    if isinstance(signed, dict):
        return {"title": signed.get("title"), "department": signed.get("department")}
    snapshot = sealed.snapshot or {}
    return {
        "title": snapshot.get("title", assessment.title),
        "department": snapshot.get("department", assessment.department),
    }


@router.get(
    "/archive/{assessment_id}/submissions/{number}.json", summary="A frozen snapshot (JSON)"
)
def snapshot_download(
    request: Request,
    session: SessionDep,
    user: ArchiveReader,
    assessment: VisibleAssessment,
    number: ObjectId,
) -> Response:
    submission = session.exec(
        select(Submission).where(
            Submission.assessment_id == assessment.id, Submission.number == number
        )
    ).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    record_event(
        session,
        action="archive.snapshot_downloaded",
        actor_id=user.id,
        object_type="submission",
        object_id=submission.id or "",
        assessment_id=assessment.id,
    )
    return Response(
        submission.snapshot_json.encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{assessment.reference}-indiening-{number}.json"',
            "X-Content-SHA256": submission.sha256,
        },
    )


@router.post("/archive/{assessment_id}/publication", summary="Publish in the transparency register")
def publication(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    public: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    entry = service.get_entry(session, assessment.id or 0)
    want = public == "1"
    service.set_public(
        session, entry=entry, public=want, actor=user, roles=set(current_roles(request))
    )
    response = RedirectResponse(f"/archive/{assessment.id}", status_code=303)
    flash(response, "published" if want else "unpublished")
    return response


@router.get("/archive/{assessment_id}/algoritmeregister.json", summary="Algorithm register export")
def algorithm_register(
    request: Request,
    session: SessionDep,
    user: ArchiveReader,
    settings: SettingsDep,
    assessment: VisibleAssessment,
) -> Response:
    service.get_entry(session, assessment.id or 0)
    document = exports.algorithm_register(session, assessment=assessment, settings=settings)
    return _json_download(
        session,
        user,
        assessment,
        document,
        action="export.algorithm_register",
        filename=f"{assessment.reference}-algoritmeregister.json",
    )


@router.get("/assessments/{assessment_id}/export.json", summary="Export an assessment (JSON)")
def assessment_export(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    document = exports.assessment_export(session, assessment)
    return _json_download(
        session,
        user,
        assessment,
        document,
        action="export.assessment",
        filename=f"{assessment.reference}.json",
    )


def _json_download(
    session: Session,
    user: User,
    assessment: Assessment,
    document: Any,
    *,
    action: str,
    filename: str,
) -> Response:
    """An export of one assessment as a JSON file, recorded in the audit trail."""
    record_event(
        session,
        action=action,
        actor_id=user.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
    )
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _import_form(request: Request, why: Refusal | None = None) -> Response:
    return render(
        request,
        "archive/import.html",
        why.on_field("file").context() if why else {"errors": {}},
        status_code=why.status if why else 200,
    )


@router.get("/assessments/import", summary="Import form")
def import_form(request: Request, user: LeadUser) -> Response:
    return _import_form(request)


@router.post("/assessments/import", summary="Start a draft from an exported assessment")
def import_upload(
    request: Request, session: SessionDep, user: LeadUser, upload: UploadDep
) -> Response:
    try:
        assessment, skipped = exports.import_assessment(session, data=upload.read(), actor=user)
    except REFUSALS as exc:
        return refused(request, session, exc, lambda why: _import_form(request, why))
    response = RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    if skipped:
        flash(response, "imported_skipped", level="warning", ids=", ".join(skipped[:20]))
    else:
        flash(response, "imported")
    return response
