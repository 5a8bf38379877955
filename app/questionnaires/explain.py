"""Why a condition holds: the answers and rules that made it true. Obligations carry this, so
that a reason names what fired ("profiling: yes; 60,000 people") instead of what could have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.questionnaires.conditions import compiled, is_answered
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
    Rule,
    RuleCond,
)


@dataclass(frozen=True)
class AnswerFact:
    """An answer that made a condition hold: the question and the values that counted (the
    chosen options among those the condition names, or the answer itself)."""

    question_id: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RuleFact:
    """A rule that held, with what made it hold."""

    rule_id: str
    facts: tuple[Fact, ...]


Fact = AnswerFact | RuleFact


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if is_answered(value) else []


def _matching(value: Any, wanted: list[str]) -> tuple[str, ...]:
    return tuple(v for v in _as_list(value) if v in wanted) or tuple(_as_list(value))


def explain(
    cond: Any,
    answers: Mapping[str, Any],
    rule_values: Mapping[str, bool],
    rules: Mapping[str, Rule],
) -> tuple[Fact, ...]:
    """The facts that make `cond` hold for these (effective) answers; empty when it does not
    hold or holds by an absence (a `not`)."""
    if not compiled(cond)(answers, rule_values):
        return ()
    return _explain(cond, answers, rule_values, rules)


def _explain(
    cond: Any,
    answers: Mapping[str, Any],
    rule_values: Mapping[str, bool],
    rules: Mapping[str, Rule],
) -> tuple[Fact, ...]:
    def holding(parts: list[Any]) -> tuple[Fact, ...]:
        found: list[Fact] = []
        for part in parts:
            if compiled(part)(answers, rule_values):
                found.extend(_explain(part, answers, rule_values, rules))
        return tuple(dict.fromkeys(found))

    if isinstance(cond, AllOf):
        return holding(cond.all)
    if isinstance(cond, AnyOf):
        return holding(cond.any)
    if isinstance(cond, NotCond):
        return ()
    if isinstance(cond, EqualsCond):
        qid = cond.equals.question
        return (AnswerFact(qid, _matching(answers.get(qid), [str(cond.equals.value)])),)
    if isinstance(cond, InCond):
        qid = cond.in_.question
        return (AnswerFact(qid, _matching(answers.get(qid), [str(v) for v in cond.in_.values])),)
    if isinstance(cond, AnsweredCond):
        return (AnswerFact(cond.answered, tuple(_as_list(answers.get(cond.answered)))),)
    if isinstance(cond, (GteCond, LteCond)):
        qid = cond.gte.question if isinstance(cond, GteCond) else cond.lte.question
        return (AnswerFact(qid, tuple(_as_list(answers.get(qid)))),)
    if isinstance(cond, CountGteCond):
        spec = cond.count_gte
        if spec.of is not None:
            return holding(spec.of)
        qid = spec.question or ""
        value = answers.get(qid)
        wanted = [str(v) for v in spec.values] if spec.values else _as_list(value)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return (AnswerFact(qid, ()),)  # table rows: the question, not each row
        return (AnswerFact(qid, _matching(value, wanted)),)
    if isinstance(cond, RuleCond):
        rule = rules.get(cond.rule)
        inner = _explain(rule.when, answers, rule_values, rules) if rule else ()
        return (RuleFact(cond.rule, inner),)
    return ()


def answers_in(facts: tuple[Fact, ...]) -> tuple[AnswerFact, ...]:
    """Every answer behind the facts, each once, in the order found."""
    found: list[AnswerFact] = []
    for fact in facts:
        if isinstance(fact, AnswerFact):
            found.append(fact)
        else:
            found.extend(answers_in(fact.facts))
    merged: dict[str, list[str]] = {}
    for fact in found:
        values = merged.setdefault(fact.question_id, [])
        values.extend(v for v in fact.values if v not in values)
    return tuple(AnswerFact(qid, tuple(values)) for qid, values in merged.items())


def reasons(
    facts: tuple[Fact, ...], rules: Mapping[str, Rule]
) -> list[tuple[str | None, tuple[AnswerFact, ...]]]:
    """The facts as lines a person reads: each outermost rule that has a reason, with the
    answers behind it (rule id None: answers the condition reads directly). A condition that
    is a single rule is opened, since the obligation's own reason already says it."""
    if len(facts) == 1 and isinstance(facts[0], RuleFact):
        facts = facts[0].facts or facts
    lines: list[tuple[str | None, tuple[AnswerFact, ...]]] = []
    loose: list[AnswerFact] = []

    def walk(items: tuple[Fact, ...]) -> None:
        for fact in items:
            if isinstance(fact, AnswerFact):
                loose.append(fact)
            elif rules.get(fact.rule_id) is not None and rules[fact.rule_id].reason is not None:
                lines.append((fact.rule_id, answers_in(fact.facts)))
            else:
                walk(fact.facts)

    walk(facts)
    if loose:
        lines.append((None, answers_in(tuple(loose))))
    seen: set[str | None] = set()
    unique = []
    for rule_id, answers in lines:
        if rule_id is None or rule_id not in seen:
            seen.add(rule_id)
            unique.append((rule_id, answers))
    return unique
