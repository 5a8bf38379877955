"""Risk per value: points from answers and rules, measures that take points away, and the
level that follows. How a percentage is computed is the questionnaire's `scoring` setting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.memo import ByIdentity
from app.questionnaires.conditions import is_answered
from app.questionnaires.evaluation import Evaluation, evaluate_answers, index, option_table
from app.questionnaires.schema import Question, Questionnaire, QuestionType

LEVELS = ("low", "medium", "high")


def rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Driver:
    """One answer or rule that moved a value's score, with its points. `assumed` marks an
    answer taken as the stricter one because the real answer is not known yet."""

    kind: str  # "answer", "rule" or "measure"
    source_id: str  # question id or rule id
    option_id: str | None
    points: float
    assumed: bool = False


@dataclass(frozen=True)
class Floor:
    """A rule that lifted a value to at least a level, regardless of points."""

    rule_id: str
    level: str


@dataclass(frozen=True)
class ValueScore:
    value_id: str
    max_points: float  # what percentages are of: see `reference_points`
    inherent: float
    mitigation: float
    residual: float
    level: str
    inherent_level: str
    drivers: tuple[Driver, ...] = ()
    measures: tuple[Driver, ...] = ()
    floors: tuple[Floor, ...] = ()

    @property
    def inherent_percent(self) -> float:
        return _percent(self.inherent, self.max_points)

    @property
    def residual_percent(self) -> float:
        return _percent(self.residual, self.max_points)


def _percent(points: float, reference: float) -> float:
    return round(min(100.0, 100 * points / reference), 1) if reference else 0.0


@dataclass(frozen=True)
class Score:
    values: tuple[ValueScore, ...]
    overall: str

    def for_value(self, value_id: str) -> ValueScore:
        return next(v for v in self.values if v.value_id == value_id)


def _selected(question: Question, value: Any) -> list[str]:
    if question.type == QuestionType.multi_choice:
        # Each option counts once, even in unvalidated input.
        return list(dict.fromkeys(str(v) for v in value)) if isinstance(value, list) else []
    if question.type in (
        QuestionType.single_choice,
        QuestionType.yes_no_unknown,
        QuestionType.scale,
    ):
        return [str(value)] if is_answered(value) else []
    return []


def factors(q: Questionnaire) -> dict[str, list[float]]:
    """Per value, the most each question and each rule can add to it, heaviest first."""
    found: dict[str, list[float]] = {v.id: [] for v in q.values}
    for question in q.questions():
        table = option_table(question, "risk")
        for value_id, weights in found.items():
            points = [risks.get(value_id, 0.0) for risks in table.values()]
            top = (
                sum(points)
                if question.type == QuestionType.multi_choice
                else max(points, default=0)
            )
            if top > 0:
                weights.append(top)
    for rule in q.rules:
        for value_id, rule_points in rule.risk.items():
            if rule_points > 0:
                found[value_id].append(rule_points)
    return {value_id: sorted(weights, reverse=True) for value_id, weights in found.items()}


_REFERENCES: ByIdentity[Questionnaire, dict[str, float]] = ByIdentity(limit=256)


def reference_points(q: Questionnaire) -> Mapping[str, float]:
    """What a value's percentage is of. With `reference: maximum` (the default) the most the
    questionnaire can give that value; with `reference: heaviest` the sum of its `factors`
    heaviest factors, so that a value with many small questions is not diluted: every value is
    measured against the same number of its weightiest answers and rules."""
    return _REFERENCES.get(q, _references)


def _references(q: Questionnaire) -> dict[str, float]:
    weights = factors(q)
    if q.scoring.reference == "heaviest" and q.scoring.factors:
        return {value_id: sum(w[: q.scoring.factors]) for value_id, w in weights.items()}
    return {value_id: sum(w) for value_id, w in weights.items()}


def max_points(q: Questionnaire) -> Mapping[str, float]:
    """The reference of every value: the same for every assessment of a version, so
    percentages compare across assessments."""
    return reference_points(q)


def _level(percent: float, q: Questionnaire) -> str:
    if percent >= q.scoring.high_from:
        return "high"
    if percent >= q.scoring.medium_from:
        return "medium"
    return "low"


def score(
    q: Questionnaire,
    answers: Mapping[str, Any],
    ev: Evaluation | None = None,
    assumed: frozenset[str] = frozenset(),
) -> Score:
    """Inherent and residual risk per value, as points and percentages, with a level and the
    answers, measures and rules that caused it. `assumed` names the questions whose answer in
    `answers` is the stricter one put in place of "don't know"."""
    ev = ev or evaluate_answers(q, answers)
    effective, rules = ev.effective, ev.rules
    idx = index(q)
    maxima = reference_points(q)
    inherent: dict[str, list[Driver]] = {v.id: [] for v in q.values}
    mitigating: dict[str, list[Driver]] = {v.id: [] for v in q.values}
    for question in idx.questions:
        if question.id not in effective:
            continue
        chosen = _selected(question, effective[question.id])
        guess = question.id in assumed
        for tables, target, kind in (
            (idx.risk, inherent, "answer"),
            (idx.mitigation, mitigating, "measure"),
        ):
            table = tables[question.id]
            for option_id in chosen:
                for value_id, points in table.get(option_id, {}).items():
                    if points:
                        target[value_id].append(Driver(kind, question.id, option_id, points, guess))
    floors: dict[str, list[Floor]] = {v.id: [] for v in q.values}
    for rule in q.rules:
        if not rules[rule.id]:
            continue
        for value_id, points in rule.risk.items():
            inherent[value_id].append(Driver("rule", rule.id, None, points))
        for floor in rule.level_floor:
            targets = [v.id for v in q.values] if floor.value == "all" else [floor.value]
            for value_id in targets:
                floors[value_id].append(Floor(rule.id, floor.level))
    results = []
    for value in q.values:
        vid = value.id
        top = maxima[vid]
        raw = sum(d.points for d in inherent[vid])
        reduction = min(sum(d.points for d in mitigating[vid]), raw * q.scoring.max_mitigation)
        residual = max(0.0, raw - reduction)
        level = _level(100 * residual / top if top else 0.0, q)
        inherent_level = _level(100 * raw / top if top else 0.0, q)
        for applied in floors[vid]:
            if rank(applied.level) > rank(level):
                level = applied.level
            if rank(applied.level) > rank(inherent_level):
                inherent_level = applied.level
        results.append(
            ValueScore(
                value_id=vid,
                max_points=round(top, 2),
                inherent=round(raw, 2),
                mitigation=round(reduction, 2),
                residual=round(residual, 2),
                level=level,
                inherent_level=inherent_level,
                drivers=tuple(sorted(inherent[vid], key=lambda d: -d.points)),
                measures=tuple(sorted(mitigating[vid], key=lambda d: -d.points)),
                floors=tuple(floors[vid]),
            )
        )
    overall = max((r.level for r in results), key=rank, default="low")
    return Score(tuple(results), overall)
