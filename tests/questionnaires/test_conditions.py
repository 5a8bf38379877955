"""The condition interpreter: every operator, over answers as the engine stores them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.questionnaires import schema
from app.questionnaires.conditions import evaluate, is_answered

_CONDITION = TypeAdapter(schema.Condition)


def cond(data: dict[str, Any]) -> Any:
    return _CONDITION.validate_python(data)


def holds(data: dict[str, Any], answers: dict[str, Any], rules: dict[str, bool] | None = None):
    return evaluate(cond(data), answers, rules or {})


YES = {"equals": {"question": "a", "value": "yes"}}
NO = {"equals": {"question": "a", "value": "no"}}


# --- all, any, not ---


def test_it_holds_all_only_when_every_part_holds():
    both = {"all": [YES, {"answered": "b"}]}
    assert holds(both, {"a": "yes", "b": "x"}) is True
    assert holds(both, {"a": "yes"}) is False
    assert holds(both, {"a": "no", "b": "x"}) is False


def test_it_holds_any_when_one_part_holds():
    either = {"any": [YES, {"answered": "b"}]}
    assert holds(either, {"a": "yes"}) is True
    assert holds(either, {"b": "x"}) is True
    assert holds(either, {"a": "no"}) is False
    assert holds(either, {}) is False


def test_it_negates_with_not():
    assert holds({"not": YES}, {"a": "no"}) is True
    assert holds({"not": YES}, {}) is True
    assert holds({"not": YES}, {"a": "yes"}) is False


def test_it_nests_conditions():
    nested = {"all": [{"not": NO}, {"any": [YES, {"rule": "r"}]}]}
    assert holds(nested, {"a": "yes"}) is True
    assert holds(nested, {}, {"r": True}) is True
    assert holds(nested, {"a": "no"}, {"r": True}) is False
    assert holds(nested, {}) is False


# --- equals ---


def test_it_does_not_take_the_number_one_for_yes():
    assert holds({"equals": {"question": "a", "value": True}}, {"a": 1}) is False
    assert holds({"equals": {"question": "a", "value": False}}, {"a": 0}) is False
    assert holds({"equals": {"question": "a", "value": 1}}, {"a": True}) is False
    assert holds({"equals": {"question": "a", "value": True}}, {"a": True}) is True


def test_it_compares_a_single_answer_with_equals():
    assert holds(YES, {"a": "yes"}) is True
    assert holds(YES, {"a": "unknown"}) is False


def test_it_does_not_hold_equals_for_a_missing_or_empty_answer():
    assert holds(YES, {}) is False
    assert holds({"equals": {"question": "a", "value": ""}}, {"a": ""}) is False
    assert holds(YES, {"a": None}) is False


def test_it_holds_equals_when_the_value_is_among_the_chosen_options():
    purposes = {"equals": {"question": "p", "value": "enforcement"}}
    assert holds(purposes, {"p": ["policy", "enforcement"]}) is True
    assert holds(purposes, {"p": ["policy"]}) is False
    assert holds(purposes, {"p": []}) is False


def test_it_compares_numbers_by_value_with_equals():
    three = {"equals": {"question": "n", "value": 3}}
    assert holds(three, {"n": 3}) is True
    assert holds(three, {"n": 3.0}) is True
    assert holds(three, {"n": 4}) is False
    assert holds({"equals": {"question": "n", "value": 2.5}}, {"n": 2.5}) is True


def test_it_compares_a_scale_answer_with_a_text_value_by_number():
    assert holds({"equals": {"question": "s", "value": "3"}}, {"s": 3}) is True
    assert holds({"equals": {"question": "s", "value": "3"}}, {"s": 2}) is False


def test_it_does_not_match_a_text_answer_with_a_different_number():
    assert holds({"equals": {"question": "n", "value": 3}}, {"n": "three"}) is False


# --- in ---


def test_it_holds_in_when_the_answer_is_one_of_the_values():
    personal = {"in": {"question": "p", "values": ["ordinary", "special"]}}
    assert holds(personal, {"p": "ordinary"}) is True
    assert holds(personal, {"p": "special"}) is True
    assert holds(personal, {"p": "none"}) is False
    assert holds(personal, {}) is False


def test_it_holds_in_for_multiple_choice_when_any_chosen_option_is_listed():
    listed = {"in": {"question": "p", "values": ["enforcement", "service"]}}
    assert holds(listed, {"p": ["policy", "service"]}) is True
    assert holds(listed, {"p": ["policy"]}) is False
    assert holds(listed, {"p": []}) is False


def test_it_compares_numbers_by_value_with_in():
    assert holds({"in": {"question": "n", "values": [1, 2]}}, {"n": 2.0}) is True
    assert holds({"in": {"question": "n", "values": [1, 2]}}, {"n": 3}) is False


# --- answered ---


@pytest.mark.parametrize("value", ["text", 0, 0.0, False, ["a"], [{"name": "x"}], 5])
def test_it_counts_a_non_empty_answer_as_answered(value):
    assert holds({"answered": "a"}, {"a": value}) is True
    assert is_answered(value) is True


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t", [], {}])
def test_it_does_not_count_an_empty_answer_as_answered(value):
    assert holds({"answered": "a"}, {"a": value}) is False
    assert is_answered(value) is False


def test_it_does_not_count_a_missing_answer_as_answered():
    assert holds({"answered": "a"}, {"b": "x"}) is False


# --- gte and lte ---


def test_it_compares_numbers_with_gte():
    at_least = {"gte": {"question": "n", "value": 10000}}
    assert holds(at_least, {"n": 10000}) is True
    assert holds(at_least, {"n": 20000.5}) is True
    assert holds(at_least, {"n": 9999}) is False


def test_it_compares_numbers_with_lte():
    at_most = {"lte": {"question": "n", "value": 2}}
    assert holds(at_most, {"n": 2}) is True
    assert holds(at_most, {"n": 1}) is True
    assert holds(at_most, {"n": -5}) is True
    assert holds(at_most, {"n": 3}) is False


def test_it_compares_scale_answers_with_gte_and_lte():
    assert holds({"gte": {"question": "s", "value": 4}}, {"s": 4}) is True
    assert holds({"gte": {"question": "s", "value": 4}}, {"s": 3}) is False
    assert holds({"lte": {"question": "s", "value": 2}}, {"s": 1}) is True
    assert holds({"lte": {"question": "s", "value": 2}}, {"s": 5}) is False


@pytest.mark.parametrize(
    "value", [None, "", "many", ["5"], {"n": 5}, True, False, [], float("nan")]
)
def test_it_does_not_hold_gte_or_lte_for_an_answer_that_is_not_a_number(value):
    assert holds({"gte": {"question": "n", "value": 0}}, {"n": value}) is False
    assert holds({"lte": {"question": "n", "value": 100}}, {"n": value}) is False


@pytest.mark.parametrize(
    "data",
    [
        {"gte": {"question": "n", "value": 10000}},
        {"lte": {"question": "n", "value": 10000}},
        {"equals": {"question": "n", "value": 3}},
        {"in": {"question": "n", "values": ["a", 3]}},
    ],
    ids=["gte", "lte", "equals", "in"],
)
def test_it_never_crashes_on_a_whole_number_too_large_for_a_float(data):
    assert holds(data, {"n": 10**400}) in (True, False)


def test_it_does_not_hold_gte_or_lte_for_a_missing_answer():
    assert holds({"gte": {"question": "n", "value": 0}}, {}) is False
    assert holds({"lte": {"question": "n", "value": 0}}, {}) is False


# --- count_gte ---


def test_it_counts_how_many_conditions_hold_with_count_gte_of():
    two_of = {
        "count_gte": {
            "min": 2,
            "of": [YES, {"answered": "b"}, {"rule": "r"}],
        }
    }
    assert holds(two_of, {"a": "yes", "b": "x"}) is True
    assert holds(two_of, {"a": "yes"}, {"r": True}) is True
    assert holds(two_of, {"a": "yes"}) is False
    assert holds(two_of, {}) is False


def test_it_holds_count_gte_of_with_a_minimum_of_zero_always():
    assert holds({"count_gte": {"min": 0, "of": [YES]}}, {}) is True


def test_it_counts_chosen_options_with_count_gte_question():
    two = {"count_gte": {"min": 2, "question": "p"}}
    assert holds(two, {"p": ["policy", "service"]}) is True
    assert holds(two, {"p": ["policy"]}) is False
    assert holds(two, {"p": []}) is False
    assert holds(two, {}) is False


def test_it_counts_only_the_listed_values_with_count_gte_question_and_values():
    two_listed = {"count_gte": {"min": 2, "question": "p", "values": ["a", "b", "c"]}}
    assert holds(two_listed, {"p": ["a", "c", "x"]}) is True
    assert holds(two_listed, {"p": ["a", "x", "y"]}) is False


def test_it_counts_filled_table_rows_with_count_gte_question():
    two_rows = {"count_gte": {"min": 2, "question": "t"}}
    assert holds(two_rows, {"t": [{"name": "a"}, {"name": "b"}]}) is True
    assert holds(two_rows, {"t": [{"name": "a"}]}) is False


def test_it_counts_a_single_answer_as_one_with_count_gte_question():
    assert holds({"count_gte": {"min": 1, "question": "s"}}, {"s": "yes"}) is True
    assert holds({"count_gte": {"min": 2, "question": "s"}}, {"s": "yes"}) is False
    assert holds({"count_gte": {"min": 1, "question": "s"}}, {"s": ""}) is False


def test_it_refuses_count_gte_with_both_or_neither_form():
    with pytest.raises(ValidationError):
        cond({"count_gte": {"min": 1}})
    with pytest.raises(ValidationError):
        cond({"count_gte": {"min": 1, "question": "p", "of": [YES]}})


# --- rule ---


def test_it_holds_a_rule_condition_when_the_rule_holds():
    assert holds({"rule": "r"}, {}, {"r": True}) is True
    assert holds({"rule": "r"}, {}, {"r": False}) is False


def test_it_does_not_hold_a_rule_condition_for_a_rule_not_evaluated():
    assert holds({"rule": "r"}, {}, {"other": True}) is False


# --- what is not a condition ---


@pytest.mark.parametrize(
    "data",
    [
        {"equal": {"question": "a", "value": "yes"}},
        {"answered": "a", "rule": "r"},
        {},
        {"eval": "__import__('os')"},
    ],
)
def test_it_refuses_a_mapping_that_is_not_exactly_one_known_condition(data):
    with pytest.raises(ValidationError):
        cond(data)


def test_it_refuses_to_evaluate_something_that_is_not_a_condition():
    with pytest.raises(TypeError):
        evaluate({"answered": "a"}, {"a": "x"}, {})


# --- which questions a condition reads ---


def test_it_names_every_question_a_condition_reads():
    from app.questionnaires.conditions import questions_used

    nested = cond(
        {
            "all": [
                YES,
                {"not": {"in": {"question": "b", "values": ["x"]}}},
                {"any": [{"answered": "c"}, {"gte": {"question": "d", "value": 3}}]},
                {"lte": {"question": "e", "value": 1}},
                {"count_gte": {"min": 1, "of": [{"answered": "f"}, {"rule": "r"}]}},
                {"count_gte": {"question": "g", "min": 2}},
            ]
        }
    )
    assert questions_used(nested) == {"a", "b", "c", "d", "e", "f", "g"}
    assert questions_used(cond({"rule": "r"})) == set()
