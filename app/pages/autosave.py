"""Autosave with htmx: a thin view over one service call (app.assessments.evaluating)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from app.assessments import reading
from app.assessments.evaluating import save_and_evaluate
from app.assessments.presenters import support_view
from app.deps import (
    FormDep,
    ObjectId,
    request_session,
    require_user,
    resolve_user,
    visible_assessment,
)
from app.errors import InvalidInput
from app.i18n import _, get_locale
from app.pages.answer_forms import read_question
from app.pages.fingerprint import shown_digest
from app.pages.form_items import (
    build_items,
    conflict_views,
    section_steps,
)
from app.questionnaires import engine
from app.questionnaires.schema import Question, QuestionType
from app.text import parse_int
from app.web.templating import render

router = APIRouter()


@router.post("/assessments/{assessment_id}/answers/{question_id}", summary="Save one answer (htmx)")
async def autosave(
    request: Request,
    assessment_id: ObjectId,
    question_id: str,
    form: FormDep,
) -> Response:
    """Save one answer; answer with the fragment that htmx swaps in.

    This is the product's most frequent request (every pause in typing), so all of its work
    runs in one trip to a worker thread, with the same checks as every other route, instead of
    one trip per dependency: each trip hands the request between the event loop and a thread
    (see bench/load.py and README, Performance)."""
    return await run_in_threadpool(_autosave_unit, request, assessment_id, question_id, form)


def _autosave_unit(
    request: Request, assessment_id: int, question_id: str, form: FormData
) -> Response:
    with request_session(request) as session:
        return _autosave(request, session, assessment_id, question_id, form)


def _autosave(
    request: Request, session: Session, assessment_id: int, question_id: str, form: FormData
) -> Response:
    settings = request.app.state.settings
    assessment = visible_assessment(request, session, settings, assessment_id)
    user = require_user(resolve_user(request, session, settings))
    q = reading.definition_for(session, assessment)
    question = engine.question_by_id(q).get(question_id)
    if question is None:
        raise InvalidInput(_("This question does not exist in this questionnaire."))
    section = engine.section_of(q, question_id)
    assert section is not None
    present, raw = read_question(question, form)
    if not present:
        raise InvalidInput(_("The answer is missing from the request."))
    done = save_and_evaluate(
        session,
        assessment=assessment,
        questionnaire=q,
        question=question,
        section=section,
        raw=raw,
        base_version=parse_int(form.get(f"v-{question_id}"), default=0) or 0,
        force=question_id in form.getlist("overwrite"),
        actor=user,
    )
    if done.refused:
        session.rollback()
    new_row = _next_empty_row(question, form, raw) if not done.refused else None
    items = build_items(
        session,
        assessment,
        q,
        [question, *done.flipped],
        done.stored,
        done.answers,
        with_meta=bool(done.flipped),
        visible=set(done.evaluation.visible_ids),
    )
    item = items[0]
    item.error = done.error
    item.conflict = conflict_views(q, done.conflict).get(question_id) if done.conflict else None
    if done.result is not None:
        item.version = done.result.version
    context: dict[str, Any] = {
        "a": assessment,
        "item": item,
        "saved": not done.refused,
        "changed": items[1:],
        "new_row": new_row,
        "current": section.id,
        "editable": True,
        "refresh": False,
    }
    if done.decision_support is not None:
        steps = section_steps(q, done.decision_support.completeness)
        support = support_view(q, done.decision_support, get_locale())
        shown = shown_digest(steps, support)
        # When the page already shows these steps and this panel, they are left alone.
        context.update(
            steps=steps, support=support, shown=shown, refresh=form.get("shown") != shown
        )
    status = 409 if done.conflict else 422 if done.error is not None else 200
    return render(request, "assessments/_autosave.html", context, status_code=status)


def _next_empty_row(question: Question, form: FormData, raw: Any) -> int | None:
    """A table grows by one empty row once its last row holds something. Only that row is sent:
    the rows on the page are never re-rendered, because the user may already be typing in the
    next cell while this save travels (re-rendering them dropped those keys)."""
    if question.type != QuestionType.table or not isinstance(raw, list) or not raw:
        return None
    shown = parse_int(form.get(f"rows-{question.id}"), default=0) or 0
    if shown != len(raw) or not raw[-1] or shown >= question.max_rows:
        return None
    return shown
