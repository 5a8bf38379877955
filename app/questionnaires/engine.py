"""The questionnaire engine: pure functions over a questionnaire and a set of answers. Pages,
the JSON API, the PDF and the CLI all use these, so there is one copy of every rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.memo import ByIdentity
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.conditions import evaluate, is_answered, questions_used
from app.questionnaires.schema import (
    CHOICE_TYPES,
    Obligation,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    Severity,
)

LEVELS = ("low", "medium", "high")


def _rank(level: str) -> int:
    return LEVELS.index(level)


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
    max_points: Mapping[str, float]
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
        max_points=_max_points(q),
        risk={qq.id: _option_table(qq, "risk") for qq in questions},
        mitigation={qq.id: _option_table(qq, "mitigation") for qq in questions},
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


# --- rules and scoring ---------------------------------------------------------------------


def evaluate_rules(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, bool]:
    """Every rule in order (a rule may use earlier rules)."""
    return evaluate_answers(q, answers).rules


@dataclass(frozen=True)
class Driver:
    """One answer or rule that moved a value's score, with its points."""

    kind: str  # "answer", "rule" or "measure"
    source_id: str  # question id or rule id
    option_id: str | None
    points: float


@dataclass(frozen=True)
class Floor:
    """A rule that lifted a value to at least a level, regardless of points."""

    rule_id: str
    level: str


@dataclass(frozen=True)
class ValueScore:
    value_id: str
    max_points: float
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
        return round(100 * self.inherent / self.max_points, 1) if self.max_points else 0.0

    @property
    def residual_percent(self) -> float:
        return round(100 * self.residual / self.max_points, 1) if self.max_points else 0.0


@dataclass(frozen=True)
class Score:
    values: tuple[ValueScore, ...]
    overall: str

    def for_value(self, value_id: str) -> ValueScore:
        return next(v for v in self.values if v.value_id == value_id)


def _option_table(question: Question, field_name: str) -> dict[str, dict[str, float]]:
    """Risk or mitigation per answer option of a question."""
    if question.type in CHOICE_TYPES:
        return {o.id: dict(getattr(o, field_name)) for o in question.options or []}
    implied = question.option_risk if field_name == "risk" else question.option_mitigation
    return {k: dict(v) for k, v in (implied or {}).items()}


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


def max_points(q: Questionnaire) -> Mapping[str, float]:
    """The most risk each value can reach: the same for every assessment of a version, so
    percentages compare across assessments."""
    return index(q).max_points


def _max_points(q: Questionnaire) -> dict[str, float]:
    totals = {v.id: 0.0 for v in q.values}
    for question in q.questions():
        table = _option_table(question, "risk")
        for value_id in totals:
            points = [risks.get(value_id, 0.0) for risks in table.values()]
            if not points:
                continue
            if question.type == QuestionType.multi_choice:
                totals[value_id] += sum(points)
            else:
                totals[value_id] += max(points)
    for rule in q.rules:
        for value_id, rule_points in rule.risk.items():
            totals[value_id] += rule_points
    return totals


def _level(percent: float, q: Questionnaire) -> str:
    if percent >= q.scoring.high_from:
        return "high"
    if percent >= q.scoring.medium_from:
        return "medium"
    return "low"


def score(q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None) -> Score:
    """Inherent and residual risk per value, as points and percentages, with a level and the
    answers, measures and rules that caused it."""
    ev = ev or evaluate_answers(q, answers)
    effective, rules = ev.effective, ev.rules
    idx = index(q)
    maxima = idx.max_points
    inherent: dict[str, list[Driver]] = {v.id: [] for v in q.values}
    mitigating: dict[str, list[Driver]] = {v.id: [] for v in q.values}
    for question in idx.questions:
        if question.id not in effective:
            continue
        chosen = _selected(question, effective[question.id])
        for tables, target, kind in (
            (idx.risk, inherent, "answer"),
            (idx.mitigation, mitigating, "measure"),
        ):
            table = tables[question.id]
            for option_id in chosen:
                for value_id, points in table.get(option_id, {}).items():
                    if points:
                        target[value_id].append(Driver(kind, question.id, option_id, points))
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
        pct = 100 * residual / top if top else 0.0
        inherent_pct = 100 * raw / top if top else 0.0
        level = _level(pct, q)
        inherent_level = _level(inherent_pct, q)
        for applied in floors[vid]:
            if _rank(applied.level) > _rank(level):
                level = applied.level
            if _rank(applied.level) > _rank(inherent_level):
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
    overall = max((r.level for r in results), key=_rank, default="low")
    return Score(tuple(results), overall)


# --- obligations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ObligationResult:
    obligation: Obligation

    @property
    def id(self) -> str:
        return self.obligation.id

    @property
    def severity(self) -> Severity:
        return self.obligation.severity


_SEVERITY_ORDER = [Severity.stop, Severity.required, Severity.recommended, Severity.advice]


def obligations(
    q: Questionnaire, answers: Mapping[str, Any], ev: Evaluation | None = None
) -> list[ObligationResult]:
    """The obligations that follow from the answers, most severe first. An obligation that
    applies removes the ones it overrides (DPIA required replaces DPIA recommended)."""
    ev = ev or evaluate_answers(q, answers)
    effective, rules = ev.effective, ev.rules
    applying = [o for o in q.obligations if evaluate(o.when, effective, rules)]
    overridden = {other for o in applying for other in o.overrides}
    kept = [ObligationResult(o) for o in applying if o.id not in overridden]
    return sorted(kept, key=lambda r: _SEVERITY_ORDER.index(r.severity))


def register_category(results: list[ObligationResult]) -> str | None:
    """The algorithm register category (A, B or C) that the obligations imply, if any."""
    categories = sorted(
        r.obligation.register_category for r in results if r.obligation.register_category
    )
    return categories[0] if categories else None


# --- everything at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionSupport:
    score: Score
    obligations: list[ObligationResult]
    completeness: Completeness
    rules: dict[str, bool] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    @property
    def register_category(self) -> str | None:
        return register_category(self.obligations)

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
    return DecisionSupport(
        score=score(q, answers, ev),
        obligations=obligations(q, answers, ev),
        completeness=completeness(q, answers, ev),
        rules=ev.rules,
        hidden=frozenset(hidden),
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
