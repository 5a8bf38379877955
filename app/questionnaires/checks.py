"""The checks a schema cannot express: references between questions, rules and conditions, the algorithm register's fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.questionnaires.conditions import questions_used
from app.questionnaires.problems import Path_
from app.questionnaires.schema import (
    CHOICE_TYPES,
    SCALE_POINTS,
    YES_NO_UNKNOWN,
    AllOf,
    AnsweredCond,
    AnyOf,
    ColumnType,
    CountGteCond,
    EqualsCond,
    GteCond,
    InCond,
    LteCond,
    NotCond,
    Question,
    Questionnaire,
    QuestionType,
    RuleCond,
    Severity,
)

REGISTER_FIELDS = frozenset(
    {
        "name",
        "description_short",
        "organization",
        "category",
        "status",
        "begin_date",
        "end_date",
        "contact_email",
        "website",
        "url",
        "goal",
        "proportionality",
        "human_intervention",
        "risks",
        "lawful_basis",
        "process_index_url",
        "impacttoetsen",
        "source_data",
        "methods_and_models",
        "provider",
        "publiccode",
        "tags",
        # filled from several answers each: see app/archive/algoritmeregister.py
        "impacttoetsen_grouping",
        "lawful_basis_grouping",
        "source_data_grouping",
    }
)
GROUPING_TYPES = {
    "impacttoetsen_grouping": (QuestionType.multi_choice, QuestionType.single_choice),
    "lawful_basis_grouping": (QuestionType.multi_choice, QuestionType.single_choice),
    "source_data_grouping": (QuestionType.table,),
}


def conditions_in(cond: Any, path: Path_) -> Iterator[tuple[Any, Path_]]:
    """Every leaf condition with its path."""
    if isinstance(cond, AllOf):
        for i, c in enumerate(cond.all):
            yield from conditions_in(c, path + ("all", i))
    elif isinstance(cond, AnyOf):
        for i, c in enumerate(cond.any):
            yield from conditions_in(c, path + ("any", i))
    elif isinstance(cond, NotCond):
        yield from conditions_in(cond.not_, path + ("not",))
    elif isinstance(cond, CountGteCond):
        yield cond, path
        for i, c in enumerate(cond.count_gte.of or []):
            yield from conditions_in(c, path + ("count_gte", "of", i))
    else:
        yield cond, path


def allowed_values(question: Question) -> set[str] | None:
    """The answer values a condition may compare a choice question with."""
    if question.type in CHOICE_TYPES:
        return {o.id for o in question.options or []}
    if question.type == QuestionType.yes_no_unknown:
        return set(YES_NO_UNKNOWN)
    return None


class Checker:
    def __init__(self, q: Questionnaire) -> None:
        self.q = q
        self.problems: list[tuple[Path_, str]] = []
        self.values = {v.id for v in q.values}
        self.principles = {p.id for p in q.principles}
        self.position: dict[str, int] = {}
        self.questions: dict[str, Question] = {}

    def add(self, path: Path_, message: str) -> None:
        self.problems.append((path, message))

    def unique(self, items: list[Any], path: Path_, field: str, what: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                self.add(path + (field, i, "id"), f"duplicate {what} id '{item.id}'")
            seen.add(item.id)

    def risk_keys(self, risk: dict[str, float], path: Path_) -> None:
        for value in risk:
            if value not in self.values:
                self.add(
                    path + (value,),
                    f"unknown value '{value}' (values: {', '.join(sorted(self.values))})",
                )

    def run(self) -> list[tuple[Path_, str]]:
        q = self.q
        self.unique(q.values, (), "values", "value")
        self.unique(q.principles, (), "principles", "principle")
        self.unique(q.sections, (), "sections", "section")
        self.unique(q.rules, (), "rules", "rule")
        self.unique(q.obligations, (), "obligations", "obligation")
        for i, principle in enumerate(q.principles):
            if principle.value not in self.values:
                self.add(("principles", i, "value"), f"unknown value '{principle.value}'")
        index = 0
        for s, section in enumerate(q.sections):
            if section.value and section.value not in self.values:
                self.add(("sections", s, "value"), f"unknown value '{section.value}'")
            for n, question in enumerate(section.questions):
                path: Path_ = ("sections", s, "questions", n)
                if question.id in self.questions:
                    self.add(path + ("id",), f"duplicate question id '{question.id}'")
                self.check_question(question, path)
                if question.show_if is not None:
                    self.check_condition(
                        question.show_if, path + ("show_if",), before=index, own=question.id
                    )
                self.questions.setdefault(question.id, question)
                self.position.setdefault(question.id, index)
                index += 1
        rule_ids: set[str] = set()
        for r, rule in enumerate(q.rules):
            self.check_condition(rule.when, ("rules", r, "when"), rules=rule_ids)
            self.risk_keys(rule.risk, ("rules", r, "risk"))
            for f, floor in enumerate(rule.level_floor):
                if floor.value != "all" and floor.value not in self.values:
                    self.add(
                        ("rules", r, "level_floor", f, "value"), f"unknown value '{floor.value}'"
                    )
            rule_ids.add(rule.id)
        obligation_ids = {o.id for o in q.obligations}
        for o, obligation in enumerate(q.obligations):
            self.check_condition(obligation.when, ("obligations", o, "when"), rules=rule_ids)
            for k, other in enumerate(obligation.overrides):
                if other not in obligation_ids or other == obligation.id:
                    self.add(("obligations", o, "overrides", k), f"unknown obligation '{other}'")
            if obligation.severity == Severity.clarify:
                self.add(
                    ("obligations", o, "severity"),
                    "'clarify' obligations come from the questions' 'clarify' texts; "
                    "use stop, required, recommended or advice",
                )
            if obligation.severity == Severity.stop and obligation.prepares_deployment:
                self.add(
                    ("obligations", o, "prepares_deployment"), "a stop cannot prepare going live"
                )
        self.check_unknowns()
        return self.problems

    def check_unknowns(self) -> None:
        """Once a questionnaire says what to find out for one "don't know", it must for every
        "don't know" that decides rules or obligations: otherwise that unknown is a silent no."""
        q = self.q
        deciding = set().union(
            *(questions_used(r.when) for r in q.rules),
            *(questions_used(o.when) for o in q.obligations),
        )
        uses_clarify = any(qq.clarify for qq in q.questions())
        for s, section in enumerate(q.sections):
            for n, question in enumerate(section.questions):
                path: Path_ = ("sections", s, "questions", n)
                flagged = [o for o in question.options or [] if o.unknown]
                if flagged and question.type != QuestionType.single_choice:
                    self.add(
                        path + ("options",),
                        f"options of a {question.type.value} question cannot be 'unknown': "
                        "only single_choice options can",
                    )
                can_be_unknown = question.type == QuestionType.yes_no_unknown or flagged
                if (
                    uses_clarify
                    and can_be_unknown
                    and question.id in deciding
                    and not question.clarify
                ):
                    self.add(
                        path,
                        f"question '{question.id}' can be answered 'don't know' and decides rules "
                        "or obligations: add 'clarify' (what to find out and whom to ask)",
                    )

    def check_question(self, question: Question, path: Path_) -> None:
        for b, basis in enumerate(question.basis):
            if basis not in self.principles:
                self.add(path + ("basis", b), f"unknown principle '{basis}'")
        kind = question.type
        if kind in CHOICE_TYPES:
            if not question.options or len(question.options) < 2:
                self.add(path + ("options",), f"a {kind.value} question needs at least two options")
            else:
                self.unique(question.options, path, "options", "option")
                for o, option in enumerate(question.options):
                    self.risk_keys(option.risk, path + ("options", o, "risk"))
                    self.risk_keys(option.mitigation, path + ("options", o, "mitigation"))
        elif question.options is not None:
            self.add(path + ("options",), f"a {kind.value} question cannot have options")
        implied = {
            QuestionType.yes_no_unknown: YES_NO_UNKNOWN,
            QuestionType.scale: SCALE_POINTS,
        }.get(kind)
        for field in ("option_risk", "option_mitigation"):
            table = getattr(question, field)
            if table is None:
                continue
            if implied is None:
                self.add(path + (field,), f"{field} is only for yes_no_unknown and scale questions")
                continue
            for answer, risk in table.items():
                if answer not in implied:
                    self.add(
                        path + (field, answer),
                        f"'{answer}' is not an answer (answers: {', '.join(implied)})",
                    )
                self.risk_keys(risk, path + (field, answer))
        if kind == QuestionType.number:
            if question.min is None or question.max is None:
                self.add(path, "a number question needs both 'min' and 'max'")
            elif question.min >= question.max:
                self.add(path + ("max",), "'max' must be greater than 'min'")
            elif abs(question.max) > 1e12 or abs(question.min) > 1e12:
                self.add(path + ("max",), "bounds must be within ±1e12")
        elif question.min is not None or question.max is not None:
            self.add(path, f"a {kind.value} question cannot have 'min' or 'max'")
        if question.scale_labels is not None and kind != QuestionType.scale:
            self.add(path + ("scale_labels",), "scale_labels are only for scale questions")
        if question.max_length is not None and kind not in (
            QuestionType.short_text,
            QuestionType.long_text,
        ):
            self.add(path + ("max_length",), "max_length is only for text questions")
        if kind == QuestionType.table:
            if not question.columns:
                self.add(path + ("columns",), "a table question needs columns")
            else:
                self.unique(question.columns, path, "columns", "column")
                for c, column in enumerate(question.columns):
                    cpath = path + ("columns", c)
                    if column.type == ColumnType.single_choice and not column.options:
                        self.add(cpath + ("options",), "a single_choice column needs options")
                    if column.type == ColumnType.number and (
                        column.min is None or column.max is None or column.min >= column.max
                    ):
                        self.add(cpath, "a number column needs 'min' below 'max'")
        elif question.columns is not None:
            self.add(path + ("columns",), f"a {kind.value} question cannot have columns")
        if question.register_field and question.register_field not in REGISTER_FIELDS:
            self.add(
                path + ("register_field",),
                f"unknown algorithm register field '{question.register_field}'",
            )
        grouping = GROUPING_TYPES.get(question.register_field or "")
        if grouping and kind not in grouping:
            self.add(
                path + ("register_field",),
                f"'{question.register_field}' is filled from a {grouping[0].value} question",
            )
        if question.register_field == "source_data_grouping" and not {"name", "link"} <= {
            c.id for c in question.columns or []
        }:
            self.add(path + ("columns",), "source_data_grouping needs 'name' and 'link' columns")
        if question.measure and not (question.options or question.option_mitigation):
            self.add(
                path + ("measure",),
                "a measure needs options with 'mitigation' or 'option_mitigation'",
            )

    def check_condition(
        self,
        cond: Any,
        path: Path_,
        *,
        before: int | None = None,
        own: str | None = None,
        rules: set[str] | None = None,
    ) -> None:
        for leaf, leaf_path in conditions_in(cond, path):
            if isinstance(leaf, RuleCond):
                if rules is None:
                    self.add(
                        leaf_path + ("rule",), "show_if cannot refer to a rule; use the questions"
                    )
                elif leaf.rule not in rules:
                    self.add(
                        leaf_path + ("rule",),
                        f"unknown or later rule '{leaf.rule}' (a rule may only use earlier rules)",
                    )
                continue
            qid, values = self._leaf_question(leaf)
            if qid is None:
                continue
            if qid == own:
                self.add(leaf_path, f"show_if of '{own}' refers to the question itself")
                continue
            question = self.questions.get(qid) if before is not None else self._any_question(qid)
            if question is None:
                if before is not None and self._any_question(qid) is not None:
                    self.add(
                        leaf_path,
                        f"show_if refers to '{qid}', which comes later; "
                        "it may only use earlier questions",
                    )
                else:
                    self.add(leaf_path, f"unknown question '{qid}'")
                continue
            allowed = allowed_values(question)
            if allowed is not None:
                for value in values:
                    if str(value) not in allowed:
                        self.add(
                            leaf_path,
                            f"'{value}' is not an option of '{qid}' "
                            f"(options: {', '.join(sorted(allowed))})",
                        )
            if isinstance(leaf, (GteCond, LteCond)) and question.type not in (
                QuestionType.number,
                QuestionType.scale,
            ):
                self.add(
                    leaf_path,
                    f"gte/lte need a number or scale question, '{qid}' is {question.type.value}",
                )

    def _any_question(self, qid: str) -> Question | None:
        for question in self.q.questions():
            if question.id == qid:
                return question
        return None

    @staticmethod
    def _leaf_question(leaf: Any) -> tuple[str | None, list[Any]]:
        if isinstance(leaf, EqualsCond):
            return leaf.equals.question, [leaf.equals.value]
        if isinstance(leaf, InCond):
            return leaf.in_.question, list(leaf.in_.values)
        if isinstance(leaf, AnsweredCond):
            return leaf.answered, []
        if isinstance(leaf, GteCond):
            return leaf.gte.question, []
        if isinstance(leaf, LteCond):
            return leaf.lte.question, []
        if isinstance(leaf, CountGteCond) and leaf.count_gte.question:
            return leaf.count_gte.question, list(leaf.count_gte.values or [])
        return None, []


# --- entry points ------------------------------------------------------------------------------
