"""The guided form: one page per section (a normal form without JavaScript), finding a
question, and the review page before submitting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.assessments import answering, feedback, reading
from app.assessments.answering import AnswerConflict
from app.assessments.models import Assessment
from app.assessments.permissions import can_edit, ensure_can_edit
from app.assessments.presenters import answer_text, support_view
from app.deps import (
    CurrentUser,
    FormDep,
    SessionDep,
    VisibleAssessment,
)
from app.errors import InvalidInput, NotFound
from app.i18n import _, get_locale
from app.pages.answer_forms import read_section
from app.pages.attachment_views import attachment_views
from app.pages.fingerprint import shown_digest
from app.pages.form_items import (
    build_items,
    conflict_views,
    find_section,
    section_steps,
)
from app.questionnaires import engine
from app.users.models import User
from app.web.flash import flash
from app.web.forms import Refusal
from app.web.templating import render

router = APIRouter()


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
    attachment_errors: dict[str, str] | None = None,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    section = find_section(q, section_id)
    stored = answering.stored_answers(session, assessment)
    answers = {k: v.value for k, v in stored.items()}
    ds = engine.decision_support(q, answers)
    index = [s.id for s in q.sections].index(section.id)
    editable = can_edit(session, user, assessment)
    steps = section_steps(q, ds.completeness)
    support = support_view(q, ds, get_locale())
    said = feedback.as_the_authors_see_it(session, assessment)
    items = build_items(
        session,
        assessment,
        q,
        section.questions,
        stored,
        {**answers, **(overrides or {})},  # visibility follows what was just entered
        errors=errors,
        conflicts=conflicts,
        overrides=overrides,
    )
    # The error summary: per question its label and message, linked to its first field.
    flagged = [i for i in items if i.error or i.conflict]
    locale = get_locale()
    attachments = attachment_views(
        session, assessment, request.app.state.settings, errors=attachment_errors
    )
    # A refused upload is listed in the error summary too, linked to its file field.
    refused_files = {f"file-{qid}": message for qid, message in (attachment_errors or {}).items()}
    return render(
        request,
        "assessments/section.html",
        {
            "a": assessment,
            "section": section,
            "steps": steps,
            "shown": shown_digest(steps, support),
            "items": items,
            "errors": {
                **{
                    i.q.id: f"{i.q.label.get(locale)}: {i.error or (i.conflict or {})['message']}"
                    for i in flagged
                },
                **refused_files,
            },
            "error_ids": {
                **{i.q.id: i.first_input_id for i in flagged},
                **{name: name for name in refused_files},
            },
            "attachments": attachments,
            "support": support,
            "editable": editable,
            "prev_id": q.sections[index - 1].id if index > 0 else None,
            "next_id": q.sections[index + 1].id if index + 1 < len(q.sections) else None,
            "form_error": form_error,
            "change_request": said["change_request"],
            "verdict": said["verdicts"].get(section.id),
        },
        status_code=status,
    )


@router.get("/assessments/{assessment_id}/sections/{section_id}", summary="A section of the form")
def showfind_section(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    section_id: str,
) -> Response:
    return section_page(request, session, user, assessment, section_id)


@router.post("/assessments/{assessment_id}/sections/{section_id}", summary="Save a section")
def savefind_section(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    section_id: str,
    form: FormDep,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)
    section = find_section(q, section_id)
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
                conflicts=conflict_views(q, exc),
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


def review_page(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    why: Refusal | None = None,
) -> Response:
    """The answers before submitting; a refused submission comes back with its reason."""
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
    to_find_out = [
        {"id": o.question_id, "label": o.obligation.title.get(locale)} for o in ds.clarifications
    ]
    return render(
        request,
        "assessments/review.html",
        {
            "a": assessment,
            "sections": sections,
            "missing": missing,
            "to_find_out": to_find_out,
            "hidden": hidden,
            "support": support_view(q, ds, locale),
            "steps": section_steps(q, ds.completeness),
            "can_submit": can_submit,
            **(why.context() if why else {"errors": {}}),
        },
        status_code=why.status if why else 200,
    )


@router.get("/assessments/{assessment_id}/review", summary="Review the answers before submitting")
def review(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return review_page(request, session, user, assessment)
