"""The guided form: one page per section, autosave with htmx, answer history, the review page.
Without JavaScript each section is a normal form; both paths call the same service."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from app.assessments import answering, reading
from app.assessments.answering import AnswerConflict, StoredAnswer
from app.assessments.feedback import comments_by_question
from app.assessments.models import AnswerRevision, Assessment
from app.assessments.permissions import can_edit, ensure_can_edit
from app.assessments.presenters import answer_text, support_view
from app.deps import (
    CurrentUser,
    FormDep,
    ObjectId,
    SessionDep,
    VisibleAssessment,
    request_session,
    require_user,
    resolve_user,
    visible_assessment,
)
from app.errors import AppError, InvalidInput, NotFound
from app.i18n import _, get_locale
from app.pages.answer_forms import read_question, read_section
from app.questionnaires import engine
from app.questionnaires.schema import SCALE_POINTS, Question, Questionnaire, QuestionType, Section
from app.text import parse_int
from app.timeutil import utcnow
from app.users.models import User
from app.web.flash import flash
from app.web.templating import render

router = APIRouter()


@dataclass
class Item:
    """What the template needs to show one question."""

    q: Question
    value: Any
    version: int
    visible: bool
    error: str | None = None
    conflict: dict[str, Any] | None = None
    has_history: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first_input_id(self) -> str:
        """The id of the question's first field, for links from an error summary."""
        if self.q.type == QuestionType.table and self.q.columns:
            return f"a-{self.q.id}-0-{self.q.columns[0].id}"
        if self.q.type == QuestionType.multi_choice and self.q.options:
            return f"a-{self.q.id}-{self.q.options[0].id}"
        if self.q.type in (
            QuestionType.single_choice,
            QuestionType.yes_no_unknown,
            QuestionType.scale,
        ):
            return f"a-{self.q.id}-{self.choices[0][0]}"
        return f"a-{self.q.id}"

    @property
    def choices(self) -> list[tuple[str, str]]:
        locale = get_locale()
        if self.q.type == QuestionType.scale:
            low, high = self.q.scale_labels or (None, None)
            out = []
            for point in SCALE_POINTS:
                text = point
                if point == "1" and low:
                    text = f"1 – {low.get(locale)}"
                if point == "5" and high:
                    text = f"5 – {high.get(locale)}"
                out.append((point, text))
            return out
        if self.q.type == QuestionType.yes_no_unknown:
            return [(k, engine.option_label(self.q, k, locale)) for k in ("yes", "no", "unknown")]
        return [(o.id, o.label.get(locale)) for o in self.q.options or []]


def _section(q: Questionnaire, section_id: str) -> Section:
    for section in q.sections:
        if section.id == section_id:
            return section
    raise NotFound(_("This section does not exist."))


def _steps(q: Questionnaire, completeness: engine.Completeness) -> list[dict[str, Any]]:
    locale = get_locale()
    by_id = {p.section_id: p for p in completeness.sections}
    return [
        {
            "id": s.id,
            "title": s.title.get(locale),
            "complete": by_id[s.id].complete,
            "required": by_id[s.id].required,
            "missing": len(by_id[s.id].missing),
        }
        for s in q.sections
    ]


def shown_digest(steps: list[dict[str, Any]], support: dict[str, Any]) -> str:
    """A fingerprint of the section steps and the decision-support panel as shown. The page
    carries it in the form; an autosave sends the panel again only when it differs."""
    return hashlib.blake2b(repr((steps, support)).encode(), digest_size=12).hexdigest()


def _history_ids(session: Session, assessment: Assessment) -> set[str]:
    rows = session.exec(
        select(AnswerRevision.question_id, func.count())
        .where(AnswerRevision.assessment_id == assessment.id)
        .group_by(AnswerRevision.question_id)
    ).all()
    return {qid for qid, count in rows if count > 1}


def build_items(
    session: Session,
    assessment: Assessment,
    q: Questionnaire,
    questions: list[Question],
    stored: dict[str, StoredAnswer],
    answers: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflicts: dict[str, dict[str, Any]] | None = None,
    overrides: dict[str, Any] | None = None,
    with_meta: bool = True,
    visible: set[str] | None = None,
) -> list[Item]:
    if visible is None:
        visible = {qq.id for qq in engine.visible_questions(q, answers)}
    # History links and committee comments belong to whole question blocks; an autosave that
    # only answers with a status line does not need them.
    history = _history_ids(session, assessment) if with_meta else set()
    comments = comments_by_question(session, assessment) if with_meta else {}
    items = []
    for question in questions:
        current = stored.get(question.id)
        value = (overrides or {}).get(question.id, current.value if current else None)
        items.append(
            Item(
                q=question,
                value=value,
                version=current.version if current else 0,
                visible=question.id in visible,
                error=(errors or {}).get(question.id),
                conflict=(conflicts or {}).get(question.id),
                has_history=question.id in history,
                comments=comments.get(question.id, []),
            )
        )
    return items


def section_page(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    section_id: str,
    *,
    errors: dict[str, str] | None = None,
    conflicts: dict[str, dict[str, Any]] | None = None,
    overrides: dict[str, Any] | None = None,
    form_error: str | None = None,
    status: int = 200,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    section = _section(q, section_id)
    stored = answering.stored_answers(session, assessment)
    answers = {k: v.value for k, v in stored.items()}
    ds = engine.decision_support(q, answers)
    index = [s.id for s in q.sections].index(section.id)
    editable = can_edit(session, user, assessment)
    steps = _steps(q, ds.completeness)
    support = support_view(q, ds, get_locale())
    return render(
        request,
        "assessments/section.html",
        {
            "a": assessment,
            "section": section,
            "steps": steps,
            "shown": shown_digest(steps, support),
            "items": build_items(
                session,
                assessment,
                q,
                section.questions,
                stored,
                {**answers, **(overrides or {})},  # visibility follows what was just entered
                errors=errors,
                conflicts=conflicts,
                overrides=overrides,
            ),
            "support": support,
            "editable": editable,
            "prev_id": q.sections[index - 1].id if index > 0 else None,
            "next_id": q.sections[index + 1].id if index + 1 < len(q.sections) else None,
            "form_error": form_error,
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}/sections/{section_id}", summary="A section of the form")
def show_section(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    section_id: str,
) -> Response:
    return section_page(request, session, user, assessment, section_id)


def _conflict_views(q: Questionnaire, exc: AnswerConflict) -> dict[str, dict[str, Any]]:
    by_id = engine.question_by_id(q)
    out = {}
    for c in exc.extra.get("conflicts", [exc.extra]):
        question = by_id.get(c.get("question_id", ""))
        if question is None:
            continue
        out[question.id] = {
            "message": _("Changed by %(name)s in the meantime.", name=c.get("changed_by") or "?"),
            "current_text": answer_text(question, c.get("current_value"), get_locale()),
        }
    return out


@router.post("/assessments/{assessment_id}/sections/{section_id}", summary="Save a section")
def save_section(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    section_id: str,
    form: FormDep,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    section = _section(q, section_id)
    values, versions, force = read_section(section.questions, form)
    go = str(form.get("go", "stay"))
    editable = can_edit(session, user, assessment)
    if editable:
        try:
            answering.save_answers(
                session,
                assessment=assessment,
                raw_values=values,
                base_versions=versions,
                actor=user,
                force=force,
            )
        except AnswerConflict as exc:
            session.rollback()
            return section_page(
                request,
                session,
                user,
                assessment,
                section.id,
                conflicts=_conflict_views(q, exc),
                overrides=values,
                form_error=exc.detail,
                status=409,
            )
        except InvalidInput as exc:
            session.rollback()
            return section_page(
                request,
                session,
                user,
                assessment,
                section.id,
                errors=exc.fields,
                overrides=values,
                form_error=exc.detail,
                status=422,
            )
    elif values and go == "stay":
        ensure_can_edit(session, user, assessment)  # says why it cannot be changed
    ids = [s.id for s in q.sections]
    index = ids.index(section.id)
    if go == "next" and index + 1 < len(ids):
        target = f"/assessments/{assessment.id}/sections/{ids[index + 1]}"
    elif go == "prev" and index > 0:
        target = f"/assessments/{assessment.id}/sections/{ids[index - 1]}"
    elif go == "review":
        target = f"/assessments/{assessment.id}/review"
    else:
        target = f"/assessments/{assessment.id}/sections/{section.id}"
    response = RedirectResponse(target, status_code=303)
    if editable:
        flash(response, "saved")
    return response


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
    base = form.get(f"v-{question_id}")
    base_version = parse_int(base, default=0) or 0
    force = question_id in form.getlist("overwrite")
    stored = answering.stored_answers(session, assessment)
    answers = {k: v.value for k, v in stored.items()}
    # Only an answer that some `show_if` reads can show or hide other questions.
    shapes_visibility = question_id in engine.index(q).visibility_inputs
    before = engine.evaluate_answers(q, answers).visible_ids if shapes_visibility else None
    error = None
    conflict = None
    status = 200
    try:
        result = answering.save_answer(
            session,
            assessment=assessment,
            question_id=question_id,
            raw=raw,
            base_version=base_version,
            actor=user,
            force=force,
            known=stored,
        )
    except AnswerConflict as exc:
        session.rollback()
        conflict = _conflict_views(q, exc).get(question_id)
        status = 409
        result = None
    except InvalidInput as exc:
        session.rollback()
        error = exc.fields.get(question_id, exc.detail)
        status = 422
        result = None
    if result is not None and result.changed:
        # Patch the answers read before the save instead of reading them all again.
        stored[question_id] = StoredAnswer(result.value, result.version, user.id or 0, utcnow())
        answers[question_id] = result.value
    ev = engine.evaluate_answers(q, answers)
    after = ev.visible_ids
    flipped = (
        [qq for qq in section.questions if (qq.id in before) != (qq.id in after)]
        if before is not None
        else []
    )
    grows = question.type == QuestionType.table and result is not None and result.changed
    items = build_items(
        session,
        assessment,
        q,
        [question, *flipped],
        stored,
        answers,
        with_meta=bool(flipped) or grows,
        visible=set(after),
    )
    item = items[0]
    item.error, item.conflict = error, conflict
    if result is not None:
        item.version = result.version
    context: dict[str, Any] = {
        "a": assessment,
        "item": item,
        "saved": result is not None,
        "changed": items[1:] + ([item] if grows else []),
        "current": section.id,
        "editable": True,
        "refresh": False,
    }
    if result is not None:  # a refused save changed nothing: steps and panel stay as shown
        ds = engine.decision_support(q, answers, ev)
        steps = _steps(q, ds.completeness)
        support = support_view(q, ds, get_locale())
        shown = shown_digest(steps, support)
        # When the page already shows these steps and this panel, they are left alone.
        context.update(
            steps=steps, support=support, shown=shown, refresh=form.get("shown") != shown
        )
    return render(request, "assessments/_autosave.html", context, status_code=status)


@router.get("/assessments/{assessment_id}/find/{question_id}", summary="Go to a question")
def find_question(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    question_id: str,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    section = engine.section_of(q, question_id)
    if section is None:
        raise NotFound(_("This question does not exist in this questionnaire."))
    return RedirectResponse(
        f"/assessments/{assessment.id}/sections/{section.id}#q-{question_id}", status_code=303
    )


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
) -> Response:
    result = answering.restore_answer(
        session, assessment=assessment, revision_id=revision_id, actor=user
    )
    response = RedirectResponse(
        f"/assessments/{assessment.id}/questions/{result.question_id}/history", status_code=303
    )
    flash(response, "answer_restored")
    return response


def review_page(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    submit_error: AppError | None = None,
    status: int = 200,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    answers = answering.answer_values(session, assessment)
    ds = engine.decision_support(q, answers)
    locale = get_locale()
    visible = {qq.id for qq in engine.visible_questions(q, answers)}
    sections = []
    for section in q.sections:
        rows = []
        for question in section.questions:
            if question.id not in visible:
                continue
            rows.append(
                {
                    "q": question,
                    "text": answer_text(question, answers.get(question.id), locale),
                    "missing": question.id in ds.completeness.missing,
                }
            )
        sections.append({"s": section, "rows": rows})
    by_id = engine.question_by_id(q)
    missing = [
        {"id": qid, "label": by_id[qid].label.get(locale)} for qid in ds.completeness.missing
    ]
    hidden = [
        {"id": qid, "label": by_id[qid].label.get(locale)}
        for qid in sorted(ds.hidden)
        if qid in by_id
    ]
    can_submit = can_edit(session, user, assessment)
    return render(
        request,
        "assessments/review.html",
        {
            "a": assessment,
            "sections": sections,
            "missing": missing,
            "hidden": hidden,
            "support": support_view(q, ds, locale),
            "steps": _steps(q, ds.completeness),
            "can_submit": can_submit,
            "submit_error": submit_error,
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}/review", summary="Review the answers before submitting")
def review(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return review_page(request, session, user, assessment)
