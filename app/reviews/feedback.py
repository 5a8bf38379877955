"""What the committee says about an assessment as its authors see it: the comments next to
their answers, the verdicts per section and the final advice (provided to
app.assessments.feedback)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.assessments.feedback import AdviceView, Comments, Verdicts
from app.assessments.models import Assessment, Submission
from app.reviews.advising import conditions_of
from app.reviews.labels import OUTCOME_LABELS, VERDICT_LABELS
from app.reviews.models import Advice, Outcome, ReviewComment, SectionVerdict, Verdict
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


def verdicts_by_section(session: Session, assessment: Assessment) -> Verdicts:
    """The verdicts on the newest submission that has any (after a resubmission, those of the
    previous one until the committee judges again)."""
    rows = session.exec(
        select(SectionVerdict, Submission.number)
        .join(Submission, col(Submission.id) == SectionVerdict.submission_id)
        .where(SectionVerdict.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).all()
    if not rows:
        return {}
    newest = rows[0][1]
    return {
        verdict.section_id: {
            "verdict": verdict.verdict,
            "label": str(VERDICT_LABELS[Verdict(verdict.verdict)]),
            "submission": number,
        }
        for verdict, number in rows
        if number == newest
    }


def final_advice(session: Session, assessment: Assessment) -> AdviceView | None:
    """The final advice that no later round replaced."""
    advice = session.exec(
        select(Advice)
        .where(
            Advice.assessment_id == assessment.id,
            col(Advice.finalised_at).is_not(None),
            col(Advice.superseded_at).is_(None),
        )
        .order_by(col(Advice.round).desc())
    ).first()
    if advice is None:
        return None
    return {
        "round": advice.round,
        "outcome": advice.outcome,
        "outcome_label": str(OUTCOME_LABELS[Outcome(advice.outcome)]),
        "summary": advice.summary,
        "reassess_on": advice.reassess_on,
        "finalised_at": advice.finalised_at,
        "conditions": [
            {"number": c.number, "text": c.text, "owner": c.owner, "due_on": c.due_on}
            for c in conditions_of(session, advice)
        ],
    }
