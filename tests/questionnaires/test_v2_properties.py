"""Properties of version 2 of the Haarlem questionnaire (issue 20), starting from the example
projects of v2_projects.py and changing some of their facts at random:

- "don't know" is never a silent no: replacing a known answer of a question that has a clarify
  text by "don't know" never yields fewer obligations than the least strict known answer would
  (a clarify counts as the obligations it would bring), and every obligation of every known
  answer is present or named by a clarify;
- a stop is never accompanied by a step towards going live, nor by a register category;
- with a stop the overall level is high."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.questionnaires import engine
from app.questionnaires.deciding import ObligationResult, is_unknown, known_answers
from app.questionnaires.loader import load_file
from app.questionnaires.schema import Question, QuestionType, Severity
from tests.questionnaires.v2_projects import PROJECTS, build

V2 = Path(__file__).resolve().parents[2] / "questionnaires" / "haarlem-datawaarden" / "v2.yaml"
Q = load_file(V2).definition
BY_ID = engine.question_by_id(Q)
BASES = {p.name: build(Q, p) for p in PROJECTS}

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CLARIFIED = [qq.id for qq in Q.questions() if qq.clarify is not None]
# Facts that decide obligations, a stop or the register: changed at random on top of a project.
FACTS = [
    "system_kind",
    "hosting",
    "personal_data",
    "criminal_data",
    "vulnerable_groups",
    "minors",
    "matching",
    "systematic_monitoring",
    "profiling",
    "profile_basis",
    "profile_other_contexts",
    "profiling_purpose",
    "automated_decision",
    "effect_on_people",
    "blocks_service",
    "is_ai_system",
    "ai_capabilities",
    "ai_use_context",
    "biometric_traits",
    "emotion_medical_safety",
    "ai_annex_iii",
    "algorithm_influence",
    "prohibited_practice",
    "open_data_possible",
    "gdpr_ground",
    "special_data_exception",
]


def unknown_answer(question: Question) -> str:
    if question.type == QuestionType.yes_no_unknown:
        return "unknown"
    return next(o.id for o in question.options or [] if o.unknown)


def answer_for(question: Question) -> st.SearchStrategy[Any]:
    """A valid answer to a choice question, "don't know" included."""
    if question.type == QuestionType.yes_no_unknown:
        return st.sampled_from(["yes", "no", "unknown"])
    options = question.options or []
    if question.type == QuestionType.single_choice:
        return st.sampled_from([o.id for o in options])
    exclusive = [o.id for o in options if o.exclusive]
    others = [o.id for o in options if not o.exclusive]
    return st.one_of(
        st.sampled_from(exclusive).map(lambda o: [o]) if exclusive else st.nothing(),
        st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True),
    )


@st.composite
def varied_projects(draw: st.DrawFn) -> dict[str, Any]:
    """An example project with up to four of its facts changed."""
    answers = dict(BASES[draw(st.sampled_from(sorted(BASES)))])
    for qid in draw(st.lists(st.sampled_from(FACTS), max_size=4, unique=True)):
        answers[qid] = draw(answer_for(BY_ID[qid]))
    return answers


def weight(results: list[ObligationResult]) -> int:
    """How many obligations a set stands for: a clarify counts as what it would bring."""
    return sum(len(r.would_bring) if r.severity == Severity.clarify else 1 for r in results)


def covered(results: list[ObligationResult]) -> set[str]:
    named = {oid for r in results for oid in r.would_bring}
    return {r.id for r in results} | named


@SETTINGS
@given(st.data())
def test_it_never_lets_dont_know_bring_fewer_obligations_than_a_known_answer(
    data: st.DataObject,
) -> None:
    answers = data.draw(varied_projects())
    effective = engine.effective_answers(Q, answers)
    candidates = [
        qid for qid in CLARIFIED if qid in effective and not is_unknown(BY_ID[qid], effective[qid])
    ]
    if not candidates:
        return
    qid = data.draw(st.sampled_from(candidates))
    question = BY_ID[qid]
    unknown = engine.obligations(Q, {**answers, qid: unknown_answer(question)})
    event("clarify" if any(r.severity == Severity.clarify for r in unknown) else "no clarify")
    knowns = {a: engine.obligations(Q, {**answers, qid: a}) for a in known_answers(question)}
    assert weight(unknown) >= min(weight(k) for k in knowns.values()), qid
    have = covered(unknown)
    for answer, results in knowns.items():
        for r in results:
            if r.severity == Severity.clarify and r.id not in have:
                assert set(r.would_bring) <= have, (qid, answer, r.id)
            else:
                assert r.id in have, (qid, answer, r.id)


@SETTINGS
@given(varied_projects())
def test_it_never_pairs_a_stop_with_a_step_towards_going_live(answers: dict[str, Any]) -> None:
    support = engine.decision_support(Q, answers)
    event("stopped" if support.stopped else "not stopped")
    if not support.stopped:
        return
    preparing = [o.id for o in support.obligations if o.obligation.prepares_deployment]
    assert preparing == []
    assert support.register_category is None


@SETTINGS
@given(varied_projects())
def test_it_rates_every_stopped_project_high(answers: dict[str, Any]) -> None:
    support = engine.decision_support(Q, answers)
    if support.stopped:
        assert support.score.overall == "high"


def test_it_starts_the_properties_from_projects_with_and_without_a_stop() -> None:
    stopped = {name for name, a in BASES.items() if engine.decision_support(Q, a).stopped}
    assert 3 <= len(stopped) < len(BASES)
