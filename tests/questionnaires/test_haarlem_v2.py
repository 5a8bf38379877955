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
    CountGteCond,
    EqualsCond,
    InCond,
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
    assert {"hosting", "is_ai_system", "special_data_exception", "profiling"} <= can_be_unknown
    missing = sorted(qid for qid in can_be_unknown if by_id[qid].clarify is None)
    assert missing == []


def test_it_marks_dont_know_options_as_unknown(q: Questionnaire) -> None:
    by_id = engine.question_by_id(q)
    for qid in ("hosting", "data_quality", "special_data_exception"):
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


# --- example projects -------------------------------------------------------------------------


def traffic_dashboard() -> dict[str, Any]:
    """A public dashboard of counts from the city's traffic loops: no people, no algorithm."""
    return {
        "plain_description": "Een openbaar dashboard met het aantal fietsers en auto's per dag "
        "op de belangrijkste wegen, uit de tellussen van de gemeente. Alleen aantallen.",
        "commissioning_client": "Afdeling Mobiliteit; eindverantwoordelijk: manager Mobiliteit",
        "phase": "development",
        "contact_email": "mobiliteit@haarlem.nl",
        "theme": ["traffic_mobility"],
        "system_kind": "dashboard",
        "hosting": "internal",
        "personal_data": "none",
        "vulnerable_groups": "no",
        "minors": "no",
        "data_sources": [{"name": "Verkeerstellussen", "owner": "Mobiliteit"}],
        "matching": "no",
        "systematic_monitoring": "no",
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "none",
        "blocks_service": "no",
        "is_ai_system": "no",
        "ai_capabilities": ["none"],
        "prohibited_practice": ["none"],
        "explainability": 5,
        "open_data_possible": "yes",
        "code_openness": "open_source",
        "honest_presentation": "yes",
        "problem_statement": "Verkeerscijfers liggen verspreid in losse spreadsheets.",
        "goal": "Verkeerscijfers dagelijks openbaar.",
        "success_criteria": "measurable",
        "public_values": ["liveability"],
        "beneficiaries": "Inwoners en raadsleden; niemand draagt lasten.",
        "burden": "nobody",
        "evidence": "proven",
        "alternatives": "Handmatig rapporteren is trager.",
        "alternatives_considered": "examined",
        "reuse": "both",
        "exit_plan": "yes",
        "source_data_description": "Tellingen per kwartier sinds 2019.",
        "data_quality": "documented",
        "security_bio": "yes",
        "fallback": "yes",
        "legal_basis": "Gemeentewet art. 160; Wet open overheid.",
        "ciso_consulted": "yes",
        "fundamental_rights": ["none"],
        "weighing": "clearly",
        "residual_risks": "Storingen geven gaten in de cijfers.",
        "dialogue": "consulted",
        "assessments_done": ["none"],
    }


def debt_help() -> dict[str, Any]:
    """The demo: a self-learning model ranking households with payment arrears for an offer of
    debt help (Annex III point 5(a): access to essential public services)."""
    return copy.deepcopy(demo_data.ANSWERS)


def children_health_matching() -> dict[str, Any]:
    """Youth health data matched with school absence on the citizen service number, to find
    children who need a visit from the youth doctor; no DPIA done yet."""
    return traffic_dashboard() | {
        "plain_description": "Gegevens van de jeugdgezondheidszorg worden op BSN gekoppeld aan "
        "verzuimgegevens van scholen, zodat de jeugdarts kinderen met veel verzuim en een "
        "zorgsignaal kan uitnodigen.",
        "commissioning_client": "Team Jeugd; eindverantwoordelijk: wethouder Jeugd",
        "theme": ["youth_education", "care_health"],
        "system_kind": "analysis",
        "personal_data": "special",
        "people_count": 4000,
        "criminal_data": "no",
        "vulnerable_groups": "yes",
        "minors": "yes",
        "matching": "yes",
        "ap_dpia_list": ["health", "cooperation"],
        "automated_decision": "supports_human",
        "effect_on_people": "significant",
        "open_data_possible": "no",
        "not_open_reason": "Gezondheidsgegevens van kinderen.",
        "inform_people": "no",
        "decision_data_recorded": "no",
        "human_measure": 4,
        "error_impact": 3,
        "privacy_by_design": ["minimisation"],
        "burden": "vulnerable_group",
        "gdpr_ground": "public_task",
        "special_data_exception": "health_social_care",
        "dpo_consulted": "no",
        "human_review": "yes",
        "fundamental_rights": ["privacy", "childrens_rights"],
        "rights_severity": 3,
        "vulnerable_impact": "Kinderen kunnen onterecht als probleemgeval worden gezien.",
        "weighing": "with_measures",
        "legal_protection": "yes",
        "evidence": "plausible",
        "assessments_done": ["none"],
    }


def resident_chatbot() -> dict[str, Any]:
    """A generative-AI chatbot answering residents' questions from the website (art. 50)."""
    return traffic_dashboard() | {
        "plain_description": "Een chatbot op haarlem.nl beantwoordt vragen van inwoners met "
        "informatie van de website; geen persoonlijk advies, geen besluiten.",
        "theme": ["services"],
        "system_kind": "generative_ai",
        "supplier": "ChatLeverancier B.V.",
        "hosting": "eea_supplier",
        "personal_data": "ordinary",
        "people_count": 30000,
        "criminal_data": "no",
        "ap_dpia_list": ["none"],
        "effect_on_people": "indirect",
        "is_ai_system": "yes",
        "ai_capabilities": ["conversation", "generates_content"],
        "ai_use_context": ["residents"],
        "ai_output_unreviewed": "yes",
        "ai_annex_iii": ["none"],
        "explainability": 2,
        "methods_and_models": "Een taalmodel vat passende webteksten samen.",
        "register_publication": "public_register",
        "ai_disclosure": "yes",
        "inform_people": "yes",
        "open_data_possible": "no",
        "not_open_reason": "De gesprekken bevatten persoonsgegevens.",
        "code_openness": "supplier_proprietary",
        "bias_assessment": "yes",
        "accuracy": "92% juist in een steekproef van 500 vragen.",
        "testing": "planned",
        "error_impact": 2,
        "privacy_by_design": ["minimisation", "retention"],
        "processor_agreement": "yes",
        "monitoring": "yes",
        "gdpr_ground": "public_task",
        "dpo_consulted": "yes",
        "human_intervention": "Inwoners kunnen altijd doorschakelen naar een medewerker.",
        "fundamental_rights": ["privacy"],
        "rights_severity": 2,
        "weighing": "with_measures",
    }


def staff_emotion_monitor() -> dict[str, Any]:
    """Emotion recognition on the voices of call-centre staff to measure their mood
    (art. 5(1)(f)), although the lead ticked no prohibited practice."""
    return resident_chatbot() | {
        "plain_description": "Software luistert mee met gesprekken van het klantcontactcentrum "
        "en meet de stemming van medewerkers, voor hun leidinggevende.",
        "theme": ["organisation"],
        "system_kind": "self_learning",
        "ai_capabilities": ["emotion_recognition"],
        "ai_use_context": ["workplace"],
        "emotion_medical_safety": "no",
        "ai_annex_iii": ["employment"],
        "ap_dpia_list": ["employees"],
        "prohibited_practice": ["none"],
    }


def behaviour_priority_score() -> dict[str, Any]:
    """Nuisance reports and fines turned into a score that decides priority for services
    (social scoring, art. 5(1)(c)), without the lead ticking it."""
    return resident_chatbot() | {
        "plain_description": "Een model geeft inwoners een score op meldingen, boetes en "
        "klachten; wie laag scoort, komt achteraan bij gemeentelijke diensten.",
        "system_kind": "self_learning",
        "ai_capabilities": ["none"],
        "personal_data": "bsn",
        "profiling": "yes",
        "profile_basis": ["social_behaviour"],
        "profile_other_contexts": "yes",
        "profiling_purpose": ["prioritise"],
        "automated_decision": "supports_human",
        "effect_on_people": "significant",
        "algorithm_influence": "decisive",
        "human_measure": 3,
        "human_review": "yes",
        "legal_protection": "yes",
        "decision_data_recorded": "yes",
        "prohibited_practice": ["none"],
    }


def fraud_check_on_facts() -> dict[str, Any]:
    """A self-learning model choosing benefit files for a check on objective facts in the file:
    high-risk (Annex III 5(a)), not social scoring."""
    return behaviour_priority_score() | {
        "plain_description": "Een model wijst bijstandsdossiers aan voor een heronderzoek, op "
        "grond van gegevens in het dossier zelf; een consulent beslist.",
        "theme": ["social_security"],
        "personal_data": "bsn",
        "vulnerable_groups": "yes",
        "ap_dpia_list": ["fraud", "profiling"],
        "profile_basis": ["objective_facts"],
        "profile_other_contexts": "no",
        "profiling_purpose": ["control"],
        "algorithm_influence": "significant",
        "ai_annex_iii": ["fraud"],
        "vulnerable_impact": "Heronderzoek is belastend; het model wordt op bias getoetst.",
    }


EXAMPLES = {
    "traffic_dashboard": traffic_dashboard,
    "debt_help": debt_help,
    "children_health_matching": children_health_matching,
    "resident_chatbot": resident_chatbot,
    "staff_emotion_monitor": staff_emotion_monitor,
    "behaviour_priority_score": behaviour_priority_score,
    "fraud_check_on_facts": fraud_check_on_facts,
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_it_accepts_every_example_as_complete_and_valid(q: Questionnaire, name: str) -> None:
    assert_complete_and_valid(q, EXAMPLES[name]())


def levels(q: Questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    return {v.value_id: v.level for v in engine.score(q, answers).values}


def test_it_asks_an_open_traffic_dashboard_only_to_publish_open_data(q: Questionnaire) -> None:
    answers = traffic_dashboard()
    assert obligation_ids(q, answers) == {"open_data"}
    assert set(levels(q, answers).values()) == {"low"}


def test_it_gives_the_demo_the_duties_of_a_high_risk_ai_deployer(q: Questionnaire) -> None:
    # Annex III point 5(a): AI deciding on access to public assistance, used by a public body,
    # so art. 26 duties, art. 27 FRIA, art. 4 literacy; special data need an art. 9(2) exception
    answers = debt_help()
    assert obligation_ids(q, answers) == {
        "dpia_required",
        "art22_check",
        "special_category_exception",
        "high_risk_duties",
        "iama_required",
        "ai_literacy",
        "consult_dpo",
    }
    support = engine.decision_support(q, answers)
    assert support.register_category == "A"
    assert not support.stopped
    assert not {r for r in fired(q, answers) if r.startswith("prohibited")}
    assert levels(q, answers)["responsible"] == "high"


def test_it_rates_health_data_of_children_matched_on_the_bsn_without_a_dpia_high(
    q: Questionnaire,
) -> None:
    # on the DPA list (health, partnership) and four criteria: sensitive, matching, vulnerable,
    # children; a plain data exchange on which a doctor decides is not an algorithm
    answers = children_health_matching()
    assert obligation_ids(q, answers) == {
        "dpia_required",
        "special_category_exception",
        "children_rights",
        "consult_dpo",
    }
    assert {"dpia_high_risk", "dpia_not_done", "ap_list", "crit_matching"} <= fired(q, answers)
    assert "uses_algorithm" not in fired(q, answers)
    assert levels(q, answers)["responsible"] == "high"
    done = answers | {"assessments_done": ["dpia"], "dpo_consulted": "yes"}
    assert "dpia_not_done" not in fired(q, done)


def test_it_tells_residents_that_a_chatbot_is_ai(q: Questionnaire) -> None:
    # art. 50(1) and (4): interaction with people and generated text; art. 4 literacy
    answers = resident_chatbot()
    ids = obligation_ids(q, answers)
    assert {"ai_transparency", "ai_literacy", "register_c"} <= ids
    assert not {"high_risk_duties", "iama_required", "register_b"} & ids
    assert levels(q, answers)["transparent"] == "medium"


def test_it_stops_emotion_recognition_at_work_from_the_facts(q: Questionnaire) -> None:
    # art. 5(1)(f): emotion recognition at the workplace, not for medical or safety reasons
    answers = staff_emotion_monitor()
    assert "prohibited_emotion_recognition" in fired(q, answers)
    assert "stop_prohibited" in obligation_ids(q, answers)
    safety = answers | {"emotion_medical_safety": "yes"}
    assert "prohibited" not in fired(q, safety)
    # still high-risk (Annex III points 1 and 4), used at work: art. 26(7)
    assert {"high_risk_duties", "inform_workers", "ai_transparency"} <= obligation_ids(q, safety)


def test_it_stops_social_scoring_from_the_facts(q: Questionnaire) -> None:
    # art. 5(1)(c): social behaviour from another context leading to unfavourable treatment
    answers = behaviour_priority_score()
    assert "prohibited_social_scoring" in fired(q, answers)
    assert engine.decision_support(q, answers).stopped
    assert levels(q, answers) == dict.fromkeys(levels(q, answers), "high")


def test_it_does_not_stop_a_fraud_check_on_objective_facts(q: Questionnaire) -> None:
    answers = fraud_check_on_facts()
    assert not {r for r in fired(q, answers) if r.startswith("prohibited")}
    assert {"high_risk_duties", "iama_required", "art22_check"} <= obligation_ids(q, answers)


def test_it_does_not_stop_debt_help_outreach_on_payment_arrears(q: Questionnaire) -> None:
    answers = debt_help() | {"profile_other_contexts": "yes"}
    assert "prohibited" not in fired(q, answers)


def test_it_stops_predicting_offences_from_a_profile_but_not_supporting_a_human_on_facts(
    q: Questionnaire,
) -> None:
    # art. 5(1)(d) and its exception for support of a human assessment on verifiable facts
    predicting = fraud_check_on_facts() | {
        "profiling_purpose": ["crime_prediction"],
        "profile_basis": ["personal_traits"],
    }
    assert "prohibited_crime_prediction" in fired(q, predicting)
    supporting = predicting | {"profile_basis": ["crime_facts"]}
    assert "prohibited" not in fired(q, supporting)
    automatic = supporting | {"automated_decision": "automatic_legal_effect"}
    assert "prohibited_crime_prediction" in fired(q, automatic)


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        (
            {"ai_capabilities": ["biometric_categorisation"], "biometric_traits": ["origin"]},
            "prohibited_biometric_categorisation",
        ),
        ({"ai_capabilities": ["face_scraping"]}, "prohibited_face_scraping"),
        (
            {
                "ai_capabilities": ["biometric_identification_realtime"],
                "ai_use_context": ["public_space"],
            },
            "prohibited_realtime_identification",
        ),
    ],
)
def test_it_stops_biometric_practices_from_the_facts(
    q: Questionnaire, changes: dict[str, Any], rule: str
) -> None:
    # art. 5(1)(g), (e), (h); these systems are AI systems by definition, whatever was ticked
    answers = traffic_dashboard() | {"ai_use_context": ["residents"]} | changes
    assert {rule, "prohibited", "ai_system"} <= fired(q, answers)
    assert "stop_prohibited" in obligation_ids(q, answers)


def test_it_allows_biometric_sorting_by_age_as_high_risk_not_prohibited(q: Questionnaire) -> None:
    answers = traffic_dashboard() | {
        "ai_capabilities": ["biometric_categorisation"],
        "ai_use_context": ["public_space"],
        "biometric_traits": ["age_gender"],
        "ai_annex_iii": ["none"],
    }
    assert "prohibited" not in fired(q, answers)
    assert {"high_risk_ai", "fria_applies", "ai_transparency_duty"} <= fired(q, answers)


def test_it_treats_a_self_learning_system_as_ai_when_the_lead_does_not_know(
    q: Questionnaire,
) -> None:
    # art. 3(1) and recital 12: machine learning is an AI system
    answers = debt_help() | {"is_ai_system": "unknown"}
    assert "ai_annex_iii" in {question.id for question in engine.visible_questions(q, answers)}
    assert {"high_risk_duties", "iama_required"} <= obligation_ids(q, answers)


def test_it_exempts_critical_infrastructure_from_the_fria_only(q: Questionnaire) -> None:
    # art. 27(1): no FRIA for Annex III point 2; the art. 26 duties remain
    answers = resident_chatbot() | {
        "system_kind": "self_learning",
        "ai_capabilities": ["none"],
        "ai_annex_iii": ["critical_infrastructure"],
    }
    ids = obligation_ids(q, answers)
    assert "high_risk_duties" in ids
    assert "iama_required" not in ids


def test_it_requires_a_lawful_ground_when_unclear_or_legitimate_interest(q: Questionnaire) -> None:
    base = resident_chatbot()
    assert "lawful_ground" in obligation_ids(q, base | {"gdpr_ground": "unclear"})
    legitimate = obligation_ids(q, base | {"gdpr_ground": "legitimate_interest"})
    assert "legitimate_interest_not_for_tasks" in legitimate
    assert not {"lawful_ground", "legitimate_interest_not_for_tasks"} & obligation_ids(q, base)


def test_it_raises_responsible_to_high_without_an_art_9_exception(q: Questionnaire) -> None:
    answers = children_health_matching() | {
        "special_data_exception": "none",
        "assessments_done": ["dpia"],
    }
    assert "special_no_exception" in fired(q, answers)
    assert "special_category_exception" in obligation_ids(q, answers)
    assert levels(q, answers)["responsible"] == "high"


def test_it_asks_for_the_art_10_basis_of_criminal_data(q: Questionnaire) -> None:
    answers = resident_chatbot() | {"criminal_data": "yes"}
    assert "criminal_data_basis" in obligation_ids(q, answers)
    assert "crit_sensitive" in fired(q, answers)


def test_it_needs_an_algorithm_with_real_influence_for_register_b(q: Questionnaire) -> None:
    # register guidance: significant effects on people AND the algorithm weighs significantly
    answers = fraud_check_on_facts() | {"ai_annex_iii": ["none"]}
    assert engine.decision_support(q, answers).register_category == "B"
    minor = answers | {"algorithm_influence": "minor"}
    assert engine.decision_support(q, minor).register_category == "C"


def test_it_leaves_the_demo_nothing_to_clarify(q: Questionnaire) -> None:
    severities = {o.severity.value for o in engine.obligations(q, debt_help())}
    assert "clarify" not in severities


def test_it_drops_every_step_towards_going_live_with_a_stop(q: Questionnaire) -> None:
    answers = staff_emotion_monitor()
    support = engine.decision_support(q, answers)
    assert support.stopped and support.register_category is None
    prepares = {o.id for o in q.obligations if o.prepares_deployment}
    assert not prepares & {o.id for o in support.obligations}


def test_it_asks_to_clarify_where_data_are_hosted_instead_of_assuming_the_eea(
    q: Questionnaire,
) -> None:
    answers = resident_chatbot() | {"hosting": "unknown"}
    found = engine.obligations(q, answers)
    assert "clarify" in {o.severity.value for o in found}
    assert "tia_required" not in {o.id for o in found}
