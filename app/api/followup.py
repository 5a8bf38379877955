"""The API: the follow-up of the conditions of a signed advice (the same service as the
follow-up page, app.followup.service)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.common import new_router
from app.api.deps import ApiUser
from app.assessments import reading
from app.assessments.models import Assessment
from app.deps import ObjectId, SessionDep, current_roles
from app.followup import service
from app.followup.transitions import Action, status_label

router = new_router()

StatusName = Literal["open", "in_progress", "done", "accepted", "reopened", "waived"]
ActionName = Literal["start", "report", "accept", "reopen", "waive"]


class ConditionMoveOut(BaseModel):
    action: ActionName
    from_status: StatusName
    to_status: StatusName
    note: str
    actor: str
    at: datetime


class ConditionOut(BaseModel):
    id: int
    number: int
    text: str
    owner: str
    owner_has_account: bool = Field(
        description="Whether the owner is an account (who reports); otherwise the assessment's "
        "authors report for the owner."
    )
    due_on: date | None
    overdue: bool
    status: StatusName
    status_label: str = Field(description="The status in the language of Accept-Language")
    version: int = Field(description="Send it back with a move to refuse a stale one (409)")
    actions: list[ActionName] = Field(description="The moves the caller may make now")
    history: list[ConditionMoveOut]


class ConditionList(BaseModel):
    items: list[ConditionOut]


class ConditionMoveIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "action": "report",
                    "note": "De IAMA is afgerond; zie de bijlage.",
                    "version": 1,
                }
            ]
        },
    )
    action: ActionName
    note: str = Field(
        default="",
        max_length=5000,
        description="Required to report, reopen and waive: what was done, or why",
    )
    version: int | None = Field(
        default=None, ge=1, description="The condition's version as last read"
    )


def _followed(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: int
) -> Assessment:
    a = reading.get_assessment(session, assessment_id)
    service.ensure_can_follow(session, user, current_roles(request), a)
    return a


def _out(item: service.FollowedCondition) -> ConditionOut:
    c, f = item.condition, item.follow_up
    return ConditionOut(
        id=c.id or 0,
        number=c.number,
        text=c.text,
        owner=c.owner,
        owner_has_account=c.owner_user_id is not None,
        due_on=c.due_on,
        overdue=item.overdue,
        status=f.status,  # type: ignore[arg-type]
        status_label=status_label(f.status),
        version=f.version,
        actions=[a.value for a in item.actions],  # type: ignore[misc]
        history=[
            ConditionMoveOut(
                action=u.action,  # type: ignore[arg-type]
                from_status=u.from_status,  # type: ignore[arg-type]
                to_status=u.to_status,  # type: ignore[arg-type]
                note=u.note,
                actor=name,
                at=u.created_at,
            )
            for u, name in item.updates
        ],
    )


@router.get(
    "/assessments/{assessment_id}/conditions",
    summary="The conditions of the signed advice and their follow-up",
    response_model=ConditionList,
)
def list_conditions(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> ConditionList:
    """Each condition of the signed advice with its status, history and the moves the caller
    may make. Empty before signing. Readers of the assessment and the owners of its conditions
    may read it."""
    a = _followed(request, session, user, assessment_id)
    items = service.follow_up(session, a, reader=user, roles=current_roles(request))
    return ConditionList(items=[_out(i) for i in items])


@router.post(
    "/assessments/{assessment_id}/conditions/{condition_id}/moves",
    summary="Move a condition: start, report done, accept, reopen or waive",
    response_model=ConditionOut,
)
def move_condition(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    assessment_id: ObjectId,
    condition_id: ObjectId,
    body: ConditionMoveIn,
) -> ConditionOut:
    """The owner starts and reports; the rapporteur or chair accepts or reopens a report; the
    chair waives. A note is required to report, reopen and waive. A `version` that is no
    longer current is refused with 409, as is a move the status does not allow."""
    a = _followed(request, session, user, assessment_id)
    roles = current_roles(request)
    service.move_condition(
        session,
        assessment=a,
        condition_id=condition_id,
        actor=user,
        roles=roles,
        action=Action(body.action),
        note=body.note,
        version=body.version,
    )
    item = next(
        i
        for i in service.follow_up(session, a, reader=user, roles=roles)
        if i.condition.id == condition_id
    )
    return _out(item)
