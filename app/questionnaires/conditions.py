"""The rule interpreter: structured conditions over answers. No eval, no templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.questionnaires.schema import (
    AllOf,
    AnsweredCond,
    AnyOf,
    CountGteCond,
    EqualsCond,
    GteCond,
    InCond,
    LteCond,
    NotCond,
    RuleCond,
)


def is_answered(value: Any) -> bool:
    """An answer counts when it is not empty (empty text, no choice and no rows do not)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, dict)):
        return len(value) > 0
    return True


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            return float(value)
    except (ValueError, OverflowError):
        return None
    return None


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, list):
        return any(_same(item, expected) for item in answer)
    if isinstance(expected, bool) or isinstance(answer, bool):
        return answer == expected
    a, e = _as_number(answer), _as_number(expected)
    if a is not None and e is not None:
        return a == e
    return str(answer) == str(expected)


def evaluate(cond: Any, answers: Mapping[str, Any], rules: Mapping[str, bool]) -> bool:
    """Whether a condition holds for the given (visible) answers and already evaluated rules."""
    if isinstance(cond, AllOf):
        return all(evaluate(c, answers, rules) for c in cond.all)
    if isinstance(cond, AnyOf):
        return any(evaluate(c, answers, rules) for c in cond.any)
    if isinstance(cond, NotCond):
        return not evaluate(cond.not_, answers, rules)
    if isinstance(cond, EqualsCond):
        value = answers.get(cond.equals.question)
        return is_answered(value) and _same(value, cond.equals.value)
    if isinstance(cond, InCond):
        value = answers.get(cond.in_.question)
        return is_answered(value) and any(_same(value, v) for v in cond.in_.values)
    if isinstance(cond, AnsweredCond):
        return is_answered(answers.get(cond.answered))
    if isinstance(cond, (GteCond, LteCond)):
        cmp = cond.gte if isinstance(cond, GteCond) else cond.lte
        number, bound = _as_number(answers.get(cmp.question)), _as_number(cmp.value)
        if number is None or bound is None:
            return False
        return number >= bound if isinstance(cond, GteCond) else number <= bound
    if isinstance(cond, CountGteCond):
        spec = cond.count_gte
        if spec.of is not None:
            return sum(1 for c in spec.of if evaluate(c, answers, rules)) >= spec.min
        value = answers.get(spec.question or "")
        items = value if isinstance(value, list) else ([value] if is_answered(value) else [])
        if spec.values:
            items = [i for i in items if str(i) in spec.values]
        return len(items) >= spec.min
    if isinstance(cond, RuleCond):
        return rules.get(cond.rule, False)
    raise TypeError(f"not a condition: {type(cond).__name__}")


def questions_used(cond: Any) -> set[str]:
    """The ids of the questions whose answers a condition reads."""
    if isinstance(cond, AllOf):
        return set().union(*(questions_used(c) for c in cond.all))
    if isinstance(cond, AnyOf):
        return set().union(*(questions_used(c) for c in cond.any))
    if isinstance(cond, NotCond):
        return questions_used(cond.not_)
    if isinstance(cond, EqualsCond):
        return {cond.equals.question}
    if isinstance(cond, InCond):
        return {cond.in_.question}
    if isinstance(cond, AnsweredCond):
        return {cond.answered}
    if isinstance(cond, GteCond):
        return {cond.gte.question}
    if isinstance(cond, LteCond):
        return {cond.lte.question}
    if isinstance(cond, CountGteCond):
        used = {cond.count_gte.question} if cond.count_gte.question else set()
        return used.union(*(questions_used(c) for c in cond.count_gte.of or []))
    return set()
