"""The follow-up of the conditions of a signed advice: one page per assessment where owners
report and the rapporteur or chair judges, and a list of what waits for the user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from app.assessments.models import Assessment
from app.assessments.reading import get_assessment
from app.attachments.sniffing import TYPES
from app.deps import (
    AttachmentFileDep,
    CurrentUser,
    ObjectId,
    SessionDep,
    SettingsDep,
    current_roles,
    require_user,
    resolve_user,
)
from app.followup import service
from app.followup.transitions import ACTION_LABELS, NOTE_LABELS, STATUS_LABELS, find_move
from app.i18n import N_
from app.pages.attachment_views import file_size
from app.timeutil import amsterdam_today
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()

register("condition_moved", N_("The condition's follow-up has been recorded."))
register("evidence_added", N_("The file “%(name)s” has been added as evidence."))


def followed_assessment(
    request: Request, session: SessionDep, settings: SettingsDep, assessment_id: ObjectId
) -> Assessment:
    """The assessment of the path, or 404; 403 for who may neither read it nor owns one of
    its conditions."""
    user = require_user(resolve_user(request, session, settings))
    assessment = get_assessment(session, assessment_id)
    service.ensure_can_follow(session, user, current_roles(request), assessment)
    return assessment


FollowedAssessment = Annotated[Assessment, Depends(followed_assessment)]


def _page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: Assessment,
    *,
    refusal: Refusal | None = None,
    failed: tuple[int, str] | None = None,
    note: str = "",
) -> Response:
    items = service.follow_up(session, assessment, reader=user, roles=current_roles(request))
    context: dict[str, Any] = {
        "a": assessment,
        "items": items,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "note_labels": NOTE_LABELS,
        "needs_note": lambda status, action: bool(
            (m := find_move(status, action)) and m.needs_note
        ),
        "failed": failed,
        "file_size": file_size,
        "file_kinds": {t.media_type: t.label for t in TYPES},
        "failed_note": note,
        "signed": service.signed_advice(session, assessment) is not None,
        **(refusal.context() if refusal else {"errors": {}, "form_error": None}),
    }
    return render(
        request,
        "followup/assessment.html",
        context,
        status_code=refusal.status if refusal else 200,
    )


@router.get(
    "/assessments/{assessment_id}/follow-up", summary="The follow-up of the advice's conditions"
)
def follow_up_page(
    request: Request, session: SessionDep, user: CurrentUser, assessment: FollowedAssessment
) -> Response:
    return _page(request, session, user, assessment)


@router.post(
    "/assessments/{assessment_id}/follow-up/{condition_id}",
    summary="Move a condition: start, report done, accept, reopen or waive",
)
def move_condition(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: FollowedAssessment,
    condition_id: ObjectId,
    action: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=20000)] = "",
    version: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
) -> Response:
    try:
        chosen = service.parse_action(action)
        service.move_condition(
            session,
            assessment=assessment,
            condition_id=condition_id,
            actor=user,
            roles=current_roles(request),
            action=chosen,
            note=note,
            version=version,
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: _page(
                request,
                session,
                user,
                assessment,
                refusal=why,
                failed=(condition_id, action),
                note=note,
            ),
        )
    response = RedirectResponse(
        f"/assessments/{assessment.id}/follow-up#condition-{condition_id}", status_code=303
    )
    flash(response, "condition_moved")
    return response


@router.post(
    "/assessments/{assessment_id}/follow-up/{condition_id}/evidence",
    summary="Add a file as evidence to a condition",
)
def add_evidence(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: FollowedAssessment,
    condition_id: ObjectId,
    upload: AttachmentFileDep,
) -> Response:
    try:
        added = service.add_evidence(
            session,
            assessment=assessment,
            condition_id=condition_id,
            actor=user,
            roles=current_roles(request),
            filename=upload.filename,
            data=upload.read(),
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: _page(
                request, session, user, assessment, refusal=why, failed=(condition_id, "file")
            ),
        )
    response = RedirectResponse(
        f"/assessments/{assessment.id}/follow-up#condition-{condition_id}", status_code=303
    )
    flash(response, "evidence_added", name=added.filename)
    return response


@router.get("/follow-up", summary="The conditions that wait for you")
def tasks_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    tasks = service.tasks_of(session, user, current_roles(request))
    return render(
        request,
        "followup/tasks.html",
        {
            "tasks": tasks,
            "status_labels": STATUS_LABELS,
            "today": amsterdam_today(),
        },
    )
