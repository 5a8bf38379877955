"""Version 2 of the Haarlem questionnaire (issue 20): the file itself (valid, v1 untouched, formal
Dutch, every unknown that can hide an obligation has a clarify text, every obligation a legal
basis) and what it concludes for example projects, each with the rule of law behind it."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from app import demo_data
from app.questionnaires import engine
from app.questionnaires.checks import conditions_in
from app.questionnaires.loader import load_file
from app.questionnaires.schema import (
    EqualsCond,
    InCond,
    CountGteCond,
    Questionnaire,
    QuestionType,
    Text,
)

ROOT = Path(__file__).resolve().parents[2]
V1 = ROOT / "questionnaires" / "haarlem-datawaarden" / "v1.yaml"
V2 = ROOT / "questionnaires" / "haarlem-datawaarden" / "v2.yaml"
V1_SHA256 = "a79e054a36b43ed2ba61a5f673900bbb6b8b8c4483cf1d1f5d0640919fde9ea5"
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie|jezelf)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_file(V2).definition


def obligation_ids(q: Questionnaire, answers: dict[str, Any]) -> set[str]:
    return {o.id for o in engine.obligations(q, answers)}


def fired(q: Questionnaire, answers: dict[str, Any]) -> set[str]:
    return {r for r, on in engine.decision_support(q, answers).rules.items() if on}


def assert_complete_and_valid(q: Questionnaire, answers: dict[str, Any]) -> None:
    assert engine.validate_answers(q, answers) == {}
    progress = engine.completeness(q, answers)
    assert progress.complete, progress.missing


def texts(node: Any) -> list[str]:
    """Every Dutch text in a piece of the validated file."""
    found: list[str] = []
    if isinstance(node, Text):
        return [node.nl]
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found += texts(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            found += texts(item)
    elif isinstance(node, dict):
        for item in node.values():
            found += texts(item)
    return found


# --- the file ---------------------------------------------------------------------------------


def test_it_validates_with_the_command_line_tool() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "questionnaire", "validate", str(V2)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_is_version_2_of_the_same_questionnaire_and_leaves_version_1_untouched(
    q: Questionnaire,
) -> None:
    assert (q.key, q.version) == ("haarlem-datawaarden", 2)
    assert load_file(V1).sha256 == V1_SHA256


def test_it_keeps_every_question_id_of_version_1_so_answers_carry_over(q: Questionnaire) -> None:
    old = load_file(V1).definition
    new = engine.question_by_id(q)
    for question in old.questions():
        assert question.id in new, question.id
        assert new[question.id].type == question.type, question.id
        kept = {o.id for o in new[question.id].options or []}
        assert {o.id for o in question.options or []} <= kept, question.id
    assert {r.id for r in old.rules} <= {r.id for r in q.rules}
    assert {o.id for o in old.obligations} <= {o.id for o in q.obligations}


def test_it_addresses_the_reader_formally_in_dutch(q: Questionnaire) -> None:
    informal = [text for text in texts(q) if INFORMAL.search(text)]
    assert informal == []


def test_it_gives_every_unknown_that_a_condition_uses_a_clarify_text(q: Questionnaire) -> None:
    used: set[str] = set()
    roots = [r.when for r in q.rules] + [o.when for o in q.obligations]
    roots += [question.show_if for question in q.questions() if question.show_if]
    for root in roots:
        for leaf, _path in conditions_in(root, ()):
            if isinstance(leaf, EqualsCond):
                used.add(leaf.equals.question)
            elif isinstance(leaf, InCond):
                used.add(leaf.in_.question)
            elif isinstance(leaf, CountGteCond) and leaf.count_gte.question:
                used.add(leaf.count_gte.question)
    by_id = engine.question_by_id(q)
    can_be_unknown = {
        qid
        for qid in used
        if by_id[qid].type == QuestionType.yes_no_unknown
        or any(o.unknown for o in by_id[qid].options or [])
    }
    assert {"hosting", "is_ai_system", "ai_annex_iii", "profiling"} <= can_be_unknown
    missing = sorted(qid for qid in can_be_unknown if by_id[qid].clarify is None)
    assert missing == []


def test_it_marks_dont_know_options_as_unknown(q: Questionnaire) -> None:
    by_id = engine.question_by_id(q)
    for qid in ("hosting", "data_quality", "ai_annex_iii", "special_data_exception"):
        unknown = [o.id for o in by_id[qid].options or [] if o.unknown]
        assert unknown == ["unknown"], qid


def test_it_names_a_legal_basis_for_every_rule_and_obligation(q: Questionnaire) -> None:
    assert [o.id for o in q.obligations if not o.legal_basis] == []
    assert [r.id for r in q.rules if not r.legal_basis] == []


def test_it_does_not_repeat_the_severity_in_an_obligation_title(q: Questionnaire) -> None:
    words = {
        "stop": ("stop",),
        "required": ("verplicht", "required"),
        "clarify": ("verduidelijk", "clarify"),
        "recommended": ("aanbevolen", "recommended"),
        "advice": ("advies", "advice"),
    }
    for obligation in q.obligations:
        for text in (obligation.title.nl, obligation.title.en):
            first = text.split()[0].strip(":").lower()
            assert first not in words[obligation.severity.value], obligation.id


def test_it_marks_the_steps_towards_going_live(q: Questionnaire) -> None:
    prepares = {o.id for o in q.obligations if o.prepares_deployment}
    assert prepares == {
        "high_risk_duties",
        "iama_required",
        "inform_workers",
        "ai_transparency",
        "ai_literacy",
        "register_b",
        "register_c",
    }
    by_id = {o.id: o for o in q.obligations}
    assert by_id["high_risk_duties"].register_category == "A"
    assert set(by_id["high_risk_duties"].overrides) == {"register_b", "register_c"}
    assert by_id["iama_required"].register_category is None
    assert not by_id["stop_prohibited"].title.nl.lower().startswith("stop")


def test_it_scores_an_internal_only_register_entry_above_an_undecided_one(
    q: Questionnaire,
) -> None:
    options = {o.id: o.risk for o in engine.question_by_id(q)["register_publication"].options or []}
    assert options["internal_only"]["transparent"] > options["not_decided"]["transparent"]
    assert q.scoring.reference == "heaviest" and q.scoring.factors


def test_it_adds_annex_iii_point_8(q: Questionnaire) -> None:
    options = [o.id for o in engine.question_by_id(q)["ai_annex_iii"].options or []]
    assert "justice_democracy" in options
