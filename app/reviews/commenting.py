"""Comments on questions and on the whole assessment: threaded and resolvable."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.assessments import reading
from app.assessments.models import (
    Assessment,
    State,
)
from app.assessments.permissions import parties_for
from app.assessments.transitions import Party
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import _
from app.reviews.common import (
    COMMENT_MAX,
    COMMITTEE_STATES,
    clean_text,
    committee_parties,
    ensure_review_started,
    latest_submission,
)
from app.reviews.models import (
    ReviewComment,
)
from app.timeutil import utcnow
from app.users.models import Role, User


def add_comment(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    body: str,
    question_id: str | None = None,
    parent_id: int | None = None,
) -> ReviewComment:
    """A comment on a question or on the whole assessment, or a reply in a thread. The committee
    comments while it reviews; the authors reply."""
    parties = parties_for(session, actor, roles, assessment)
    text = clean_text(body, COMMENT_MAX, "body")
    parent = None
    if parent_id is not None:
        parent = session.get(ReviewComment, parent_id)
        if parent is None or parent.assessment_id != assessment.id:
            raise NotFound(_("This comment does not exist."))
        if parent.resolved_at is not None:
            # A resolved thread is closed: what remains open is a new comment, which is seen.
            raise Conflict(
                _("This comment is resolved. Add a new comment if something is still open.")
            )
        question_id = parent.question_id
    if Party.author in parties:
        if parent is None:
            raise PermissionDenied(_("As an author you can reply to the committee's comments."))
        if assessment.state not in (
            State.changes_requested,
            State.submitted,
            State.in_review,
            State.advice_drafted,
        ):
            raise Conflict(_("Replies are possible while the committee handles the assessment."))
    else:
        parties = committee_parties(session, actor, roles, assessment)
        if assessment.state not in COMMITTEE_STATES:
            raise Conflict(
                _("The committee cannot comment on this assessment in its current state.")
            )
        ensure_review_started(session, assessment, actor, parties)
    if question_id is not None:
        _version, q = reading.questionnaire_of(session, assessment)
        if question_id not in {qq.id for qq in q.questions()}:
            raise InvalidInput(_("This question does not exist in this questionnaire."))
    submission = latest_submission(session, assessment)
    comment = ReviewComment(
        assessment_id=assessment.id or 0,
        submission_id=submission.id,
        question_id=question_id,
        parent_id=parent.id if parent else None,
        author_id=actor.id or 0,
        body=text,
    )
    session.add(comment)
    session.flush()
    record_event(
        session,
        action="review.comment_added",
        actor_id=actor.id,
        object_type="comment",
        object_id=comment.id or "",
        assessment_id=assessment.id,
        details={"question": question_id, "reply_to": comment.parent_id},
    )
    return comment


def resolve_comment(
    session: Session, *, assessment: Assessment, comment_id: int, actor: User, roles: Set[Role]
) -> None:
    comment = session.get(ReviewComment, comment_id)
    if comment is None or comment.assessment_id != assessment.id:
        raise NotFound(_("This comment does not exist."))
    if comment.parent_id is not None:
        raise Conflict(_("Resolve the thread at its first comment."))
    committee_parties(session, actor, roles, assessment)
    if comment.resolved_at is not None:
        raise Conflict(_("This comment is already resolved."))
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    session.add(comment)
    record_event(
        session,
        action="review.comment_resolved",
        actor_id=actor.id,
        object_type="comment",
        object_id=comment.id or "",
        assessment_id=assessment.id,
    )
    session.flush()


@dataclass
class Thread:
    comment: ReviewComment
    author: str
    replies: list[tuple[ReviewComment, str]]


def threads(session: Session, assessment: Assessment) -> list[Thread]:
    """All comment threads of an assessment, oldest first."""
    rows = session.exec(
        select(ReviewComment, User.name)
        .join(User, col(User.id) == ReviewComment.author_id)
        .where(ReviewComment.assessment_id == assessment.id)
        .order_by(col(ReviewComment.id))
    ).all()
    top: dict[int, Thread] = {}
    for comment, name in rows:
        if comment.parent_id is None:
            top[comment.id or 0] = Thread(comment, name, [])
        elif comment.parent_id in top:
            top[comment.parent_id].replies.append((comment, name))
    return list(top.values())
