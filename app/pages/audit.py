"""Audit pages: the trail of one assessment, and the whole log for auditors and administrators."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, text
from sqlmodel import col, select
from starlette.responses import Response

from app.audit.models import AuditEvent
from app.deps import CurrentUser, RequireRole, SessionDep, VisibleAssessment, current_roles
from app.i18n import _
from app.reviews.deliberation import visible_events
from app.timeutil import UTC
from app.users.models import Role, User
from app.web.templating import render

router = APIRouter()
AuditReader = Annotated[User, Depends(RequireRole(Role.auditor, Role.admin))]
PAGE_SIZE = 100


def _rows(
    request: Request, session: SessionDep, user: User, events: list[AuditEvent]
) -> list[dict[str, object]]:
    names = {u.id: u.name for u in session.exec(select(User)).all()}
    return [
        {
            "e": v.event,
            "actor": names.get(v.actor_id, "") if v.actor_id else "",
            "details": v.details,
            "withheld": v.withheld,
        }
        for v in visible_events(session, user, current_roles(request), events)
    ]


@router.get("/assessments/{assessment_id}/audit", summary="Audit trail of an assessment")
def assessment_trail(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    page: int = 1,
) -> Response:
    query = select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = max(1, min(page, pages))
    events = session.exec(
        query.order_by(col(AuditEvent.id)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "audit/trail.html",
        {
            "a": assessment,
            "rows": _rows(request, session, user, list(events)),
            "total": total,
            "page": page,
            "pages": pages,
        },
    )


# The distinct actions, one index lookup each (a DISTINCT reads the whole index: 30 ms at
# 340,000 events); WITH RECURSIVE is the same on SQLite and PostgreSQL.
_ACTIONS = text(
    "WITH RECURSIVE seen(action) AS ("
    " SELECT min(action) FROM audit_events"
    " UNION ALL"
    " SELECT (SELECT min(e.action) FROM audit_events e WHERE e.action > seen.action)"
    " FROM seen WHERE seen.action IS NOT NULL"
    ") SELECT action FROM seen WHERE action IS NOT NULL"
)


def _actions(session: SessionDep) -> list[str]:
    """The actions that occur in the log, sorted."""
    return sorted(str(a) for a in session.execute(_ACTIONS).scalars())


def _day(value: str, name: str, errors: dict[str, str]) -> date | None:
    """The day of a date filter; a date that is not one is said at its field in `errors`."""
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        errors[name] = _("Enter a valid date (yyyy-mm-dd).")
        return None


@router.get("/audit", summary="The whole audit log")
def audit_log(
    request: Request,
    session: SessionDep,
    user: AuditReader,
    action: str = "",
    actor: str = "",
    since: str = "",
    until: str = "",
    page: int = 1,
) -> Response:
    actions = _actions(session)
    query = select(AuditEvent)
    if action:
        # The actions that start with the filter, matched as a list: the index finds them.
        chosen = [a for a in actions if a.startswith(action[:60])]
        query = query.where(col(AuditEvent.action).in_(chosen))
    if actor:
        ids = select(User.id).where(func.lower(User.name).contains(actor[:100].lower()))
        query = query.where(col(AuditEvent.actor_id).in_(ids))
    errors: dict[str, str] = {}
    start, end = _day(since[:40], "since", errors), _day(until[:40], "until", errors)
    if start:
        query = query.where(col(AuditEvent.created_at) >= datetime.combine(start, time.min, UTC))
    if end:
        query = query.where(col(AuditEvent.created_at) <= datetime.combine(end, time.max, UTC))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = max(1, min(page, 100000))
    events = session.exec(
        query.order_by(col(AuditEvent.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render(
        request,
        "audit/log.html",
        {
            "rows": _rows(request, session, user, list(events)),
            "total": total,
            "page": page,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "actions": actions,
            "filters": {"action": action, "actor": actor, "since": since, "until": until},
            "errors": errors,
        },
        status_code=422 if errors else 200,
    )
