"""The committee's comments as the authors see them next to their answers (provided to
app.assessments.feedback)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.assessments.feedback import Comments
from app.assessments.models import Assessment
from app.reviews.models import ReviewComment
from app.users.models import User


def comments_by_question(session: Session, assessment: Assessment) -> Comments:
    rows = session.exec(
        select(ReviewComment, User.name)
        .join(User, col(User.id) == ReviewComment.author_id)
        .where(
            ReviewComment.assessment_id == assessment.id,
            col(ReviewComment.question_id).is_not(None),
        )
        .order_by(col(ReviewComment.id))
    ).all()
    out: Comments = {}
    for comment, name in rows:
        out.setdefault(comment.question_id or "", []).append(
            {"author": name, "body": comment.body, "resolved": comment.resolved_at is not None}
        )
    return out
