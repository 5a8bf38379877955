"""Reading and validating questionnaire files. Every problem is reported with the file, the
line, the path inside the file and what is wrong; all problems at once, never a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.canonical import canonical_json, sha256_hex
from app.questionnaires.schema import (
    CHOICE_TYPES,
    CONDITION_KEYS,
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
)

Path_ = tuple[str | int, ...]

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
    }
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a questionnaire file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(file)'}: {self.message}"


class QuestionnaireInvalid(Exception):
    """A questionnaire file has problems; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class LoadedQuestionnaire:
    """A validated questionnaire with its content hash."""

    definition: Questionnaire
    sha256: str
    canonical: str
    source: str


def format_path(path: Path_) -> str:
    """`sections[2].questions[4]` from ('sections', 2, 'questions', 4)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


# --- YAML with line numbers ---


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. In YAML 1.1, `yes`, `no`, `on` and `off` are booleans,
    which would silently turn the answers yes/no into True/False."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _AliasFound(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _refuse_aliases(root: yaml.Node) -> None:
    """Questionnaires need no anchors or aliases; refusing them also rules out cycles."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound(node.start_mark.line + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _line_map(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], dups: list[tuple[Path_, int]]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _line_map(value_node, path + (key,), lines, dups)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), lines, dups)


def _line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _pydantic_path(loc: tuple[Any, ...]) -> Path_:
    """Drop the tags that pydantic adds for tagged unions (a condition key repeated)."""
    out: list[str | int] = []
    items = list(loc)
    i = 0
    while i < len(items):
        part = items[i]
        if (
            isinstance(part, str)
            and part in CONDITION_KEYS
            and i + 1 < len(items)
            and items[i + 1] == part
        ):
            i += 1
            continue
        if isinstance(part, str) and (
            part.startswith("tagged-union") or part.startswith("function-")
        ):
            i += 1
            continue
        out.append(part)
        i += 1
    return tuple(out)


def _pydantic_message(err: dict[str, Any], path: Path_) -> str:
    kind = err["type"]
    if kind == "missing" and path and path[-1] in ("nl", "en"):
        return f"missing translation ({path[-1]})"
    if kind == "missing":
        return f"'{path[-1] if path else ''}' is required"
    if kind == "extra_forbidden":
        return f"unknown field '{path[-1] if path else ''}'"
    if kind.startswith("float") or kind.startswith("int"):
        return f"must be a number ({err['msg']})"
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        return f"'{err.get('input')}' does not have the required form (pattern {pattern})"
    if kind == "enum":
        return err["msg"].replace("Input should be", "must be")
    return str(err["msg"]).removeprefix("Value error, ")


# --- cross-checks that the schema alone cannot express ----------------------------------------


def _conditions(cond: Any, path: Path_) -> Iterator[tuple[Any, Path_]]:
    """Every leaf condition with its path."""
    if isinstance(cond, AllOf):
        for i, c in enumerate(cond.all):
            yield from _conditions(c, path + ("all", i))
    elif isinstance(cond, AnyOf):
        for i, c in enumerate(cond.any):
            yield from _conditions(c, path + ("any", i))
    elif isinstance(cond, NotCond):
        yield from _conditions(cond.not_, path + ("not",))
    elif isinstance(cond, CountGteCond):
        yield cond, path
        for i, c in enumerate(cond.count_gte.of or []):
            yield from _conditions(c, path + ("count_gte", "of", i))
    else:
        yield cond, path


def allowed_values(question: Question) -> set[str] | None:
    """The answer values a condition may compare a choice question with."""
    if question.type in CHOICE_TYPES:
        return {o.id for o in question.options or []}
    if question.type == QuestionType.yes_no_unknown:
        return set(YES_NO_UNKNOWN)
    return None


class _Checker:
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
        return self.problems

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
        for leaf, leaf_path in _conditions(cond, path):
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


def parse_questionnaire(text: str, *, source: str) -> LoadedQuestionnaire:
    """Validate a questionnaire given as YAML text; raises QuestionnaireInvalid."""
    try:
        node = yaml.compose(text, Loader=_Yaml12Loader)
        if node is not None and isinstance(node, yaml.MappingNode):
            _refuse_aliases(node)
        data = yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireInvalid(
            [Problem(source, line, "", f"YAML syntax error: {problem}")]
        ) from None
    except _AliasFound as exc:
        raise QuestionnaireInvalid(
            [Problem(source, exc.line, "", "anchors and aliases (&, *) are not allowed")]
        ) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
        raise QuestionnaireInvalid([Problem(source, None, "", "the file is empty")])
    if not isinstance(node, yaml.MappingNode):
        raise QuestionnaireInvalid(
            [
                Problem(
                    source,
                    node.start_mark.line + 1,
                    "",
                    "the file must hold a mapping (key: value) at the top",
                )
            ]
        )
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    _line_map(node, (), lines, duplicates)
    problems = [
        Problem(source, line, format_path(path), f"duplicate key '{path[-1]}'")
        for path, line in duplicates
    ]
    try:
        definition = Questionnaire.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            path = _pydantic_path(err["loc"])
            problems.append(
                Problem(
                    source, _line_for(lines, path), format_path(path), _pydantic_message(err, path)
                )
            )
        raise QuestionnaireInvalid(problems) from None
    for path, message in _Checker(definition).run():
        problems.append(Problem(source, _line_for(lines, path), format_path(path), message))
    if problems:
        raise QuestionnaireInvalid(problems)
    canonical = canonical_json(definition.model_dump(mode="json", by_alias=True, exclude_none=True))
    return LoadedQuestionnaire(definition, sha256_hex(canonical), canonical, source)


def load_file(path: Path) -> LoadedQuestionnaire:
    """Read and validate one questionnaire file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireInvalid(
            [Problem(str(path), None, "", f"cannot read the file: {exc}")]
        ) from None
    return parse_questionnaire(text, source=str(path))


def from_canonical(canonical: str) -> Questionnaire:
    """A questionnaire from its stored canonical JSON (already validated when stored)."""
    return Questionnaire.model_validate_json(canonical)


def questionnaire_files(directory: Path) -> list[Path]:
    """Every questionnaire file below a directory, in a stable order."""
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())
