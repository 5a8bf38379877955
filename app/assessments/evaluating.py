"""Save one answer and evaluate what follows: the autosave's whole work as one service call.

The page shows the result; this decides it: the save itself (or why it was refused), the
answers after it, which questions of the section appeared or disappeared, and the decision
support. It reads the stored answers once and patches them after the save instead of reading
them again: this runs at every pause in typing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.assessments import answering
from app.assessments.answering import AnswerConflict, SaveResult, StoredAnswer
from app.assessments.models import Assessment
from app.errors import InvalidInput
from app.questionnaires import engine
from app.questionnaires.schema import Question, Questionnaire, Section
from app.timeutil import utcnow
from app.users.models import User


@dataclass
class Evaluated:
    """A save and its consequences."""

    question: Question
    section: Section
    stored: dict[str, StoredAnswer]  # the stored answers after the save
    answers: dict[str, Any]
    evaluation: engine.Evaluation
    result: SaveResult | None = None  # None: the save was refused
    conflict: AnswerConflict | None = None
    error: str | None = None
    # Questions of the section whose visibility the save changed.
    flipped: list[Question] = field(default_factory=list)
    decision_support: engine.DecisionSupport | None = None  # only after a save

    @property
    def refused(self) -> bool:
        return self.result is None

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed


def save_and_evaluate(
    session: Session,
    *,
    assessment: Assessment,
    questionnaire: Questionnaire,
    question: Question,
    section: Section,
    raw: Any,
    base_version: int,
    force: bool,
    actor: User,
) -> Evaluated:
    """Save one answer (a conflict or an invalid value is reported in the result, not raised)
    and evaluate the questionnaire with it."""
    q = questionnaire
    stored = answering.stored_answers(session, assessment)
    answers = {k: v.value for k, v in stored.items()}
    # Only an answer that some `show_if` reads can show or hide other questions.
    shapes_visibility = question.id in engine.index(q).visibility_inputs
    before = engine.evaluate_answers(q, answers).visible_ids if shapes_visibility else None
    result: SaveResult | None = None
    conflict: AnswerConflict | None = None
    error: str | None = None
    try:
        result = answering.save_answer(
            session,
            assessment=assessment,
            question_id=question.id,
            raw=raw,
            base_version=base_version,
            actor=actor,
            force=force,
            known=stored,
        )
    except AnswerConflict as exc:
        conflict = exc
    except InvalidInput as exc:
        error = exc.fields.get(question.id, exc.detail)
    if result is not None and result.changed:
        # Patch the answers read before the save instead of reading them all again.
        stored[question.id] = StoredAnswer(result.value, result.version, actor.id or 0, utcnow())
        answers[question.id] = result.value
    evaluation = engine.evaluate_answers(q, answers)
    after = evaluation.visible_ids
    flipped = (
        [qq for qq in section.questions if (qq.id in before) != (qq.id in after)]
        if before is not None
        else []
    )
    outcome = Evaluated(
        question, section, stored, answers, evaluation, result, conflict, error, flipped
    )
    if result is not None:  # a refused save changed nothing: steps and panel stay as shown
        outcome.decision_support = engine.decision_support(q, answers, evaluation)
    return outcome
