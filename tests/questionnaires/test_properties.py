"""Properties over random answers: the engine never crashes, scores stay within their bounds,
and validating an answer either gives a value or a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.engine import LEVELS, decision_support, max_points
from app.questionnaires.loader import load_file

SAMPLE = load_file(Path(__file__).parent / "sample.yaml").definition
QUESTIONS = {q.id: q for q in SAMPLE.questions()}
MAXIMA = max_points(SAMPLE)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

OPTION_IDS = sorted(
    {o.id for q in SAMPLE.questions() for o in q.options or []}
    | {"yes", "no", "unknown", "1", "2", "3", "4", "5"}
)
COLUMN_IDS = sorted({c.id for q in SAMPLE.questions() for c in q.columns or []})

# Values that sit on an edge somewhere: formats, bounds, limits and hostile text.
EDGE_TEXTS = [
    "",
    " ",
    "\r\n",
    "\r\x00\n",
    "\x00",
    "1.234,5",
    "12.500",
    "-1",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "10000",
    "2026-01-01",
    "2026-02-30",
    "31-02-2026",
    "1899-12-31",
    "https://example.org",
    "http://[::1",
    "https://exa\uff03mple.org",
    "javascript:alert(1)",
]
EDGE_NUMBERS = [0, 1, 5, 10_000, 10_000_000, 10_000_001, -1, 2**64, 0.5, 1e308]
HUGE_INT = 10**400  # fits in JSON, not in a float

long_texts = st.one_of(
    st.integers(min_value=495, max_value=505).map(lambda n: "x" * n),
    st.integers(min_value=19_995, max_value=20_005).map(lambda n: "y" * n),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(OPTION_IDS),
    st.sampled_from(EDGE_TEXTS),
    st.sampled_from(EDGE_NUMBERS),
    st.just(HUGE_INT),
    long_texts,
)
json_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(st.sampled_from(COLUMN_IDS), st.text(max_size=8)), children, max_size=4
        ),
    ),
    max_leaves=20,
)

# Answers that are often valid, so that the scoring of real answers is exercised too.
row = st.dictionaries(
    st.sampled_from(COLUMN_IDS),
    st.one_of(st.sampled_from(["BRP", "yes", "no", "unknown", ""]), leaves),
    max_size=2,
)
PLAUSIBLE = {
    "name": st.one_of(st.text(max_size=40), leaves),
    "personal": st.sampled_from(["none", "ordinary", "special", ""]),
    "people": st.one_of(
        st.integers(min_value=-5, max_value=20_000_000),
        st.floats(min_value=0, max_value=1e7),
        st.sampled_from(["12.500", "9999", "10000", "1.234,5"]),
    ),
    "sources": st.lists(row, max_size=6),
    "published": st.sampled_from(["yes", "no", "unknown"]),
    "purposes": st.lists(st.sampled_from(["policy", "enforcement", "service"]), max_size=5),
    "encryption": st.sampled_from(["yes", "no", "unknown"]),
    "confidence": st.one_of(st.integers(min_value=0, max_value=6), st.sampled_from(OPTION_IDS)),
    "start": st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(EDGE_TEXTS)),
    "site": st.sampled_from(EDGE_TEXTS),
}
question_ids = st.one_of(
    st.sampled_from(sorted(QUESTIONS)),
    st.sampled_from(["ghost", "", "__proto__", "name "]),
    st.text(max_size=12),
)
answer_sets = st.tuples(
    st.fixed_dictionaries(
        {}, optional={k: st.one_of(v, json_values) for k, v in PLAUSIBLE.items()}
    ),
    st.dictionaries(question_ids, json_values, max_size=8),
).map(lambda pair: {**pair[1], **pair[0]})


def validated(answers: dict[str, Any]) -> dict[str, Any]:
    """Only the answers validate_answer accepts, normalised; unknown questions left out."""
    kept: dict[str, Any] = {}
    for qid, raw in answers.items():
        question = QUESTIONS.get(qid)
        if question is None:
            continue
        try:
            kept[qid] = validate_answer(question, raw)
        except AnswerInvalid:
            continue
    return kept


def assert_sane(answers: dict[str, Any], *, bounded: bool) -> None:
    support = decision_support(SAMPLE, answers)
    assert {v.value_id for v in support.score.values} == set(MAXIMA)
    for value in support.score.values:
        assert value.level in LEVELS
        assert value.inherent_level in LEVELS
        assert value.max_points == MAXIMA[value.value_id]
        assert 0 <= value.mitigation <= value.inherent
        assert 0 <= value.residual <= value.inherent
        assert 0 <= value.residual_percent <= value.inherent_percent
        if bounded:
            assert value.inherent <= value.max_points
            assert value.inherent_percent <= 100
    assert support.score.overall in LEVELS
    assert support.score.overall == max((v.level for v in support.score.values), key=LEVELS.index)
    assert 0 <= support.completeness.percent <= 100
    assert support.hidden <= set(answers)
    assert set(support.rules) == {"personal_data", "large_scale"}
    found = {o.id for o in support.obligations}
    assert not {"dpia_required", "dpia_recommended"} <= found


@SETTINGS
@given(answer_sets)
@example({"personal": "ordinary", "people": HUGE_INT})
@example({"site": "http://[::1"})
def test_it_scores_any_validated_answers_within_bounds(answers):
    assert_sane(validated(answers), bounded=True)


@SETTINGS
@given(answer_sets)
@example({"personal": "ordinary", "people": HUGE_INT})
def test_it_never_crashes_on_raw_unvalidated_answers(answers):
    assert_sane(answers, bounded=False)


@SETTINGS
@given(st.sampled_from(sorted(QUESTIONS)), json_values)
@example("people", HUGE_INT)
@example("site", "http://[::1")
@example("site", "https://exa\uff03mple.org")
def test_it_either_returns_a_value_or_refuses_with_a_message(qid, raw):
    try:
        validate_answer(QUESTIONS[qid], raw)
    except AnswerInvalid as exc:
        assert isinstance(exc.message, str)
        assert exc.message


@SETTINGS
@given(st.sampled_from(sorted(QUESTIONS)), json_values)
@example("name", "one\r\x00\ntwo")
def test_it_changes_nothing_when_validating_a_validated_answer_again(qid, raw):
    question = QUESTIONS[qid]
    try:
        value = validate_answer(question, raw)
    except AnswerInvalid:
        return
    assert validate_answer(question, value) == value


@SETTINGS
@given(st.sampled_from(sorted(QUESTIONS)), st.text(min_size=0, max_size=50_000))
def test_it_handles_long_random_text_for_every_question(qid, raw):
    try:
        validate_answer(QUESTIONS[qid], raw)
    except AnswerInvalid as exc:
        assert exc.message
