"""Deciding obligations: a stop removes every step towards going live, "don't know" on a
question that decides obligations becomes a "clarify" and makes the level assume the stricter
answer, reasons name what fired, and the heaviest-factors reference measures every value alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.questionnaires import engine
from app.questionnaires.explain import AnswerFact, RuleFact, reasons
from app.questionnaires.loader import QuestionnaireInvalid, load_file, parse_questionnaire
from app.questionnaires.schema import Questionnaire, Severity

PATH = Path(__file__).parent / "deciding.yaml"
BASE: dict[str, Any] = {
    "ai": "no",
    "kind": "rules",
    "hosting": "inside",
    "criteria": ["none"],
    "forbidden": "no",
}


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_file(PATH).definition


def ids(q: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [o.id for o in engine.obligations(q, {**BASE, **answers})]


def test_it_lists_the_steps_towards_going_live_when_nothing_stops_the_project(q):
    assert ids(q, {"ai": "yes"}) == ["literacy", "register"]
    assert engine.decision_support(q, {**BASE, "ai": "yes"}).register_category == "B"


def test_it_removes_every_step_towards_going_live_and_the_register_category_under_a_stop(q):
    ds = engine.decision_support(q, {**BASE, "ai": "yes", "forbidden": "yes"})
    assert [o.id for o in ds.obligations] == ["stop"]
    assert ds.stopped and ds.register_category is None


def test_it_keeps_obligations_that_do_not_prepare_going_live_under_a_stop(q):
    answers = {"forbidden": "yes", "hosting": "outside", "criteria": ["scoring", "matching"]}
    assert ids(q, answers) == ["stop", "assessment", "transfer"]


def test_it_asks_to_clarify_an_unknown_that_a_known_answer_would_turn_into_obligations(q):
    ds = engine.decision_support(q, {**BASE, "ai": "unknown"})
    [clarify] = ds.clarifications
    assert clarify.id == "clarify_ai" and clarify.severity == Severity.clarify
    assert clarify.question_id == "ai"
    assert clarify.would_bring == ("literacy", "register")
    assert clarify.obligation.title.get("en") == "Find out whether it is AI"
    assert clarify.obligation.description.get("nl") == "Vraag het de algoritme-adviseur."
    assert clarify.obligation.legal_basis == "AI Act art. 4; Register"
    assert ds.assumptions == {"ai": "yes"}


def test_it_does_not_ask_to_clarify_when_other_facts_already_settle_the_question(q):
    """A self-learning system is an AI system whatever the lead answers about it."""
    ds = engine.decision_support(q, {**BASE, "ai": "unknown", "kind": "learning"})
    assert ds.clarifications == []
    assert [o.id for o in ds.obligations] == ["literacy", "register"]


def test_it_treats_a_dont_know_option_of_a_single_choice_as_unknown(q):
    ds = engine.decision_support(q, {**BASE, "hosting": "dunno"})
    assert [o.id for o in ds.clarifications] == ["clarify_hosting"]
    assert ds.clarifications[0].would_bring == ("transfer",)
    assert ds.assumptions == {"hosting": "outside"}


def test_it_asks_to_clarify_an_unknown_that_could_stop_the_project(q):
    ds = engine.decision_support(q, {**BASE, "ai": "yes", "forbidden": "unknown"})
    assert [o.id for o in ds.obligations] == ["literacy", "register", "clarify_forbidden"]
    assert ds.clarifications[0].would_bring == ("stop",)


def test_it_does_not_ask_to_clarify_an_answer_that_is_known(q):
    assert engine.decision_support(q, BASE).clarifications == []


def test_the_level_assumes_the_stricter_answer_and_says_it_is_assumed(q):
    known = engine.score(q, {**BASE, "hosting": "outside"}).for_value("careful")
    unknown = engine.decision_support(q, {**BASE, "hosting": "dunno"}).score.for_value("careful")
    assert unknown.residual == known.residual == 3
    assert unknown.level == known.level
    [driver] = unknown.drivers
    assert (driver.source_id, driver.option_id, driver.assumed) == ("hosting", "outside", True)


def test_the_obligation_names_the_criteria_that_fired_and_the_answers_behind_them(q):
    [result] = engine.obligations(q, {**BASE, "criteria": ["scoring", "vulnerable"]})
    assert result.id == "assessment"
    assert result.facts == (
        RuleFact(
            "two_criteria",
            (
                RuleFact("crit_scoring", (AnswerFact("criteria", ("scoring",)),)),
                RuleFact("crit_vulnerable", (AnswerFact("criteria", ("vulnerable",)),)),
            ),
        ),
    )
    rules = {r.id: r for r in q.rules}
    assert reasons(result.facts, rules) == [
        ("crit_scoring", (AnswerFact("criteria", ("scoring",)),)),
        ("crit_vulnerable", (AnswerFact("criteria", ("vulnerable",)),)),
    ]


def test_it_measures_a_value_against_its_heaviest_factors(q):
    """careful's factors: kind 4, hosting 3, ai 2, the rule 2; with factors: 2 the reference is
    4 + 3 = 7 (the maximum would be 11), and a percentage never passes 100. A multiple choice
    is one factor (all its options together: open's only factor, 3)."""
    assert engine.max_points(q) == {"open": 3.0, "careful": 7.0}
    score = engine.score(q, {**BASE, "kind": "learning", "hosting": "outside", "ai": "yes"})
    careful = score.for_value("careful")
    assert careful.inherent == 9 and careful.inherent_percent == 100.0


def test_it_refuses_a_file_that_writes_its_own_clarify_obligation():
    text = PATH.read_text().replace(
        "    severity: required\n    when: {rule: two",
        "    severity: clarify\n    when: {rule: two",
    )
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(text, source="x.yaml")
    assert "'clarify' obligations come from the questions' 'clarify' texts" in str(caught.value)


def test_it_refuses_a_file_that_leaves_a_deciding_dont_know_without_clarify():
    text = PATH.read_text()
    start = text.index('        clarify:\n          title: {nl: "Zoek uit waar')
    end = text.index("      - id: criteria")
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(text[:start] + text[end:], source="x.yaml")
    assert "question 'hosting' can be answered 'don't know'" in str(caught.value)


def test_it_refuses_heaviest_without_a_number_of_factors():
    text = PATH.read_text().replace(", reference: heaviest, factors: 2", ", reference: heaviest")
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(text, source="x.yaml")
    assert "'factors' goes with reference 'heaviest'" in str(caught.value)
