"""The review page's forms answered for htmx: a new comment, a reply, a resolved thread or a
verdict sends back only the fragment it changed (with the state and the contents' verdict
status out of band, and one message for the live region). A refused form comes back with the
user's input and the message next to the field: as that fragment for htmx, as the whole page
(422) without JavaScript. Plain form posts are still redirected by app.pages.committee."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.assessments import reading
from app.assessments.models import Assessment, State
from app.assessments.permissions import parties_for
from app.assessments.transitions import STATE_LABELS, Party
from app.deps import current_roles
from app.errors import NotFound
from app.i18n import _, get_locale
from app.reviews import commenting, judging
from app.reviews import common as review_common
from app.reviews.labels import VERDICT_LABELS
from app.users.models import User
from app.web.forms import Refusal
from app.web.templating import render

REPLY_STATES = frozenset(
    {State.submitted, State.in_review, State.changes_requested, State.advice_drafted}
)
FRAGMENT = "reviews/_review_fragment.html"


def wants_fragment(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _flags(
    session: Session, user: User, request: Request, assessment: Assessment
) -> dict[str, Any]:
    """Who may do what on the review page, as the page itself decides it."""
    parties = parties_for(session, user, current_roles(request), assessment)
    committee = bool(parties & {Party.committee, Party.chair})
    author = Party.author in parties
    return {
        "is_committee": committee,
        "can_reply": committee or (author and assessment.state in REPLY_STATES),
        "can_resolve": committee,
        "can_comment": committee and assessment.state in review_common.COMMITTEE_STATES,
        "can_verdict": committee and assessment.state in (State.submitted, State.in_review),
        # Authors work on their comments page, which shows no state.
        "state": str(STATE_LABELS[State(assessment.state)]) if committee else None,
    }


def _errors(key: str | None, why: Refusal | None, field: str, value: str) -> dict[str, Any]:
    """The refused form (`key`) with its message and input. A refusal for the state (409: the
    form may be gone, say, after another member asked for changes) or of a button's form
    (`key` None) is said in the live region."""
    if why is None:
        return {"form_errors": {}, "form_values": {}}
    return {
        "form_errors": {} if key is None else {key: why.message_for(field)},
        "form_values": {} if key is None else {key: value},
        "message": why.detail if key is None or why.status == 409 else None,
        "message_level": "error",
    }


def comment_form_key(question_id: str | None, parent_id: int | None) -> tuple[str, str]:
    """The key of a comment form in `form_errors` and the id of its text field."""
    if parent_id is not None:
        return f"reply-{parent_id}", f"reply-{parent_id}"
    return f"comment-{question_id or 'general'}", f"new-comment-{question_id or 'general'}"


def comment_fragment(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    question_id: str | None,
    parent_id: int | None,
    new_id: int | None = None,
    why: Refusal | None = None,
    body: str | None = None,
    message: str | None = None,
) -> Response:
    """The thread replied to (or resolved), or the comments of the question commented on;
    `body` is the text of a refused comment (None: a refused resolve)."""
    flags = _flags(session, user, request, assessment)
    key, _field = comment_form_key(question_id, parent_id)
    context: dict[str, Any] = {
        "a": assessment,
        "verdict_labels": VERDICT_LABELS,
        "message": message or _("Your comment has been added."),
        **flags,
        **_errors(None if body is None else key, why, "body", body or ""),
    }
    threads = commenting.threads(session, assessment)
    if parent_id is not None:
        thread = next((t for t in threads if t.comment.id == parent_id), None)
        if thread is None:
            raise NotFound(_("This comment does not exist."))
        context.update(fragment="thread", thread=thread)
    else:
        label = None
        if question_id is not None:
            _version, q = reading.questionnaire_of(session, assessment)
            found = next((qq for qq in q.questions() if qq.id == question_id), None)
            if found is None:
                raise NotFound(_("This question does not exist in this questionnaire."))
            label = found.label.get(get_locale())
        context.update(
            fragment="comments",
            question_id=question_id,
            question_label=label,
            threads=[t for t in threads if t.comment.question_id == question_id],
            focus_id=new_id,
        )
    return render(request, FRAGMENT, context, status_code=why.status if why else 200)


def verdict_fragment(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    section_id: str,
    why: Refusal | None = None,
    chosen: str = "",
) -> Response:
    """A section's verdict block, and its status in the contents out of band."""
    _version, q = reading.questionnaire_of(session, assessment)
    section = next((s for s in q.sections if s.id == section_id), None)
    if section is None:
        raise NotFound(_("This section does not exist."))
    submission = review_common.latest_submission(session, assessment)
    context: dict[str, Any] = {
        "a": assessment,
        "verdict_labels": VERDICT_LABELS,
        "fragment": "verdict",
        "section": section,
        "current": judging.verdicts(session, submission).get(section_id),
        "message": _("The verdict has been saved."),
        **_flags(session, user, request, assessment),
        **_errors(f"verdict-{section_id}", why, "verdict", chosen),
    }
    return render(request, FRAGMENT, context, status_code=why.status if why else 200)
