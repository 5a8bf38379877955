"""The questionnaire file format as pydantic models. `questionnaires/schema.json` is generated
from these, so editors can validate while typing; the loader adds the cross-checks."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
Points = Annotated[float, Field(ge=0, le=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in Dutch and English; both are required."""

    nl: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    en: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

    def get(self, locale: str) -> str:
        return self.en if locale == "en" else self.nl


class QuestionType(enum.StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    yes_no_unknown = "yes_no_unknown"
    scale = "scale"
    number = "number"
    date = "date"
    url = "url"
    table = "table"


CHOICE_TYPES = frozenset({QuestionType.single_choice, QuestionType.multi_choice})
TEXT_TYPES = frozenset({QuestionType.short_text, QuestionType.long_text})
DEFAULT_MAX_LENGTH = {QuestionType.short_text: 500, QuestionType.long_text: 20_000}
YES_NO_UNKNOWN = ("yes", "no", "unknown")
SCALE_POINTS = ("1", "2", "3", "4", "5")


class ColumnType(enum.StrEnum):
    short_text = "short_text"
    yes_no_unknown = "yes_no_unknown"
    single_choice = "single_choice"
    number = "number"
    date = "date"
    url = "url"


# --- conditions: structured data evaluated by a small interpreter, never eval -----------------


class Comparison(Strict):
    question: Id
    value: str | float | int | bool


class Membership(Strict):
    question: Id
    values: list[str | float | int] = Field(min_length=1)


class CountOf(Strict):
    """Either how many conditions hold (`of`), or how many options/rows a question has."""

    min: int = Field(ge=0)
    of: list[Condition] | None = None
    question: Id | None = None
    values: list[str] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> CountOf:
        if (self.of is None) == (self.question is None):
            raise ValueError("count_gte needs either 'of' (a list of conditions) or 'question'")
        return self


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotCond(Strict):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EqualsCond(Strict):
    equals: Comparison


class InCond(Strict):
    in_: Membership = Field(alias="in")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AnsweredCond(Strict):
    answered: Id


class GteCond(Strict):
    gte: Comparison


class LteCond(Strict):
    lte: Comparison


class CountGteCond(Strict):
    count_gte: CountOf


class RuleCond(Strict):
    """True when an earlier rule holds."""

    rule: Id


CONDITION_KEYS = (
    "all",
    "any",
    "not",
    "equals",
    "in",
    "answered",
    "gte",
    "lte",
    "count_gte",
    "rule",
)


def _condition_key(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = list(value)
        return keys[0] if len(keys) == 1 and keys[0] in CONDITION_KEYS else None
    for key, cls in _CONDITION_CLASSES.items():
        if isinstance(value, cls):
            return key
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotCond, Tag("not")]
    | Annotated[EqualsCond, Tag("equals")]
    | Annotated[InCond, Tag("in")]
    | Annotated[AnsweredCond, Tag("answered")]
    | Annotated[GteCond, Tag("gte")]
    | Annotated[LteCond, Tag("lte")]
    | Annotated[CountGteCond, Tag("count_gte")]
    | Annotated[RuleCond, Tag("rule")],
    Discriminator(
        _condition_key,
        custom_error_type="unknown_condition",
        custom_error_message="a condition must have exactly one of: " + ", ".join(CONDITION_KEYS),
    ),
]
_CONDITION_CLASSES: dict[str, type] = {
    "all": AllOf,
    "any": AnyOf,
    "not": NotCond,
    "equals": EqualsCond,
    "in": InCond,
    "answered": AnsweredCond,
    "gte": GteCond,
    "lte": LteCond,
    "count_gte": CountGteCond,
    "rule": RuleCond,
}
CountOf.model_rebuild()
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotCond.model_rebuild()


# --- questions ---------------------------------------------------------------------------


class Clarify(Strict):
    title: Text
    description: Text


class Option(Strict):
    id: Id
    label: Text
    risk: dict[Id, Points] = Field(default_factory=dict, description="risk points per value")
    mitigation: dict[Id, Points] = Field(
        default_factory=dict, description="points of risk this answer takes away per value"
    )
    exclusive: bool = Field(
        default=False, description="in multiple choice: cannot be combined with other options"
    )
    register_value: str | None = Field(
        default=None, description="the value this option gives its question's register_field"
    )
    unknown: bool | None = Field(
        default=None,
        description="this option means the answer is not known yet (like 'don't know')",
    )


class Column(Strict):
    id: Id
    type: ColumnType
    label: Text
    required: bool = False
    options: list[Option] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int = Field(default=300, ge=1, le=2000)


class Question(Strict):
    id: Id
    type: QuestionType
    label: Text
    help: Text
    required: bool = False
    basis: list[str] = Field(min_length=1)
    show_if: Condition | None = None
    measure: bool = Field(default=False, description="a mitigating measure: its answers lower risk")
    options: list[Option] | None = None
    option_risk: dict[str, dict[Id, Points]] | None = Field(
        default=None, description="risk per implied option (yes/no/unknown, or scale points 1-5)"
    )
    option_mitigation: dict[str, dict[Id, Points]] | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: Text | None = None
    max_length: int | None = Field(default=None, ge=1, le=20_000)
    scale_labels: tuple[Text, Text] | None = None
    columns: list[Column] | None = None
    max_rows: int = Field(default=50, ge=1, le=500)
    register_field: str | None = Field(
        default=None, description="the Algoritmeregister field this answer fills"
    )
    clarify: Clarify | None = Field(
        default=None,
        description="when the answer is unknown and a known answer would bring obligations: "
        "what to find out and whom to ask (a 'clarify' obligation)",
    )


class Section(Strict):
    id: Id
    title: Text
    intro: Text | None = None
    value: Id | None = Field(default=None, description="the value this section is about")
    questions: list[Question] = Field(min_length=1)


class Principle(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,9}$")]
    value: Id
    text: Text


class Value(Strict):
    id: Id
    label: Text
    description: Text


class LevelFloor(Strict):
    value: Id | Literal["all"]
    level: Literal["medium", "high"]


class Rule(Strict):
    id: Id
    when: Condition
    reason: Text | None = None
    risk: dict[Id, Points] = Field(default_factory=dict)
    level_floor: list[LevelFloor] = Field(default_factory=list)
    legal_basis: str | None = None


class Severity(enum.StrEnum):
    stop = "stop"
    required = "required"
    clarify = "clarify"
    recommended = "recommended"
    advice = "advice"


class Obligation(Strict):
    id: Id
    title: Text
    description: Text
    severity: Severity
    when: Condition
    reason: Text
    overrides: list[Id] = Field(default_factory=list, description="obligations this one replaces")
    register_category: Literal["A", "B", "C"] | None = None
    legal_basis: str | None = None
    prepares_deployment: bool | None = Field(
        default=None,
        description="a step towards going live (assessments, registrations, duties of use): "
        "a stop removes it",
    )


class Scoring(Strict):
    medium_from: float = Field(default=25, gt=0, lt=100, description="percent of the maximum")
    high_from: float = Field(default=50, gt=0, le=100)
    max_mitigation: float = Field(
        default=0.5, ge=0, le=1, description="the largest share of inherent risk measures remove"
    )
    reference: Literal["maximum", "heaviest"] | None = Field(
        default=None,
        description="what a value's percentage is of: 'maximum' (default) the most the "
        "questionnaire can give the value; 'heaviest' the sum of its `factors` heaviest factors",
    )
    factors: int | None = Field(
        default=None, ge=1, le=100, description="with reference 'heaviest': how many factors"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Scoring:
        if self.medium_from >= self.high_from:
            raise ValueError("medium_from must be below high_from")
        if (self.reference == "heaviest") != (self.factors is not None):
            raise ValueError("'factors' goes with reference 'heaviest', and only with it")
        return self


class Questionnaire(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,63}$")]
    version: int = Field(ge=1)
    title: Text
    description: Text
    values: list[Value] = Field(min_length=1)
    principles: list[Principle] = Field(min_length=1)
    scoring: Scoring = Field(default_factory=Scoring)
    sections: list[Section] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a questionnaire file."""
    schema = Questionnaire.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Datawaarden questionnaire"
    return schema
