"""What every other engine function starts from: a questionnaire's lookups (built once per
questionnaire object), which questions are visible, and the effective answers and rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.memo import ByIdentity
from app.questionnaires.conditions import evaluate, is_answered, questions_used
from app.questionnaires.schema import CHOICE_TYPES, Question, Questionnaire, Section

# --- lookups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    """Lookups derived from a (frozen) questionnaire, built once per questionnaire object."""

    questions: tuple[Question, ...]
    by_id: Mapping[str, Question]
    section_by_question: Mapping[str, Section]
    # The questions whose answers some `show_if` reads: only saving one of these can show or
    # hide other questions.
    visibility_inputs: frozenset[str]
    # Risk and mitigation points per answer option, per question.
    risk: Mapping[str, Mapping[str, Mapping[str, float]]]
    mitigation: Mapping[str, Mapping[str, Mapping[str, float]]]


_INDEXES: ByIdentity[Questionnaire, Index] = ByIdentity(limit=256)


def index(q: Questionnaire) -> Index:
    """The lookups of a questionnaire, built once per questionnaire object."""
    return _INDEXES.get(q, _build_index)


def _build_index(q: Questionnaire) -> Index:
    questions = tuple(qq for s in q.sections for qq in s.questions)
    return Index(
        questions=questions,
        by_id={qq.id: qq for qq in questions},
        section_by_question={qq.id: s for s in q.sections for qq in s.questions},
        visibility_inputs=frozenset(
            qid for qq in questions if qq.show_if is not None for qid in questions_used(qq.show_if)
        ),
        risk={qq.id: option_table(qq, "risk") for qq in questions},
        mitigation={qq.id: option_table(qq, "mitigation") for qq in questions},
    )


# --- visibility --------------------------------------------------------------------------------


def visible_questions(q: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions shown for these answers, in order. A `show_if` may only use earlier
    questions (the loader checks it), so one pass suffices; answers to hidden questions do
    not count."""
    visible: list[Question] = []
    effective: dict[str, Any] = {}
    for question in index(q).questions:
        if question.show_if is None or evaluate(question.show_if, effective, {}):
            visible.append(question)
            if question.id in answers:
                effective[question.id] = answers[question.id]
    return visible


@dataclass(frozen=True)
class Evaluation:
    """Visibility, effective answers and rules for one set of answers, computed once."""

    visible: tuple[Question, ...]
    visible_ids: frozenset[str]
    effective: dict[str, Any]
    rules: dict[str, bool]


def evaluate_answers(q: Questionnaire, answers: Mapping[str, Any]) -> Evaluation:
    """Everything the other functions derive from the answers, in one pass."""
    visible = visible_questions(q, answers)
    effective = {
        question.id: answers[question.id]
        for question in visible
        if question.id in answers and is_answered(answers[question.id])
    }
    rules: dict[str, bool] = {}
    for rule in q.rules:
        rules[rule.id] = evaluate(rule.when, effective, rules)
    return Evaluation(tuple(visible), frozenset(qq.id for qq in visible), effective, rules)


def effective_answers(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to visible questions: what scoring, rules and completeness use."""
    return {
        question.id: answers[question.id]
        for question in visible_questions(q, answers)
        if question.id in answers and is_answered(answers[question.id])
    }


def hidden_answered(q: Questionnaire, answers: Mapping[str, Any]) -> set[str]:
    """Questions that hold an answer but are hidden now: kept, ignored, shown as such."""
    visible = {question.id for question in visible_questions(q, answers)}
    return {qid for qid, value in answers.items() if qid not in visible and is_answered(value)}


def option_table(question: Question, field_name: str) -> dict[str, dict[str, float]]:
    """Risk or mitigation per answer option of a question."""
    if question.type in CHOICE_TYPES:
        return {o.id: dict(getattr(o, field_name)) for o in question.options or []}
    implied = question.option_risk if field_name == "risk" else question.option_mitigation
    return {k: dict(v) for k, v in (implied or {}).items()}


def evaluate_rules(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, bool]:
    """Every rule in order (a rule may use earlier rules)."""
    return evaluate_answers(q, answers).rules
