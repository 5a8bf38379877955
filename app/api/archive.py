"""The API: the archive, its exports and the audit events of an assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import func
from sqlmodel import col, select

from app.api.common import (
    Limit,
    Offset,
    new_router,
    visible_for,
)
from app.api.deps import ApiUser
from app.api.schemas import (
    ArchiveItem,
    ArchiveList,
    AuditEventList,
    AuditEventOut,
    RegisterExport,
)
from app.archive import exports
from app.archive import search as archive_search
from app.archive import service as archive
from app.audit.models import AuditEvent
from app.deps import ObjectId, SessionDep, SettingsDep, current_roles
from app.errors import PermissionDenied
from app.i18n import _
from app.reviews.deliberation import visible_events
from app.users.models import Role

router = new_router()


def _archive_reader(request: Request) -> None:
    if not current_roles(request) & {Role.auditor, Role.board, Role.chair, Role.admin}:
        raise PermissionDenied(_("Your role does not give access to this page."))


@router.get("/archive", summary="Search the archive", response_model=ArchiveList)
def search_archive(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    limit: Limit = 25,
    offset: Offset = 0,
    q: Annotated[str, Query(max_length=200)] = "",
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    department: Annotated[str, Query(max_length=200)] = "",
    outcome: Annotated[str, Query(max_length=30)] = "",
    obligation: Annotated[str, Query(max_length=64)] = "",
) -> ArchiveList:
    """Search the archived (signed) reports by text, department, outcome, level, obligation and
    questionnaire version."""
    _archive_reader(request)
    page_size = archive_search.PAGE_SIZE
    query = archive_search.ArchiveQuery(
        text=q,
        year=year,
        department=department,
        outcome=outcome,
        obligation=obligation,
        page=offset // page_size + 1,
    )
    result = archive_search.search(session, query)
    items = [
        ArchiveItem(
            id=e.assessment_id,
            reference=e.reference,
            title=e.title,
            department=e.department,
            outcome=e.outcome,
            overall_level=e.overall_level,
            levels=archive_search.levels_of(e),  # type: ignore[arg-type]
            obligations=archive_search.obligation_ids(e),
            signed_at=e.signed_at,
            retention_until=e.retention_until,
            report_sha256=e.report_sha256,
            public=e.is_public,
        )
        for e in result.entries
    ][offset % page_size : offset % page_size + limit]
    return ArchiveList(total=result.total, limit=limit, offset=offset, items=items)


@router.get(
    "/exports/register",
    summary="Register of archived assessments (JSON)",
    response_model=RegisterExport,
)
def export_register(request: Request, session: SessionDep, user: ApiUser) -> RegisterExport:
    """All archived assessments with their outcome and levels, as JSON."""
    if not current_roles(request) & {Role.auditor, Role.admin}:
        raise PermissionDenied(_("Your role does not give access to this page."))
    from app.audit.service import record_event

    rows = exports.register_rows(session)
    record_event(
        session,
        action="export.register",
        actor_id=user.id,
        details={"format": "json", "via": "api"},
    )
    return RegisterExport(format="datawaarden.register/1", assessments=rows)


@router.get(
    "/assessments/{assessment_id}/algoritmeregister",
    summary="Algorithm register entry (standard 1.0)",
    response_model=dict[str, Any],
)
def export_algorithm_register(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
    assessment_id: ObjectId,
) -> dict[str, Any]:
    """The assessment as an entry of the national Algoritmeregister (publication standard 1.0),
    checked against the register's own field configuration: refused (409) with every finding
    when the register would refuse it."""
    _archive_reader(request)
    a = visible_for(request, session, user, assessment_id)
    archive.get_entry(session, a.id or 0)
    return exports.algorithm_register(session, assessment=a, settings=settings)


@router.get(
    "/assessments/{assessment_id}/audit-events",
    summary="The audit trail of an assessment",
    response_model=AuditEventList,
)
def audit_events(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditEventList:
    """The tamper-evident audit trail of one assessment: who did what, when, with the hash
    chain."""
    a = visible_for(request, session, user, assessment_id)
    query = select(AuditEvent).where(AuditEvent.assessment_id == a.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(AuditEvent.id)).offset(offset).limit(limit)).all()
    return AuditEventList(
        total=total,
        limit=limit,
        offset=offset,
        items=[
            AuditEventOut(
                id=v.event.id or 0,
                created_at=v.event.created_at,
                actor_id=v.actor_id,
                action=v.event.action,
                object_type=v.event.object_type,
                object_id=v.event.object_id,
                details=v.details,
                withheld=v.withheld,
                hash=v.event.hash,
                prev_hash=v.event.prev_hash,
            )
            for v in visible_events(session, user, current_roles(request), rows)
        ],
    )
