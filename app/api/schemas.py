"""Request and response models of the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["low", "medium", "high"]


class FieldError(BaseModel):
    field: str = Field(description="the field (or query parameter, or 'body')")
    message: str = Field(description="what is wrong, in the caller's language")


class Problem(BaseModel):
    """An RFC 9457 problem: every error of the API has this shape."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="the fields that are not valid, each with its message"
    )
    model_config = ConfigDict(extra="allow")


class Page(BaseModel):
    total: int
    limit: int
    offset: int


class QuestionnaireSummary(BaseModel):
    key: str
    version: int
    sha256: str
    title_nl: str
    title_en: str


class QuestionnaireList(BaseModel):
    items: list[QuestionnaireSummary]


class QuestionnaireDetail(QuestionnaireSummary):
    definition: dict[str, Any] = Field(
        description="the validated questionnaire (see questionnaires/schema.json)"
    )


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Vroegsignalering schulden",
                    "department": "Sociaal Domein",
                    "description": "Een model dat huishoudens met betalingsachterstanden vindt voor een vroeg hulpaanbod.",
                    "questionnaire_key": "haarlem-datawaarden",
                }
            ]
        },
    )
    title: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=2000)
    questionnaire_key: str | None = Field(default=None, max_length=100)
    questionnaire_version: int | None = Field(default=None, ge=1, le=100000)


class Completeness(BaseModel):
    percent: int
    complete: bool
    missing: list[str]


class AssessmentOut(BaseModel):
    id: int
    reference: str
    title: str
    department: str
    description: str
    state: str
    version: int = Field(description="changes with every save; also the ETag")
    questionnaire: QuestionnaireSummary
    lead_id: int
    created_at: datetime
    updated_at: datetime
    is_public: bool
    previous_id: int | None = Field(
        default=None, description="The signed assessment this one re-assesses, if any"
    )


class AssessmentDetail(AssessmentOut):
    completeness: Completeness
    overall_level: Level


class AssessmentList(Page):
    items: list[AssessmentOut]


class AnswerOut(BaseModel):
    question_id: str
    value: Any
    version: int


class AnswerSet(BaseModel):
    items: list[AnswerOut]


class AnswerPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"value": "self_learning", "base_version": 0}]},
    )
    value: Any = Field(
        description="the answer in the question's type: text, option id, list, number, table rows"
    )
    base_version: int = Field(
        ge=0, le=2**31, description="the answer version this change is based on (0: none)"
    )
    force: bool = Field(default=False, description="overwrite a newer answer")


class SubmissionOut(BaseModel):
    number: int
    sha256: str
    submitted_at: datetime


class StateOut(BaseModel):
    reference: str
    state: str
    version: int


class DriverOut(BaseModel):
    kind: Literal["answer", "rule", "measure"]
    source: str = Field(description="the question id (answers, measures) or rule id")
    option: str | None = Field(description="the answer option that counted")
    points: float
    label: str = Field(description="the question, or the rule's reason, in the caller's language")
    answer: str = Field(description="the answer as text; empty for a rule")
    assumed: bool = Field(
        description="the stricter answer, taken while the real answer is 'don't know'"
    )


class FloorOut(BaseModel):
    rule: str
    level: Level
    reason: str


class ValueScoreOut(BaseModel):
    value: str
    label: str
    max_points: float = Field(description="what the percentages are of (see the README)")
    inherent_points: float
    mitigation_points: float
    residual_points: float
    inherent_percent: float
    residual_percent: float
    level: Level
    level_label: str
    inherent_level: Level
    drivers: list[DriverOut]
    measures: list[DriverOut]
    floors: list[FloorOut]


class AnswerBehind(BaseModel):
    question_id: str
    question: str
    answer: str


class BecauseOut(BaseModel):
    rule: str | None = Field(description="the rule that fired; null for answers read directly")
    text: str | None = Field(description="the rule's reason")
    answers: list[AnswerBehind]


class ObligationRef(BaseModel):
    id: str
    title: str


class ObligationOut(BaseModel):
    id: str
    severity: Literal["stop", "required", "clarify", "recommended", "advice"]
    severity_label: str
    title: str
    description: str = Field(description="what to do")
    reason: str = Field(description="why, in general")
    because: list[BecauseOut] = Field(description="the rules and answers behind it here")
    register_category: Literal["A", "B", "C"] | None
    legal_basis: str | None
    question_id: str | None = Field(description="clarify: the question to find out")
    would_bring: list[ObligationRef] = Field(description="clarify: what a known answer would bring")


class DecisionSupportOut(BaseModel):
    overall_level: Level
    overall_label: str
    stopped: bool = Field(description="a prohibited practice was found")
    values: list[ValueScoreOut]
    obligations: list[ObligationOut]
    register_category: Literal["A", "B", "C"] | None
    assumptions: dict[str, str] = Field(
        description="questions answered 'don't know' that decide obligations, with the "
        "stricter answer the levels assume meanwhile"
    )
    complete: bool
    percent_complete: int
    missing: list[str]
    hidden_answers: list[str]


class CommentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "body": "Hoe wordt het model op vooroordelen getest?",
                    "question_id": "bias_assessment",
                }
            ]
        },
    )
    body: str = Field(min_length=1, max_length=5000)
    question_id: str | None = Field(default=None, max_length=100)
    parent_id: int | None = Field(default=None, ge=1, le=2**31)


class CommentOut(BaseModel):
    id: int
    question_id: str | None
    parent_id: int | None
    author: str
    body: str
    created_at: datetime
    resolved: bool


class CommentList(BaseModel):
    items: list[CommentOut]


class VerdictIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"verdict": "needs_improvement"}]}
    )
    verdict: Literal["acceptable", "needs_improvement", "to_correct"]


class VerdictOut(BaseModel):
    section_id: str
    verdict: str


class ChangesIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"note": "Vul de toets op vooroordelen aan en beschrijf de menselijke tussenkomst."}
            ]
        },
    )
    note: str = Field(default="", max_length=2000)


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due_on: date | None = None
    owner_email: str = Field(
        default="",
        max_length=254,
        description="The owner's e-mail address: an account's makes that account the owner; "
        "another is the contact address of a party without an account.",
    )


class AdviceIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "conditional",
                    "summary": "Positief, onder voorwaarden.",
                    "rationale": {"responsible": "De DPIA moet eerst klaar zijn."},
                    "conditions": [
                        {
                            "text": "Voer de DPIA uit.",
                            "owner": "Sociaal Domein",
                            "due_on": "2027-03-01",
                        }
                    ],
                    "reassess_on": "2027-12-01",
                }
            ]
        },
    )
    outcome: Literal["positive", "conditional", "negative"]
    summary: str = Field(min_length=1, max_length=10000)
    rationale: dict[str, str] = Field(default_factory=dict, max_length=20)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=100)
    reassess_on: date | None = None


class AdviceOut(BaseModel):
    round: int
    outcome: str
    summary: str
    rationale: dict[str, str]
    conditions: list[ConditionIn]
    reassess_on: date | None
    final: bool


class OpinionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"stance": "agree", "note": ""}]}
    )
    stance: Literal["agree", "disagree", "abstain"]
    note: str = Field(default="", max_length=2000)


class OpinionOut(BaseModel):
    stance: str
    note: str


class SignatureOut(BaseModel):
    field: str
    kind: Literal["signature", "timestamp"]
    signer: str = Field(description="The certificate's common name (never the self-asserted name)")
    certificate: str
    certificate_valid_until: datetime | None
    signed_at: datetime | None = Field(description="Proven by a timestamp where there is one")
    proven_by: str | None
    intact: bool
    trusted: bool = Field(description="Valid at the moment asked for (long-term where possible)")
    long_term: bool
    covers_whole_file: bool


class StatementOut(BaseModel):
    ok: bool | None = Field(description="true: holds, false: a problem, null: information")
    text: str


class VerificationOut(BaseModel):
    ok: bool
    sha256: str
    is_pdf: bool
    at: datetime | None = Field(description="The moment the validity was judged at")
    signatures: list[SignatureOut]
    on_behalf_of: str | None = Field(description="The chair, as the signed content names them")
    archived: bool
    reference: str | None
    snapshot_matches: bool | None
    statements: list[StatementOut]


class ArchiveItem(BaseModel):
    id: int
    reference: str
    title: str
    department: str
    outcome: str
    overall_level: Level
    levels: dict[str, str]
    obligations: list[str]
    signed_at: datetime
    retention_until: date
    report_sha256: str
    public: bool


class ArchiveList(Page):
    items: list[ArchiveItem]


class AuditEventOut(BaseModel):
    id: int
    created_at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    withheld: bool = Field(
        default=False,
        description="True while the event is part of the committee's private deliberation: "
        "its details (and, for an opinion, who gave it) are shown once the advice is final.",
    )
    hash: str
    prev_hash: str


class AuditEventList(Page):
    items: list[AuditEventOut]


class RegisterExport(BaseModel):
    format: str
    assessments: list[dict[str, Any]]
