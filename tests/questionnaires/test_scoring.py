"""Scoring, rules, obligations and completeness with the sample questionnaire.

The sample gives `transparent` at most 7 points (special personal data 1, published no 3,
purposes policy 1 + enforcement 2) and `reliable` at most 9 (special personal data 4,
enforcement 2, confidence 1 gives 2, the rule large_scale 1); the measure encryption=yes takes
away 3 `reliable` points, at most half of the inherent risk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.i18n import use_locale
from app.questionnaires.engine import (
    Driver,
    Floor,
    completeness,
    decision_support,
    effective_answers,
    evaluate_rules,
    hidden_answered,
    max_points,
    obligations,
    register_category,
    score,
    validate_answers,
    visible_questions,
)
from app.questionnaires.loader import load_file, parse_questionnaire
from app.questionnaires.schema import Questionnaire, Severity

SAMPLE_PATH = Path(__file__).parent / "sample.yaml"
SAMPLE = load_file(SAMPLE_PATH).definition


def variant(*edits: tuple[str, str]) -> Questionnaire:
    """The sample with some text changed; every `old` must occur exactly once."""
    text = SAMPLE_PATH.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return parse_questionnaire(text, source="variant.yaml").definition


def ids(results: list[Any]) -> list[str]:
    return [r.id for r in results]


# --- the maximum ---


def test_it_computes_the_maximum_points_per_value():
    assert max_points(SAMPLE) == {"transparent": 7.0, "reliable": 9.0}


def test_it_reports_the_same_maximum_for_every_set_of_answers():
    for answers in ({}, {"personal": "special", "published": "no"}):
        result = score(SAMPLE, answers)
        assert result.for_value("transparent").max_points == 7.0
        assert result.for_value("reliable").max_points == 9.0


# --- inherent and residual risk ---


def test_it_scores_no_answers_as_no_risk():
    result = score(SAMPLE, {})
    for value in result.values:
        assert (value.inherent, value.mitigation, value.residual) == (0, 0, 0)
        assert value.inherent_percent == value.residual_percent == 0
        assert value.level == value.inherent_level == "low"
        assert value.drivers == value.measures == value.floors == ()
    assert result.overall == "low"


def test_it_lowers_the_inherent_risk_by_a_measure_to_give_the_residual_risk():
    answers = {"personal": "special", "purposes": ["enforcement"], "encryption": "yes"}
    reliable = score(SAMPLE, answers).for_value("reliable")
    assert reliable.inherent == 6
    assert reliable.mitigation == 3
    assert reliable.residual == 3
    assert reliable.measures == (Driver("measure", "encryption", "yes", 3),)


def test_it_does_not_lower_other_values_with_a_measure():
    answers = {"personal": "special", "purposes": ["enforcement"], "encryption": "yes"}
    transparent = score(SAMPLE, answers).for_value("transparent")
    assert (transparent.inherent, transparent.mitigation, transparent.residual) == (3, 0, 3)


def test_it_caps_mitigation_at_the_maximum_share_of_inherent_risk():
    reliable = score(SAMPLE, {"personal": "ordinary", "encryption": "yes"}).for_value("reliable")
    assert reliable.inherent == 2
    assert reliable.mitigation == 1  # not 3: at most half of 2
    assert reliable.residual == 1


def test_it_lets_a_measure_take_nothing_away_when_there_is_no_risk():
    reliable = score(SAMPLE, {"encryption": "yes"}).for_value("reliable")
    assert (reliable.inherent, reliable.mitigation, reliable.residual) == (0, 0, 0)


def test_it_uses_the_max_mitigation_of_the_questionnaire():
    strict = variant(("max_mitigation: 0.5", "max_mitigation: 0"))
    reliable = score(strict, {"personal": "special", "encryption": "yes"}).for_value("reliable")
    assert (reliable.inherent, reliable.mitigation, reliable.residual) == (4, 0, 4)
    generous = variant(("max_mitigation: 0.5", "max_mitigation: 1"))
    reliable = score(generous, {"personal": "ordinary", "encryption": "yes"}).for_value("reliable")
    assert (reliable.inherent, reliable.mitigation, reliable.residual) == (2, 2, 0)


def test_it_gives_no_mitigation_for_an_answer_that_is_not_the_measure():
    for answer in ("no", "unknown"):
        answers = {"personal": "special", "encryption": answer}
        reliable = score(SAMPLE, answers).for_value("reliable")
        assert (reliable.inherent, reliable.mitigation, reliable.residual) == (4, 0, 4)


def test_it_shows_risk_as_a_percentage_of_the_maximum():
    answers = {"personal": "special", "purposes": ["enforcement"], "encryption": "yes"}
    result = score(SAMPLE, answers)
    reliable = result.for_value("reliable")
    assert reliable.inherent_percent == 66.7  # 6 of 9
    assert reliable.residual_percent == 33.3  # 3 of 9
    transparent = result.for_value("transparent")
    assert transparent.inherent_percent == transparent.residual_percent == 42.9  # 3 of 7


def test_it_reaches_100_percent_with_the_riskiest_answers():
    answers = {
        "personal": "special",
        "people": 50_000,
        "published": "no",
        "purposes": ["policy", "enforcement", "service"],
        "confidence": 1,
    }
    for value in score(SAMPLE, answers).values:
        assert value.inherent == value.max_points
        assert value.inherent_percent == value.residual_percent == 100
        assert value.level == "high"


# --- levels ---


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"purposes": ["policy"]}, "low"),  # 1 of 7: 14.3 %
        ({"published": "unknown"}, "medium"),  # 2 of 7: 28.6 %
        ({"published": "no"}, "medium"),  # 3 of 7: 42.9 %
        ({"published": "no", "purposes": ["policy"]}, "high"),  # 4 of 7: 57.1 %
    ],
)
def test_it_sets_the_level_from_the_residual_percentage(answers, level):
    assert score(SAMPLE, answers).for_value("transparent").level == level


THRESHOLDS = """\
key: thresholds
version: 1
title: {nl: Drempels, en: Thresholds}
description: {nl: Drempels., en: Thresholds.}
values:
  - {id: safe, label: {nl: Veilig, en: Safe}, description: {nl: Veilig., en: Safe.}}
principles:
  - {id: S1, value: safe, text: {nl: Veilig., en: Safe.}}
scoring: SCORING
sections:
  - id: only
    title: {nl: Enige, en: Only}
    questions:
      - id: risk
        type: single_choice
        label: {nl: Risico, en: Risk}
        help: {nl: Kies., en: Choose.}
        basis: [S1]
        options:
          - {id: zero, label: {nl: Nul, en: Zero}}
          - {id: one, label: {nl: Een, en: One}, risk: {safe: 1}}
          - {id: two, label: {nl: Twee, en: Two}, risk: {safe: 2}}
          - {id: four, label: {nl: Vier, en: Four}, risk: {safe: 4}}
"""


@pytest.mark.parametrize(
    ("scoring", "answer", "level"),
    [
        ("{medium_from: 25, high_from: 50}", "zero", "low"),
        ("{medium_from: 25, high_from: 50}", "one", "medium"),  # exactly 25 %
        ("{medium_from: 25, high_from: 50}", "two", "high"),  # exactly 50 %
        ("{medium_from: 25, high_from: 50}", "four", "high"),
        ("{medium_from: 26, high_from: 51}", "one", "low"),
        ("{medium_from: 26, high_from: 51}", "two", "medium"),
        ("{medium_from: 10, high_from: 100}", "two", "medium"),
        ("{medium_from: 10, high_from: 100}", "four", "high"),
    ],
)
def test_it_applies_the_level_thresholds_of_the_questionnaire(scoring, answer, level):
    definition = parse_questionnaire(
        THRESHOLDS.replace("SCORING", scoring), source="thresholds.yaml"
    ).definition
    assert max_points(definition) == {"safe": 4}
    assert score(definition, {"risk": answer}).for_value("safe").level == level


def test_it_uses_25_and_50_percent_when_the_scoring_is_not_given():
    definition = parse_questionnaire(
        THRESHOLDS.replace("scoring: SCORING\n", ""), source="thresholds.yaml"
    ).definition
    levels = [
        score(definition, {"risk": a}).for_value("safe").level for a in ("zero", "one", "two")
    ]
    assert levels == ["low", "medium", "high"]


def test_it_also_sets_a_level_for_the_inherent_risk():
    answers = {"personal": "special", "purposes": ["enforcement"], "encryption": "yes"}
    reliable = score(SAMPLE, answers).for_value("reliable")
    assert reliable.inherent_level == "high"  # 66.7 %
    assert reliable.level == "medium"  # 33.3 %


def test_it_raises_the_level_to_the_floor_of_a_rule_that_holds():
    answers = {"personal": "ordinary", "people": 20_000, "encryption": "yes"}
    reliable = score(SAMPLE, answers).for_value("reliable")
    assert reliable.residual_percent == 16.7  # 3 points, less half: 1.5 of 9
    assert reliable.level == "medium"
    assert reliable.floors == (Floor("large_scale", "medium"),)


def test_it_applies_a_floor_only_to_its_value():
    answers = {"personal": "ordinary", "people": 20_000, "encryption": "yes"}
    transparent = score(SAMPLE, answers).for_value("transparent")
    assert transparent.level == "low"
    assert transparent.floors == ()


def test_it_leaves_the_level_alone_when_the_rule_with_the_floor_does_not_hold():
    answers = {"personal": "ordinary", "people": 9_999, "encryption": "yes"}
    reliable = score(SAMPLE, answers).for_value("reliable")
    assert reliable.level == "low"
    assert reliable.floors == ()


def test_it_does_not_lower_a_level_above_the_floor():
    answers = {"personal": "special", "people": 20_000, "purposes": ["enforcement"]}
    reliable = score(SAMPLE, answers).for_value("reliable")
    assert reliable.residual_percent == 77.8  # 7 of 9
    assert reliable.level == "high"


def test_it_applies_a_floor_for_all_values():
    floored = variant(
        (
            "level_floor: [{value: reliable, level: medium}]",
            "level_floor: [{value: all, level: high}]",
        )
    )
    result = score(floored, {"personal": "ordinary", "people": 20_000})
    assert [v.level for v in result.values] == ["high", "high"]
    assert result.overall == "high"


def test_it_takes_the_highest_value_level_as_the_overall_level():
    result = score(SAMPLE, {"published": "no", "purposes": ["policy"]})
    assert result.for_value("transparent").level == "high"
    assert result.for_value("reliable").level == "low"
    assert result.overall == "high"
    result = score(SAMPLE, {"published": "unknown"})
    assert [v.level for v in result.values] == ["medium", "low"]
    assert result.overall == "medium"


# --- what caused it ---


def test_it_lists_the_answers_that_caused_the_risk_with_their_points():
    answers = {
        "name": "Parkeren",
        "personal": "special",
        "purposes": ["policy", "enforcement", "service"],
        "published": "no",
    }
    result = score(SAMPLE, answers)
    assert result.for_value("transparent").drivers == (
        Driver("answer", "published", "no", 3),
        Driver("answer", "purposes", "enforcement", 2),
        Driver("answer", "personal", "special", 1),
        Driver("answer", "purposes", "policy", 1),
    )
    assert result.for_value("reliable").drivers == (
        Driver("answer", "personal", "special", 4),
        Driver("answer", "purposes", "enforcement", 2),
    )


def test_it_lists_a_rule_that_added_points():
    answers = {"personal": "ordinary", "people": 10_000}
    drivers = score(SAMPLE, answers).for_value("reliable").drivers
    assert drivers == (
        Driver("answer", "personal", "ordinary", 2),
        Driver("rule", "large_scale", None, 1),
    )


def test_it_lists_a_scale_answer_that_caused_risk():
    drivers = score(SAMPLE, {"confidence": 2}).for_value("reliable").drivers
    assert drivers == (Driver("answer", "confidence", "2", 1),)
    assert score(SAMPLE, {"confidence": 4}).for_value("reliable").drivers == ()


def test_it_adds_up_the_drivers_to_the_inherent_risk():
    answers = {
        "personal": "special",
        "people": 50_000,
        "purposes": ["enforcement"],
        "confidence": 1,
    }
    for value in score(SAMPLE, answers).values:
        assert sum(d.points for d in value.drivers) == value.inherent


# --- hidden questions ---


def test_it_keeps_but_ignores_the_answer_to_a_hidden_question():
    answers = {"personal": "none", "people": 50_000}
    assert "people" not in {q.id for q in visible_questions(SAMPLE, answers)}
    assert hidden_answered(SAMPLE, answers) == {"people"}
    assert effective_answers(SAMPLE, answers) == {"personal": "none"}
    assert answers == {"personal": "none", "people": 50_000}


def test_it_counts_the_answer_again_once_the_question_is_shown():
    answers = {"personal": "ordinary", "people": 50_000}
    assert hidden_answered(SAMPLE, answers) == set()
    assert effective_answers(SAMPLE, answers) == answers
    assert evaluate_rules(SAMPLE, answers)["large_scale"] is True


def test_it_does_not_count_an_empty_answer_as_hidden():
    assert hidden_answered(SAMPLE, {"personal": "none", "people": None}) == set()


def test_it_does_not_let_a_hidden_answer_make_a_rule_hold():
    visible = {"personal": "ordinary", "people": 50_000}
    hidden = {"personal": "none", "people": 50_000}
    assert evaluate_rules(SAMPLE, visible)["large_scale"] is True
    assert evaluate_rules(SAMPLE, hidden) == {"personal_data": False, "large_scale": False}


def test_it_does_not_score_the_answers_to_a_hidden_question():
    conditional = variant(
        (
            "        basis: [T1]\n        options:\n          - {id: policy",
            "        basis: [T1]\n        show_if: {equals: {question: published, value: 'yes'}}\n"
            "        options:\n          - {id: policy",
        )
    )
    hidden = {"published": "no", "purposes": ["enforcement"]}
    result = score(conditional, hidden)
    assert result.for_value("transparent").inherent == 3
    assert result.for_value("reliable").inherent == 0
    assert all(d.source_id != "purposes" for v in result.values for d in v.drivers)
    assert hidden_answered(conditional, hidden) == {"purposes"}
    assert hidden == {"published": "no", "purposes": ["enforcement"]}

    shown = {"published": "yes", "purposes": ["enforcement"]}
    result = score(conditional, shown)
    assert result.for_value("transparent").inherent == 2
    assert result.for_value("reliable").inherent == 2
    assert hidden_answered(conditional, shown) == set()


def test_it_does_not_let_a_hidden_measure_lower_the_risk():
    conditional = variant(
        (
            "        measure: true\n",
            "        measure: true\n"
            "        show_if: {equals: {question: published, value: 'yes'}}\n",
        )
    )
    hidden = {"personal": "special", "published": "no", "encryption": "yes"}
    reliable = score(conditional, hidden).for_value("reliable")
    assert (reliable.inherent, reliable.mitigation, reliable.residual) == (4, 0, 4)
    assert reliable.measures == ()
    shown = {"personal": "special", "published": "yes", "encryption": "yes"}
    reliable = score(conditional, shown).for_value("reliable")
    assert (reliable.inherent, reliable.mitigation, reliable.residual) == (4, 2, 2)


# --- obligations ---


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, []),
        ({"personal": "none"}, []),
        ({"personal": "ordinary"}, ["dpo"]),
        ({"personal": "special"}, ["dpo", "dpia_recommended"]),
        ({"personal": "ordinary", "people": 20_000}, ["dpo", "dpia_recommended"]),
        ({"personal": "special", "people": 20_000}, ["dpo", "dpia_required"]),
        ({"personal": "none", "people": 20_000}, []),
    ],
)
def test_it_lists_the_obligations_that_follow_from_the_answers(answers, expected):
    assert ids(obligations(SAMPLE, answers)) == expected


def test_it_removes_the_obligation_that_an_applying_one_overrides():
    answers = {"personal": "special", "people": 20_000}
    found = ids(obligations(SAMPLE, answers))
    assert "dpia_required" in found
    assert "dpia_recommended" not in found


def test_it_keeps_an_overridden_obligation_when_the_overriding_one_does_not_apply():
    assert "dpia_recommended" in ids(obligations(SAMPLE, {"personal": "special"}))


def test_it_lists_the_most_severe_obligations_first():
    order = [Severity.stop, Severity.required, Severity.recommended, Severity.advice]
    found = obligations(SAMPLE, {"personal": "special"})
    ranks = [order.index(o.severity) for o in found]
    assert ranks == sorted(ranks)
    assert [o.severity for o in found] == [Severity.required, Severity.recommended]


def test_it_has_no_register_category_when_no_obligation_names_one():
    assert register_category(obligations(SAMPLE, {"personal": "special"})) is None


# --- completeness ---


def test_it_lists_the_missing_required_questions_per_section():
    result = completeness(SAMPLE, {})
    profile, transparency = result.sections
    assert profile.section_id == "profile"
    assert profile.missing == ("name", "personal")
    assert (profile.required, profile.answered, profile.visible) == (2, 0, 3)
    assert transparency.missing == ("published",)
    assert (transparency.required, transparency.answered, transparency.visible) == (1, 0, 6)
    assert result.missing == ["name", "personal", "published"]
    assert result.complete is False
    assert result.percent == 0


def test_it_counts_answered_questions_and_shown_questions():
    result = completeness(SAMPLE, {"name": "Parkeren", "personal": "ordinary", "site": ""})
    profile, transparency = result.sections
    assert profile.missing == ()
    assert profile.complete is True
    assert (profile.required, profile.answered, profile.visible) == (2, 2, 4)
    assert transparency.answered == 0
    assert result.missing == ["published"]
    assert result.percent == 66


def test_it_does_not_count_blank_text_as_answered():
    result = completeness(SAMPLE, {"name": "   ", "personal": "none", "published": "yes"})
    assert result.missing == ["name"]


def test_it_is_complete_when_every_visible_required_question_is_answered():
    result = completeness(SAMPLE, {"name": "Parkeren", "personal": "none", "published": "yes"})
    assert result.complete is True
    assert result.percent == 100
    assert all(s.complete for s in result.sections)


def test_it_requires_a_required_question_only_while_it_is_shown():
    required_people = variant(
        ("        integer: true\n", "        integer: true\n        required: true\n")
    )
    base = {"name": "Parkeren", "published": "yes"}
    hidden = completeness(required_people, {**base, "personal": "none"})
    assert hidden.complete is True
    assert hidden.sections[0].visible == 3
    shown = completeness(required_people, {**base, "personal": "ordinary"})
    assert shown.missing == ["people"]
    assert shown.sections[0].visible == 4
    assert shown.sections[0].required == 3
    answered = completeness(required_people, {**base, "personal": "ordinary", "people": 0})
    assert answered.complete is True


# --- validating a whole set of answers ---


def test_it_names_the_problem_of_each_answer_in_both_languages():
    answers = {"name": "Parkeren", "personal": "secret", "ghost": 1, "start": "2026-02-30"}
    with use_locale("en"):
        assert validate_answers(SAMPLE, answers) == {
            "personal": "Choose one of the options given.",
            "ghost": "This question does not exist in this questionnaire.",
            "start": "Enter a valid date (yyyy-mm-dd).",
        }
    with use_locale("nl"):
        assert validate_answers(SAMPLE, answers) == {
            "personal": "Kies een van de gegeven mogelijkheden.",
            "ghost": "Deze vraag bestaat niet in deze vragenlijst.",
            "start": "Vul een geldige datum in (jjjj-mm-dd).",
        }


def test_it_finds_no_problems_in_valid_answers():
    answers = {
        "name": "Parkeren",
        "personal": "special",
        "people": "12.500",
        "sources": [{"name": "BRP", "personal": "yes"}],
        "published": "no",
        "purposes": ["service"],
        "encryption": "yes",
        "confidence": "4",
        "start": "2026-01-01",
        "site": "https://example.org",
    }
    assert validate_answers(SAMPLE, answers) == {}


# --- everything at once ---


def test_it_gives_scores_obligations_completeness_rules_and_hidden_answers_together():
    answers = {"name": "Parkeren", "personal": "none", "people": 20_000, "published": "no"}
    support = decision_support(SAMPLE, answers)
    assert support.score == score(SAMPLE, answers)
    assert support.obligations == []
    assert support.completeness.complete is True
    assert support.rules == {"personal_data": False, "large_scale": False}
    assert support.hidden == frozenset({"people"})
    assert support.stopped is False
    assert support.register_category is None
