"""The questionnaire engine: pure functions over a questionnaire and a set of answers. Pages,
the JSON API, the PDF and the CLI all use these, so there is one copy of every rule. The work is
split over `evaluation` (visibility, effective answers, rules), `scoring` (levels), `deciding`
(obligations) and `explain` (what fired); this module joins them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.questionnaires import scoring
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.conditions import is_answered, questions_used
from app.questionnaires.deciding import (
    SEVERITY_ORDER,
    Decision,
    ObligationResult,
    decide,
    register_category,
    strict_answers,
)
from app.questionnaires.evaluation import (
    Evaluation,
    Index,
    effective_answers,
    evaluate_answers,
    evaluate_rules,
    hidden_answered,
    index,
    visible_questions,
)
from app.questionnaires.schema import Question, Questionnaire, Section, Severity
from app.questionnaires.scoring import (
    LEVELS,
    Driver,
    Floor,
    Score,
    ValueScore,
    max_points,
    reference_points,
)

__all__ = [
    "LEVELS",
    "SEVERITY_ORDER",
    "Completeness",
    "Decision",
    "DecisionSupport",
    "Driver",
    "Evaluation",
    "Floor",
    "Index",
    "ObligationResult",
    "Score",
    "SectionProgress",
    "ValueScore",
    "completeness",
    "decision_support",
    "effective_answers",
    "evaluate_answers",
    "evaluate_rules",
    "hidden_answered",
    "index",
    "max_points",
    "obligations",
    "option_label",
    "question_by_id",
    "questions_used",
    "reference_points",
    "register_category",
    "score",
    "section_of",
    "validate_answers",
    "visible_questions",
]


# --- validation and completeness -----------------------------------------------------------


def question_by_id(q: Questionnaire) -> Mapping[str, Question]:
    return index(q).by_id


def validate_answers(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, str]:
    """Problems per question id for a whole set of answers (unknown ids included)."""
    by_id = question_by_id(q)
    problems: dict[str, str] = {}
    from app.i18n import _

    for qid, raw in answers.items():
        question = by_id.get(qid)
        if question is None:
            problems[qid] = _("This question does not exist in this questionnaire.")
            continue
        try:
            validate_answer(question, raw)
        except AnswerInvalid as exc:
            problems[qid] = exc.message
    return problems


@dataclass(frozen=True)
class SectionProgress:
    section_id: str
    answered: int
    required: int
    visible: int
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Completeness:
    sections: tuple[SectionProgress, ...]

    @property
    def missing(self) -> list[str]:
        return [qid for s in self.sections for qid in s.missing]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def required(self) -> int:
        return sum(s.required for s in self.sections)

    @property
    def percent(self) -> int:
        if self.required == 0:
            return 100
        done = self.required - len(self.missing)
        return int(100 * done / self.required)


def completeness(
    q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None
) -> Completeness:
    """Required and visible questions that are answered, per section."""
    visible = (ev or evaluate_answers(q, answers)).visible_ids
    progress = []
    for section in q.sections:
        shown = [qq for qq in section.questions if qq.id in visible]
        required = [qq for qq in shown if qq.required]
        answered = [qq for qq in shown if is_answered(answers.get(qq.id))]
        missing = tuple(qq.id for qq in required if not is_answered(answers.get(qq.id)))
        progress.append(
            SectionProgress(section.id, len(answered), len(required), len(shown), missing)
        )
    return Completeness(tuple(progress))


# --- levels and obligations -------------------------------------------------------------------


def score(q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None) -> Score:
    """Risk per value with its level. Where "don't know" decides obligations, the level assumes
    the stricter known answer until the real one is given."""
    ev = ev or evaluate_answers(q, answers)
    return _score(q, answers, ev, decide(q, answers, ev))


def _score(q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation, d: Decision) -> Score:
    if not d.assumptions:
        return scoring.score(q, answers, ev)
    strict = strict_answers(answers, d)
    return scoring.score(q, strict, evaluate_answers(q, strict), frozenset(d.assumptions))


def obligations(
    q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None
) -> list[ObligationResult]:
    """The obligations that follow from the answers, most severe first. An obligation that
    applies removes the ones it overrides (DPIA required replaces DPIA recommended); a stop
    removes every one that prepares going live; "don't know" on a question that decides
    obligations yields a "clarify"."""
    return decide(q, answers, ev).obligations


# --- everything at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionSupport:
    score: Score
    obligations: list[ObligationResult]
    completeness: Completeness
    rules: dict[str, bool] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    assumptions: Mapping[str, str] = field(default_factory=dict)

    @property
    def register_category(self) -> str | None:
        return register_category(self.obligations)

    @property
    def clarifications(self) -> list[ObligationResult]:
        """The answers to find out before the assessment can be submitted."""
        return [o for o in self.obligations if o.severity == Severity.clarify]

    @property
    def stopped(self) -> bool:
        return any(o.severity == Severity.stop for o in self.obligations)


def decision_support(
    q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None
) -> DecisionSupport:
    """Scores, obligations, completeness and rules for a set of answers (`ev`, when given,
    is `evaluate_answers` of the same answers)."""
    if ev is None:
        ev = evaluate_answers(q, answers)
    hidden = {
        qid for qid, value in answers.items() if qid not in ev.visible_ids and is_answered(value)
    }
    decision = decide(q, answers, ev)
    return DecisionSupport(
        score=_score(q, answers, ev, decision),
        obligations=decision.obligations,
        completeness=completeness(q, answers, ev),
        rules=ev.rules,
        hidden=frozenset(hidden),
        assumptions=decision.assumptions,
    )


def section_of(q: Questionnaire, question_id: str) -> Section | None:
    return index(q).section_by_question.get(question_id)


def option_label(question: Question, option_id: str, locale: str) -> str:
    """The label of an answer option in a language (also for yes/no/unknown and scales)."""
    for option in question.options or []:
        if option.id == option_id:
            return option.label.get(locale)
    return _implied_labels(locale).get(option_id, option_id)


@lru_cache(maxsize=8)
def _implied_labels(locale: str) -> dict[str, str]:
    """The labels of the options that yes/no/unknown questions have without listing them."""
    from app.i18n import _ as gettext
    from app.i18n import use_locale

    with use_locale(locale):
        return {"yes": gettext("Yes"), "no": gettext("No"), "unknown": gettext("Unknown")}
