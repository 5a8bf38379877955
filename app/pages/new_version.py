"""Moving an assessment to the newest version of its questionnaire: a page that lists what is
new, changed or dropped and which answers will not carry over, and its confirm form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.assessments.models import Assessment
from app.assessments.permissions import ensure_can_edit
from app.assessments.presenters import answer_text
from app.assessments.upgrading import move_to_version, newer_version, plan_move
from app.deps import CurrentUser, SessionDep, VisibleAssessment
from app.errors import Conflict
from app.i18n import N_, _, get_locale
from app.questionnaires.registry import get_version
from app.text import parse_int
from app.users.models import User
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()

register(
    "moved_to_version",
    N_(
        "Assessment %(ref)s now uses version %(n)s of the questionnaire. Answers carried over: "
        "%(carried)s; not carried over: %(lost)s."
    ),
)


def new_version_page(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    why: Refusal | None = None,
) -> Response:
    """The differences and the confirm form; refused (403, 409) when the user may not move
    this assessment or there is nothing newer to move to."""
    ensure_can_edit(session, user, assessment)
    target = newer_version(session, assessment)
    if target is None:
        raise Conflict(_("This assessment already uses the newest version of its questionnaire."))
    plan = plan_move(session, assessment, target)
    locale = get_locale()
    lost = [
        {
            "id": item.question_id,
            "label": item.label.get(locale),
            "value": answer_text(item.question, item.value, locale)
            if item.question is not None
            else str(item.value),
            "why": item.message
            if item.reason == "invalid"
            else _("The question is no longer asked in the new version."),
        }
        for item in plan.lost
    ]
    return render(
        request,
        "assessments/new_version.html",
        {
            "a": assessment,
            "plan": plan,
            "changes": plan.changes,
            "lost": lost,
            "seen": assessment.version,
            **(why.context() if why else {"errors": {}}),
        },
        status_code=why.status if why else 200,
    )


@router.get(
    "/assessments/{assessment_id}/new-version", summary="Move to the newest questionnaire version"
)
def new_version(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return new_version_page(request, session, user, assessment)


@router.post(
    "/assessments/{assessment_id}/new-version", summary="Confirm the move to a newer version"
)
def move(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    version: Annotated[str, Form(max_length=12)] = "",
    seen: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        ensure_can_edit(session, user, assessment)
        target_id = parse_int(version)
        if target_id is None:
            raise Conflict(_("Open this page again and confirm the move from there."))
        target = get_version(session, target_id)
        plan = move_to_version(
            session, assessment, target, user, seen_version=parse_int(seen, default=-1)
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: new_version_page(request, session, user, assessment, why=why),
        )
    response = RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    flash(
        response,
        "moved_to_version",
        ref=assessment.reference,
        n=plan.target.version,
        carried=len(plan.carried),
        lost=len(plan.lost),
    )
    return response
