"""The rule interpreter: structured conditions over answers. No eval, no templates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.memo import ByIdentity
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
        # A yes/no only equals a yes/no: in Python 1 == True, which must not make the
        # number 1 satisfy `equals: true`.
        return isinstance(answer, bool) and isinstance(expected, bool) and answer == expected
    a, e = _as_number(answer), _as_number(expected)
    if a is not None and e is not None:
        return a == e
    return str(answer) == str(expected)


Check = Callable[[Mapping[str, Any], Mapping[str, bool]], bool]


def evaluate(cond: Any, answers: Mapping[str, Any], rules: Mapping[str, bool]) -> bool:
    """Whether a condition holds for the given (visible) answers and already evaluated rules."""
    return compiled(cond)(answers, rules)


_COMPILED: ByIdentity[Any, Check] = ByIdentity(limit=4096)


def compiled(cond: Any) -> Check:
    """The condition as a function of (answers, rules), built once per condition object:
    conditions are read on every autosave, for every question and rule of the questionnaire."""
    return _COMPILED.get(cond, _compile)


def _compile(cond: Any) -> Check:
    if isinstance(cond, AllOf):
        parts = tuple(_compile(c) for c in cond.all)
        return lambda answers, rules: all(part(answers, rules) for part in parts)
    if isinstance(cond, AnyOf):
        parts = tuple(_compile(c) for c in cond.any)
        return lambda answers, rules: any(part(answers, rules) for part in parts)
    if isinstance(cond, NotCond):
        inner = _compile(cond.not_)
        return lambda answers, rules: not inner(answers, rules)
    if isinstance(cond, EqualsCond):
        qid, expected = cond.equals.question, cond.equals.value

        def equals(answers: Mapping[str, Any], _rules: Mapping[str, bool]) -> bool:
            value = answers.get(qid)
            return is_answered(value) and _same(value, expected)

        return equals
    if isinstance(cond, InCond):
        qid, options = cond.in_.question, tuple(cond.in_.values)

        def one_of(answers: Mapping[str, Any], _rules: Mapping[str, bool]) -> bool:
            value = answers.get(qid)
            return is_answered(value) and any(_same(value, v) for v in options)

        return one_of
    if isinstance(cond, AnsweredCond):
        answered = cond.answered
        return lambda answers, _rules: is_answered(answers.get(answered))
    if isinstance(cond, (GteCond, LteCond)):
        at_least = isinstance(cond, GteCond)
        cmp = cond.gte if isinstance(cond, GteCond) else cond.lte
        qid, bound = cmp.question, _as_number(cmp.value)

        def compare(answers: Mapping[str, Any], _rules: Mapping[str, bool]) -> bool:
            number = _as_number(answers.get(qid))
            if number is None or bound is None:
                return False
            return number >= bound if at_least else number <= bound

        return compare
    if isinstance(cond, CountGteCond):
        spec = cond.count_gte
        minimum = spec.min
        if spec.of is not None:
            parts = tuple(_compile(c) for c in spec.of)
            return lambda answers, rules: (
                sum(1 for part in parts if part(answers, rules)) >= minimum
            )
        counted, values = spec.question or "", spec.values

        def count(answers: Mapping[str, Any], _rules: Mapping[str, bool]) -> bool:
            value = answers.get(counted)
            items = value if isinstance(value, list) else ([value] if is_answered(value) else [])
            if values:
                items = [i for i in items if str(i) in values]
            return len(items) >= minimum

        return count
    if isinstance(cond, RuleCond):
        name = cond.rule
        return lambda _answers, rules: rules.get(name, False)
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
