"""The committee's pages: inbox, review of a submission, comments, verdicts and change
requests (the advice has app.pages.advice). Authors use the comment pages to reply."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.assessments import reading, reassessing
from app.assessments.models import Assessment, ConflictOfInterest, State, Submission
from app.assessments.permissions import is_author, parties_for
from app.assessments.presenters import answer_text, support_view
from app.assessments.transitions import STATE_LABELS, Party
from app.deps import (
    CurrentUser,
    ObjectId,
    RequireRole,
    SessionDep,
    VisibleAssessment,
    current_roles,
)
from app.errors import NotFound
from app.followup import service as followup
from app.i18n import N_, _, get_locale
from app.pages import review_fragments as fragments
from app.pages.consultations_committee import shows_link as shows_consultation
from app.questionnaires import engine
from app.questionnaires.schema import Questionnaire
from app.reviews import commenting, intake, judging
from app.reviews import common as review_common
from app.reviews.labels import VERDICT_LABELS
from app.text import parse_int
from app.users.models import Role, User
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()
CommitteeUser = Annotated[User, Depends(RequireRole(Role.board, Role.chair))]

register("claimed", N_("You are the rapporteur of %(ref)s."))
register(
    "conflict_declared",
    N_("Your conflict of interest has been recorded. You no longer take part in this assessment."),
)
register("comment_added", N_("Your comment has been added."))
register("comment_resolved", N_("The comment has been marked as resolved."))
register("verdict_saved", N_("The verdict has been saved."))
register("changes_requested", N_("The assessment has gone back to its authors with your comments."))


def back(url: str, key: str, **params: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash(response, key, **params)
    return response


@router.get("/committee", summary="The committee's inbox")
def inbox_page(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    state: str = "",
    department: str = "",
    level: str = "",
    obligation: str = "",
    sort: str = "age",
) -> Response:
    rows = intake.inbox(
        session,
        state=state or None,
        department=department[:200] or None,
        level=level or None,
        obligation=obligation[:60] or None,
        sort=sort,
    )
    departments = intake.inbox_departments(session)
    return render(
        request,
        "reviews/inbox.html",
        {
            "rows": rows,
            "filters": {
                "state": state,
                "department": department,
                "level": level,
                "obligation": obligation,
                "sort": sort,
            },
            "departments": departments,
            "states": intake.INBOX_STATES,
        },
        block_name="results" if request.headers.get("HX-Request") == "true" else None,
    )


def _snapshot(submission: Submission) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(submission.snapshot_json)
    return loaded


def _sections_view(q: Questionnaire, snapshot: dict[str, Any], locale: str) -> list[dict[str, Any]]:
    answers = snapshot["answers"]
    visible = {qq.id for qq in engine.visible_questions(q, answers)}
    out = []
    for section in q.sections:
        rows = [
            {"q": qq, "text": answer_text(qq, answers.get(qq.id), locale)}
            for qq in section.questions
            if qq.id in visible
        ]
        out.append({"s": section, "rows": rows})
    return out


def _diff_view(
    q: Questionnaire, previous: Submission | None, current: Submission, locale: str
) -> list[dict[str, Any]] | None:
    if previous is None:
        return None
    by_id = engine.question_by_id(q)
    out = []
    for change in judging.diff_snapshots(_snapshot(previous), _snapshot(current)):
        question = by_id.get(change.question_id)
        if question is None:
            continue
        out.append(
            {
                "q": question,
                "before": answer_text(question, change.before, locale),
                "after": answer_text(question, change.after, locale),
            }
        )
    return out


def _review_context(
    session: SessionDep, user: User, request: Request, assessment: Assessment
) -> dict[str, Any]:
    version, q = reading.questionnaire_of(session, assessment)
    locale = get_locale()
    submissions = reading.submissions_of(session, assessment)
    if not submissions:
        raise NotFound(_("This assessment has not been submitted yet."))
    current = submissions[-1]
    snapshot = _snapshot(current)
    # A re-assessment's first submission is compared with what the committee signed before.
    compared = submissions[-2] if len(submissions) > 1 else None
    earlier = session.get(Assessment, assessment.previous_id) if assessment.previous_id else None
    if compared is None and earlier is not None:
        compared = reassessing.signed_submission(session, earlier)
    else:
        earlier = None
    roles = current_roles(request)
    parties = parties_for(session, user, roles, assessment)
    threads = commenting.threads(session, assessment)
    by_question: dict[str | None, list[commenting.Thread]] = {}
    for thread in threads:
        by_question.setdefault(thread.comment.question_id, []).append(thread)
    return {
        "a": assessment,
        "q": q,
        "version": version,
        "submission": current,
        "submissions": submissions,
        "sections": _sections_view(q, snapshot, locale),
        "support": support_view(q, engine.decision_support(q, snapshot["answers"]), locale),
        "verdicts": judging.verdicts(session, current),
        "verdict_labels": VERDICT_LABELS,
        "threads": by_question,
        "general": by_question.get(None, []),
        "diff": _diff_view(q, compared, current, locale),
        "diff_earlier": earlier,
        "is_committee": bool(parties & {Party.committee, Party.chair}),
        "is_author": Party.author in parties,
        "can_act": bool(parties & {Party.committee, Party.chair})
        and assessment.state in review_common.COMMITTEE_STATES,
        "can_verdict": bool(parties & {Party.committee, Party.chair})
        and assessment.state in (State.submitted, State.in_review),
        "rapporteur": session.get(User, assessment.rapporteur_id)
        if assessment.rapporteur_id
        else None,
        "state": str(STATE_LABELS[State(assessment.state)]),
        "has_conflict": session.get(ConflictOfInterest, (assessment.id, user.id)) is not None,
        "follow_up": followup.follow_up(session, assessment),
        "consultation_link": shows_consultation(session, user, roles, assessment),
    }


@router.get("/committee/assessments/{assessment_id}", summary="Review a submitted assessment")
def review_page(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return render(
        request, "reviews/review.html", _review_context(session, user, request, assessment)
    )


@router.post("/committee/assessments/{assessment_id}/claim", summary="Become the rapporteur")
def claim(
    request: Request, session: SessionDep, user: CommitteeUser, assessment: VisibleAssessment
) -> Response:
    intake.claim_rapporteur(
        session, assessment=assessment, actor=user, roles=current_roles(request)
    )
    return back(f"/committee/assessments/{assessment.id}", "claimed", ref=assessment.reference)


@router.post(
    "/committee/assessments/{assessment_id}/conflict", summary="Declare a conflict of interest"
)
def conflict(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    reason: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    intake.declare_conflict(
        session, assessment=assessment, actor=user, roles=current_roles(request), reason=reason
    )
    return back("/committee", "conflict_declared")


@router.post("/assessments/{assessment_id}/comments", summary="Add a comment or a reply")
def add_comment(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    body: Annotated[str, Form(max_length=50000)] = "",
    question_id: Annotated[str, Form(max_length=100)] = "",
    parent_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    parent = parse_int(parent_id)
    asked_question = None if parent is not None else (question_id or None)
    try:
        comment = commenting.add_comment(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            body=body,
            question_id=asked_question,
            parent_id=parent,
        )
    except REFUSALS as exc:

        def again(why: Refusal) -> Response:
            if fragments.wants_fragment(request):
                return fragments.comment_fragment(
                    request,
                    session,
                    user,
                    assessment,
                    question_id=asked_question,
                    parent_id=parent,
                    why=why,
                    body=body,
                )
            key, field_id = fragments.comment_form_key(asked_question, parent)
            return _page_again(
                request, session, user, assessment, why, key=key, field_id=field_id, value=body
            )

        return refused(request, session, exc, again)
    if fragments.wants_fragment(request):
        return fragments.comment_fragment(
            request,
            session,
            user,
            assessment,
            question_id=comment.question_id,
            parent_id=comment.parent_id,
            new_id=comment.id,
        )
    # Authors reply on their comments page; the committee works on the review page.
    anchor = f"comment-{comment.parent_id or comment.id}"
    if is_author(session, user, assessment):
        return back(f"/assessments/{assessment.id}/comments#{anchor}", "comment_added")
    return back(f"/committee/assessments/{assessment.id}#{anchor}", "comment_added")


def _page_again(
    request: Request,
    session: SessionDep,
    user: User,
    assessment: Assessment,
    why: Refusal,
    *,
    key: str | None = None,
    field_id: str = "",
    value: str = "",
    field: str = "body",
) -> Response:
    """The whole page again (without JavaScript): the refused form (`key` among the page's
    forms, its field `field_id`) with the input and the message, and the error summary."""
    if key is None:  # a button's form: only the summary says why
        errors: dict[str, Any] = {"form_errors": {}, "form_values": {}, "error_ids": {}}
        errors["form_error"] = why.detail
    else:
        one = why.on_field(field)
        errors = {
            "form_errors": {key: one.fields[field]},
            "form_values": {key: value},
            "error_ids": {key: field_id},
            "form_error": one.form_error,
        }
    if is_author(session, user, assessment):
        context = _comments_context(session, assessment)
        return render(
            request, "reviews/comments.html", {**context, **errors}, status_code=why.status
        )
    context = _review_context(session, user, request, assessment)
    return render(request, "reviews/review.html", {**context, **errors}, status_code=why.status)


@router.post(
    "/assessments/{assessment_id}/comments/{comment_id}/resolve", summary="Resolve a comment thread"
)
def resolve(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    comment_id: ObjectId,
) -> Response:
    try:
        commenting.resolve_comment(
            session,
            assessment=assessment,
            comment_id=comment_id,
            actor=user,
            roles=current_roles(request),
        )
    except REFUSALS as exc:

        def again(why: Refusal) -> Response:
            if fragments.wants_fragment(request):
                return fragments.comment_fragment(
                    request,
                    session,
                    user,
                    assessment,
                    question_id=None,
                    parent_id=comment_id,
                    why=why,
                )
            return _page_again(request, session, user, assessment, why)

        return refused(request, session, exc, again)
    if fragments.wants_fragment(request):
        return fragments.comment_fragment(
            request,
            session,
            user,
            assessment,
            question_id=None,
            parent_id=comment_id,
            message=_("The comment has been marked as resolved."),
        )
    return back(f"/committee/assessments/{assessment.id}#comment-{comment_id}", "comment_resolved")


@router.get("/assessments/{assessment_id}/comments", summary="The committee's comments and replies")
def comments_page(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return render(request, "reviews/comments.html", _comments_context(session, assessment))


def _comments_context(session: SessionDep, assessment: Assessment) -> dict[str, Any]:
    _version, q = reading.questionnaire_of(session, assessment)
    return {
        "a": assessment,
        "threads": commenting.threads(session, assessment),
        "by_id": engine.question_by_id(q),
        "can_reply": assessment.state in fragments.REPLY_STATES,
    }


@router.post(
    "/committee/assessments/{assessment_id}/verdicts/{section_id}",
    summary="Give a verdict on a section",
)
def verdict(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    section_id: str,
    verdict: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        judging.set_verdict(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            section_id=section_id,
            verdict=verdict,
        )
    except REFUSALS as exc:

        def again(why: Refusal) -> Response:
            if fragments.wants_fragment(request):
                return fragments.verdict_fragment(
                    request,
                    session,
                    user,
                    assessment,
                    section_id=section_id,
                    why=why,
                    chosen=verdict,
                )
            return _page_again(
                request,
                session,
                user,
                assessment,
                why,
                key=f"verdict-{section_id}",
                field_id=f"v-{section_id}-{next(iter(VERDICT_LABELS))}",
                value=verdict,
                field="verdict",
            )

        return refused(request, session, exc, again)
    if fragments.wants_fragment(request):
        return fragments.verdict_fragment(request, session, user, assessment, section_id=section_id)
    return back(f"/committee/assessments/{assessment.id}#verdict-{section_id}", "verdict_saved")


@router.post(
    "/committee/assessments/{assessment_id}/request-changes", summary="Ask the authors for changes"
)
def request_changes(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    try:
        judging.request_changes(
            session, assessment=assessment, actor=user, roles=current_roles(request), note=note
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: _page_again(
                request, session, user, assessment, why, key="note", field_id="f-note", value=note
            ),
        )
    return back("/committee", "changes_requested")


# --- advice -----------------------------------------------------------------------------------
