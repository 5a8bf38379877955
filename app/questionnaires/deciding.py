"""Which obligations follow from the answers: overrides, a stop that removes every step towards
going live, and "clarify" for an unknown answer that a known one would turn into obligations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.memo import ByIdentity
from app.questionnaires.conditions import evaluate
from app.questionnaires.evaluation import Evaluation, evaluate_answers, option_table
from app.questionnaires.explain import Fact, explain
from app.questionnaires.schema import (
    AnsweredCond,
    Obligation,
    Question,
    Questionnaire,
    QuestionType,
    Rule,
    Severity,
)

SEVERITY_ORDER = [
    Severity.stop,
    Severity.required,
    Severity.clarify,
    Severity.recommended,
    Severity.advice,
]


@dataclass(frozen=True)
class ObligationResult:
    """An obligation that applies, with the facts (answers and rules) that made it apply. A
    clarify also names its question, what a known answer would bring, and the stricter answer
    the level assumes meanwhile."""

    obligation: Obligation
    facts: tuple[Fact, ...] = ()
    question_id: str | None = None
    would_bring: tuple[str, ...] = ()
    assumed: str | None = None

    @property
    def id(self) -> str:
        return self.obligation.id

    @property
    def severity(self) -> Severity:
        return self.obligation.severity


@dataclass(frozen=True)
class Decision:
    obligations: list[ObligationResult]
    # Questions answered "don't know" that decide obligations, with the stricter answer that
    # the level assumes until the real answer is known.
    assumptions: dict[str, str] = field(default_factory=dict)


def _rules_by_id(q: Questionnaire) -> Mapping[str, Rule]:
    return _RULES.get(q, lambda qq: {r.id: r for r in qq.rules})


_RULES: ByIdentity[Questionnaire, Mapping[str, Rule]] = ByIdentity(limit=256)


def applying(q: Questionnaire, ev: Evaluation) -> list[Obligation]:
    """The questionnaire's own obligations that hold, after overrides; with a stop, none that
    prepares going live remains."""
    holding = [o for o in q.obligations if evaluate(o.when, ev.effective, ev.rules)]
    overridden = {other for o in holding for other in o.overrides}
    kept = [o for o in holding if o.id not in overridden]
    if any(o.severity == Severity.stop for o in kept):
        kept = [o for o in kept if not o.prepares_deployment]
    return kept


def is_unknown(question: Question, value: Any) -> bool:
    """Whether an answer says "don't know"."""
    if question.type == QuestionType.yes_no_unknown:
        return value == "unknown"
    if question.type == QuestionType.single_choice:
        return any(o.id == value and o.unknown for o in question.options or [])
    return False


def known_answers(question: Question) -> list[str]:
    """The answers that would replace "don't know"."""
    if question.type == QuestionType.yes_no_unknown:
        return ["yes", "no"]
    return [o.id for o in question.options or [] if not o.unknown]


def _strictness(question: Question, answer: str) -> float:
    return sum(option_table(question, "risk").get(answer, {}).values())


def decide(q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None) -> Decision:
    """The obligations, most severe first, each with the facts behind it."""
    ev = ev or evaluate_answers(q, answers)
    base = applying(q, ev)
    have = {o.id for o in base}
    by_id = {o.id: o for o in q.obligations}
    extra: dict[str, Obligation] = {}
    clarifies: list[ObligationResult] = []
    assumptions: dict[str, str] = {}
    for question in ev.visible:
        if question.clarify is None or not is_unknown(question, ev.effective.get(question.id)):
            continue
        gains: dict[str, set[str]] = {}
        for answer in known_answers(question):
            other = evaluate_answers(q, {**answers, question.id: answer})
            gains[answer] = {o.id for o in applying(q, other)} - have
        brought = set().union(*gains.values()) if gains else set()
        if not brought:
            continue
        # What every known answer brings follows for certain; the rest waits for the answer.
        for oid in set.intersection(*gains.values()):
            extra[oid] = by_id[oid]
        strictest = max(gains, key=lambda a: (len(gains[a]), _strictness(question, a)))
        assumptions[question.id] = strictest
        ordered = tuple(o.id for o in q.obligations if o.id in brought)
        clarifies.append(_clarify(question, ordered, strictest, by_id))
    rules = _rules_by_id(q)
    results = [
        ObligationResult(o, explain(o.when, ev.effective, ev.rules, rules))
        for o in q.obligations
        if o.id in have or o.id in extra
    ]
    results.extend(clarifies)
    results.sort(key=lambda r: SEVERITY_ORDER.index(r.severity))
    return Decision(results, assumptions)


def _clarify(
    question: Question, brought: tuple[str, ...], strictest: str, by_id: Mapping[str, Obligation]
) -> ObligationResult:
    assert question.clarify is not None
    bases = dict.fromkeys(b for oid in brought if (b := by_id[oid].legal_basis))
    obligation = Obligation.model_construct(
        id=f"clarify_{question.id}",
        title=question.clarify.title,
        description=question.clarify.description,
        severity=Severity.clarify,
        when=AnsweredCond(answered=question.id),
        reason=question.clarify.description,
        overrides=[],
        register_category=None,
        legal_basis="; ".join(bases) or None,
        prepares_deployment=None,
    )
    return ObligationResult(
        obligation,
        question_id=question.id,
        would_bring=brought,
        assumed=strictest,
    )


def strict_answers(answers: Mapping[str, Any], decision: Decision) -> dict[str, Any]:
    """The answers with each deciding "don't know" replaced by the stricter known answer."""
    return {**answers, **decision.assumptions}


def register_category(results: list[ObligationResult]) -> str | None:
    """The algorithm register category (A, B or C) that the obligations imply, if any."""
    categories = sorted(
        r.obligation.register_category for r in results if r.obligation.register_category
    )
    return categories[0] if categories else None
