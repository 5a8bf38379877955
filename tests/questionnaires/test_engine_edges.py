"""Engine and condition edges: the maximum per value, unvalidated answers, option labels, the
lookups, and booleans in conditions.

The engine memoises its lookups per questionnaire object (and the conditions per condition
object), so every test here loads its own copy: a lookup is then built by the test that checks
it, not by whichever test happened to run first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from app.questionnaires import engine, schema
from app.questionnaires.conditions import evaluate
from app.questionnaires.engine import (
    decision_support,
    index,
    max_points,
    option_label,
    score,
    section_of,
)
from app.questionnaires.loader import load_file, parse_questionnaire

SAMPLE_PATH = Path(__file__).parent / "sample.yaml"
_CONDITION = TypeAdapter(schema.Condition)


def fresh_sample() -> schema.Questionnaire:
    return load_file(SAMPLE_PATH).definition


def fresh_variant(*edits: tuple[str, str]) -> schema.Questionnaire:
    text = SAMPLE_PATH.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return parse_questionnaire(text, source="variant.yaml").definition


def holds(data: dict[str, Any], answers: dict[str, Any], rules: dict[str, bool] | None = None):
    return evaluate(_CONDITION.validate_python(data), answers, rules or {})


def question(q: schema.Questionnaire, qid: str) -> schema.Question:
    return next(qq for qq in q.questions() if qq.id == qid)


# --- the maximum per value ------------------------------------------------------------------------


def test_it_adds_the_highest_option_per_question_all_options_of_a_multiple_choice_and_the_rules():
    """transparent: special 1 + published no 3 + purposes 1 + 2 = 7; reliable: special 4,
    enforcement 2, confidence 1 gives 2, the rule large_scale 1 = 9. An option without points
    for a value adds nothing to it."""
    assert max_points(fresh_sample()) == {"transparent": 7.0, "reliable": 9.0}


def test_it_adds_a_rules_points_to_the_maximum():
    q = fresh_variant(("risk: {reliable: 1}", "risk: {reliable: 1, transparent: 5}"))
    assert max_points(q) == {"transparent": 12.0, "reliable": 9.0}


# --- unvalidated answers ---------------------------------------------------------------------


def test_it_gives_no_points_for_a_multiple_choice_answer_that_is_not_a_list():
    q = fresh_variant(("- {id: policy,", "- {id: p,"))
    assert score(q, {"purposes": ["p"]}).for_value("transparent").inherent == 1.0
    # Text where a list belongs is not read letter by letter as options.
    assert score(q, {"purposes": "p"}).for_value("transparent").inherent == 0.0


# --- option labels -------------------------------------------------------------------------------


def test_it_labels_a_listed_option_in_the_language_asked():
    personal = question(fresh_sample(), "personal")
    assert option_label(personal, "ordinary", "en") == "Ordinary"
    assert option_label(personal, "special", "en") == "Special"
    assert option_label(personal, "special", "nl") == "Bijzondere"


def test_it_labels_yes_no_and_unknown_without_listed_options():
    published = question(fresh_sample(), "published")
    assert [option_label(published, o, "en") for o in ("yes", "no", "unknown")] == [
        "Yes",
        "No",
        "Unknown",
    ]
    assert option_label(published, "yes", "nl") == "Ja"


def test_it_shows_an_unknown_option_as_its_id():
    published = question(fresh_sample(), "published")
    assert option_label(published, "perhaps", "en") == "perhaps"
    assert option_label(question(fresh_sample(), "confidence"), "4", "nl") == "4"


# --- lookups -------------------------------------------------------------------------------------


def test_it_knows_the_section_of_every_question():
    q = fresh_sample()
    assert section_of(q, "people") is not None and section_of(q, "people").id == "profile"
    assert section_of(q, "purposes").id == "transparency"  # type: ignore[union-attr]
    assert section_of(q, "nonexistent") is None


def test_it_knows_which_answers_can_show_or_hide_questions():
    q = fresh_sample()
    used: set[str] = set()
    for qq in q.questions():
        if qq.show_if is not None:
            used |= engine.questions_used(qq.show_if)
    assert "personal" in used
    assert index(q).visibility_inputs == frozenset(used)
    assert "name" not in index(q).visibility_inputs


def test_decision_support_evaluates_the_answers_once(monkeypatch):
    q = fresh_sample()
    answers = {"personal": "special", "published": "no", "people": 5}
    calls: list[object] = []
    original = engine.evaluate_answers

    def counting(*args: Any, **kwargs: Any) -> engine.Evaluation:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "evaluate_answers", counting)
    support = decision_support(q, answers)
    assert len(calls) == 1
    assert support.score == score(q, answers)
    assert support.completeness.missing == ["name"]


# --- booleans in conditions ----------------------------------------------------------------------


def test_it_matches_a_boolean_value_only_with_the_same_boolean():
    true = {"equals": {"question": "a", "value": True}}
    assert holds(true, {"a": True}) is True
    assert holds(true, {"a": False}) is False
    assert holds(true, {"a": "True"}) is False
    assert holds(true, {"a": "true"}) is False
    assert holds({"equals": {"question": "a", "value": "True"}}, {"a": True}) is False


def test_it_passes_the_rules_through_not():
    negated = {"not": {"rule": "r"}}
    assert holds(negated, {}, {"r": True}) is False
    assert holds(negated, {}, {"r": False}) is True
    assert holds(negated, {}, {}) is True


def test_it_refuses_something_that_is_not_a_condition():
    with pytest.raises(TypeError) as refused:
        evaluate({"equals": {"question": "a", "value": "x"}}, {}, {})
    assert str(refused.value) == "not a condition: dict"
