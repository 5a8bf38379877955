"""The history of one answer, and restoring an earlier value."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.responses import Response

from app.assessments import answering, reading
from app.assessments.permissions import can_edit
from app.assessments.presenters import answer_text
from app.deps import (
    CurrentUser,
    ObjectId,
    SessionDep,
    VisibleAssessment,
)
from app.errors import NotFound
from app.i18n import _, get_locale
from app.questionnaires import engine
from app.text import parse_int
from app.users.models import User
from app.web.flash import flash
from app.web.templating import render

router = APIRouter()


@router.get(
    "/assessments/{assessment_id}/questions/{question_id}/history", summary="History of an answer"
)
def history(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    question_id: str,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    question = engine.question_by_id(q).get(question_id)
    if question is None:
        raise NotFound(_("This question does not exist in this questionnaire."))
    locale = get_locale()
    names = {u.id: u.name for u in session.exec(select(User)).all()}
    revisions = [
        {
            "id": r.id,
            "at": r.created_at,
            "who": names.get(r.actor_id, "?"),
            "kind": r.kind,
            "old": answer_text(question, json.loads(r.old_value_json), locale)
            if r.old_value_json
            else "",
            "new": answer_text(question, json.loads(r.new_value_json), locale),
        }
        for r in answering.answer_history(session, assessment, question_id)
    ]
    editable = can_edit(session, user, assessment)
    current = answering.stored_answers(session, assessment).get(question_id)
    section = engine.section_of(q, question_id)
    return render(
        request,
        "assessments/history.html",
        {
            "a": assessment,
            "question": question,
            "revisions": revisions,
            "editable": editable,
            "section": section,
            "current_version": current.version if current else 0,
        },
    )


@router.post(
    "/assessments/{assessment_id}/revisions/{revision_id}/restore",
    summary="Restore an earlier answer",
)
def restore(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    revision_id: ObjectId,
    base_version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    result = answering.restore_answer(
        session,
        assessment=assessment,
        revision_id=revision_id,
        actor=user,
        base_version=parse_int(base_version, default=None),
    )
    response = RedirectResponse(
        f"/assessments/{assessment.id}/questions/{result.question_id}/history", status_code=303
    )
    flash(response, "answer_restored")
    return response
