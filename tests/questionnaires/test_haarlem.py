"""The Haarlem data values questionnaire: the file itself, and what it concludes for realistic
example projects (obligations and levels per value)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from app import demo_data
from app.questionnaires import engine
from app.questionnaires.loader import load_file
from app.questionnaires.schema import Questionnaire, QuestionType

FILE = Path(__file__).resolve().parents[2] / "questionnaires" / "haarlem-datawaarden" / "v1.yaml"
COMMITMENTS = {
    *(f"T{i}" for i in range(1, 5)),
    *(f"W{i}" for i in range(1, 5)),
    *(f"B{i}" for i in range(1, 5)),
    *(f"V{i}" for i in range(1, 5)),
    "X1",
}
VALUES = ("transparent", "value_creating", "reliable", "responsible")


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_file(FILE).definition


def levels(q: Questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    result = engine.score(q, answers)
    return {v.value_id: v.level for v in result.values}


def obligation_ids(q: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [o.id for o in engine.obligations(q, answers)]


def assert_complete_and_valid(q: Questionnaire, answers: dict[str, Any]) -> None:
    assert engine.validate_answers(q, answers) == {}
    progress = engine.completeness(q, answers)
    assert progress.complete, progress.missing


# --- example projects ------------------------------------------------------------------------


def traffic_dashboard() -> dict[str, Any]:
    """A public dashboard of counts from the city's traffic loops and bicycle counters."""
    return {
        "plain_description": (
            "Een openbaar dashboard met het aantal fietsers en auto's per dag op de belangrijkste "
            "wegen, uit de tellussen van de gemeente. Er worden geen personen of kentekens "
            "geteld, alleen aantallen."
        ),
        "commissioning_client": "Afdeling Mobiliteit; eindverantwoordelijk: manager Mobiliteit",
        "phase": "development",
        "start_date": "2025-03-01",
        "contact_email": "mobiliteit@haarlem.nl",
        "theme": ["traffic_mobility"],
        "system_kind": "dashboard",
        "hosting": "internal",
        "personal_data": "none",
        "vulnerable_groups": "no",
        "minors": "no",
        "data_sources": [
            {
                "name": "Verkeerstellussen",
                "owner": "Mobiliteit",
                "personal_data": "no",
                "legal_basis": "public_task",
            },
            {"name": "Fietstelpalen", "owner": "Mobiliteit", "personal_data": "no"},
        ],
        "matching": "no",
        "systematic_monitoring": "no",
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "none",
        "blocks_service": "no",
        "is_ai_system": "no",
        "prohibited_practice": ["none"],
        "explainability": 5,
        "open_data_possible": "yes",
        "code_openness": "open_source",
        "source_code_url": "https://github.com/gemeente-haarlem/verkeersdashboard",
        "public_page_url": "https://www.haarlem.nl/verkeerstellingen",
        "honest_presentation": "yes",
        "problem_statement": "Inwoners en raad vragen vaak naar verkeersdrukte; die cijfers "
        "liggen nu verspreid in losse spreadsheets.",
        "goal": "Verkeerscijfers dagelijks openbaar; minder losse informatieverzoeken.",
        "success_criteria": "measurable",
        "public_values": ["liveability", "good_service"],
        "beneficiaries": "Inwoners, raadsleden, onderzoekers. Niemand draagt lasten.",
        "burden": "nobody",
        "evidence": "proven",
        "alternatives": "Handmatig rapporteren kost meer tijd en is minder actueel.",
        "alternatives_considered": "examined",
        "reuse": "both",
        "exit_plan": "yes",
        "source_data_description": "Tellingen per kwartier van lussen en telpalen sinds 2019.",
        "data_quality": "documented",
        "security_bio": "yes",
        "fallback": "yes",
        "legal_basis": "Gemeentewet art. 160 (beheer openbare ruimte); Wet open overheid.",
        "ciso_consulted": "yes",
        "fundamental_rights": ["none"],
        "weighing": "clearly",
        "residual_risks": "Storingen in tellussen geven gaten in de cijfers; die worden gemeld.",
        "dialogue": "consulted",
    }


def debt_help_with_measures() -> dict[str, Any]:
    """A model that ranks households by risk of problematic debt, so that social workers
    approach the highest-ranked households first with an offer of help (early warning), with its
    measures in place. On version 2 it is what `datawaarden demo` fills in (app/demo_data.py)."""
    return copy.deepcopy(demo_data.V1_ANSWERS)


def debt_help_ranking() -> dict[str, Any]:
    """The same model before any measure was taken."""
    return debt_help_with_measures() | {
        "bias_assessment": "unknown",
        "security_bio": "unknown",
        "privacy_by_design": ["none_yet"],
        "processor_agreement": "unknown",
        "monitoring": "unknown",
        "decision_data_recorded": "unknown",
        "dpo_consulted": "no",
        "ciso_consulted": "no",
        "human_review": "unknown",
    }


def resident_chatbot() -> dict[str, Any]:
    """A generative-AI chatbot on the website that answers residents' questions from the
    municipality's public information, run by a supplier on a US cloud."""
    return {
        "plain_description": (
            "Een chatbot op haarlem.nl beantwoordt vragen van inwoners met informatie van de "
            "website. Hij geeft geen persoonlijk advies en neemt geen besluiten. Gesprekken "
            "worden 30 dagen bewaard om de antwoorden te verbeteren."
        ),
        "commissioning_client": "Klantcontactcentrum; eindverantwoordelijk: directeur KCC",
        "phase": "idea",
        "contact_email": "kcc@haarlem.nl",
        "theme": ["services"],
        "system_kind": "generative_ai",
        "supplier": "ChatLeverancier B.V.",
        "hosting": "outside_eea",
        "personal_data": "ordinary",
        "people_count": 30000,
        "vulnerable_groups": "no",
        "minors": "no",
        "data_sources": [
            {"name": "Teksten haarlem.nl", "owner": "Communicatie", "personal_data": "no"},
            {"name": "Chatgesprekken", "owner": "KCC", "personal_data": "yes"},
        ],
        "matching": "no",
        "systematic_monitoring": "no",
        "ap_dpia_list": ["none"],
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "indirect",
        "blocks_service": "no",
        "is_ai_system": "yes",
        "ai_annex_iii": ["none"],
        "prohibited_practice": ["none"],
        "explainability": 2,
        "methods_and_models": "Een groot taalmodel van de leverancier zoekt eerst passende "
        "webteksten op en vat die samen (retrieval augmented generation).",
        "register_publication": "public_register",
        "ai_disclosure": "yes",
        "inform_people": "yes",
        "processing_register_url": "https://www.haarlem.nl/verwerkingsregister",
        "open_data_possible": "no",
        "not_open_reason": "De gesprekken bevatten persoonsgegevens.",
        "code_openness": "supplier_proprietary",
        "honest_presentation": "yes",
        "problem_statement": "Het KCC krijgt veel eenvoudige vragen die op de website staan.",
        "goal": "Sneller antwoord op eenvoudige vragen, 24 uur per dag.",
        "success_criteria": "qualitative",
        "public_values": ["good_service"],
        "beneficiaries": "Inwoners met eenvoudige vragen; het KCC heeft meer tijd voor "
        "ingewikkelde vragen.",
        "burden": "general_public",
        "evidence": "plausible",
        "alternatives": "Betere zoekfunctie op de website; wordt tegelijk verbeterd.",
        "alternatives_considered": "examined",
        "reuse": "reuses",
        "exit_plan": "yes",
        "source_data_description": "Openbare webteksten en de chatgesprekken zelf.",
        "data_quality": "documented",
        "bias_assessment": "yes",
        "accuracy": "Steekproef van 500 vragen: 92% juist; twijfel leidt naar een medewerker.",
        "testing": "planned",
        "error_impact": 2,
        "security_bio": "yes",
        "privacy_by_design": ["minimisation", "retention"],
        "processor_agreement": "yes",
        "monitoring": "yes",
        "fallback": "yes",
        "legal_basis": "Gemeentewet: dienstverlening aan inwoners.",
        "gdpr_ground": "public_task",
        "dpo_consulted": "yes",
        "ciso_consulted": "yes",
        "human_intervention": "Inwoners kunnen altijd doorschakelen naar een medewerker.",
        "fundamental_rights": ["privacy"],
        "rights_severity": 2,
        "weighing": "with_measures",
        "residual_risks": "Onjuiste antwoorden; doorgifte naar de VS.",
        "dialogue": "consulted",
    }


def youth_care_exchange() -> dict[str, Any]:
    """A data exchange with a youth care provider about minors in care, to coordinate help."""
    return {
        "plain_description": (
            "De gemeente en een jeugdzorgaanbieder wisselen gegevens uit over kinderen die "
            "jeugdhulp krijgen, zodat de hulp beter op elkaar aansluit en de gemeente de "
            "zorg kan betalen."
        ),
        "commissioning_client": "Team Jeugd; eindverantwoordelijk: wethouder Jeugd",
        "phase": "development",
        "start_date": "2025-06-01",
        "contact_email": "jeugd@haarlem.nl",
        "theme": ["youth_education", "care_health"],
        "system_kind": "analysis",
        "supplier": "Jeugdzorgaanbieder Kennemerland",
        "hosting": "eea_supplier",
        "personal_data": "special",
        "people_count": 1500,
        "vulnerable_groups": "yes",
        "minors": "yes",
        "data_sources": [
            {
                "name": "Jeugdhulpdossiers",
                "owner": "Jeugdzorgaanbieder",
                "personal_data": "yes",
                "legal_basis": "legal_obligation",
            },
            {
                "name": "Basisregistratie Personen",
                "owner": "Burgerzaken",
                "personal_data": "yes",
                "legal_basis": "public_task",
            },
        ],
        "matching": "yes",
        "systematic_monitoring": "no",
        "ap_dpia_list": ["health", "cooperation"],
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "significant",
        "blocks_service": "no",
        "is_ai_system": "no",
        "prohibited_practice": ["none"],
        "explainability": 4,
        "inform_people": "yes",
        "processing_register_url": "https://www.haarlem.nl/verwerkingsregister",
        "decision_data_recorded": "yes",
        "open_data_possible": "no",
        "not_open_reason": "Gezondheidsgegevens van kinderen.",
        "code_openness": "not_applicable",
        "honest_presentation": "yes",
        "problem_statement": "Hulp aan gezinnen sluit slecht aan door versnipperde informatie.",
        "goal": "Betere afstemming van jeugdhulp; minder dubbele intakes.",
        "success_criteria": "measurable",
        "public_values": ["wellbeing"],
        "beneficiaries": "Kinderen en gezinnen in de jeugdhulp.",
        "burden": "vulnerable_group",
        "human_measure": 5,
        "evidence": "plausible",
        "alternatives": "Alleen geaggregeerde gegevens delen; onvoldoende voor afstemming.",
        "alternatives_considered": "examined",
        "reuse": "reuses",
        "exit_plan": "yes",
        "source_data_description": "Dossiers van de aanbieder en de BRP.",
        "data_quality": "documented",
        "error_impact": 3,
        "security_bio": "yes",
        "privacy_by_design": ["minimisation", "pseudonymisation"],
        "processor_agreement": "yes",
        "fallback": "yes",
        "legal_basis": "Jeugdwet art. 7.4.0 en 7.4.4.",
        "gdpr_ground": "legal_obligation",
        "dpo_consulted": "yes",
        "ciso_consulted": "yes",
        "human_review": "yes",
        "fundamental_rights": ["privacy", "childrens_rights"],
        "rights_severity": 3,
        "vulnerable_impact": "Alleen wat nodig is voor de hulp wordt gedeeld.",
        "weighing": "with_measures",
        "legal_protection": "yes",
        "residual_risks": "Te ruim delen door medewerkers; wordt gelogd en gecontroleerd.",
        "dialogue": "consulted",
    }


def energy_transition_analysis() -> dict[str, Any]:
    """An analysis of building data (construction year, energy label) in one district, to plan
    the switch from natural gas; results are published per neighbourhood."""
    return {
        "plain_description": (
            "Een analyse van bouwjaar, woningtype en energielabel van de woningen in één wijk, "
            "om te bepalen welke buurten als eerste van het aardgas af kunnen. De uitkomsten "
            "worden per buurt gepubliceerd."
        ),
        "commissioning_client": "Programma Aardgasvrij; eindverantwoordelijk: programmamanager",
        "phase": "development",
        "start_date": "2025-02-01",
        "end_date": "2025-12-31",
        "contact_email": "aardgasvrij@haarlem.nl",
        "theme": ["energy_climate", "housing"],
        "system_kind": "analysis",
        "hosting": "internal",
        "personal_data": "ordinary",
        "people_count": 8000,
        "vulnerable_groups": "no",
        "minors": "no",
        "data_sources": [
            {"name": "BAG", "owner": "Kadaster", "personal_data": "no", "legal_basis": "open_data"},
            {
                "name": "Energielabels",
                "owner": "RVO",
                "personal_data": "yes",
                "legal_basis": "open_data",
            },
        ],
        "matching": "yes",
        "systematic_monitoring": "no",
        "ap_dpia_list": ["none"],
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "indirect",
        "blocks_service": "no",
        "is_ai_system": "no",
        "prohibited_practice": ["none"],
        "explainability": 5,
        "inform_people": "yes",
        "open_data_possible": "yes",
        "code_openness": "open_source",
        "honest_presentation": "yes",
        "problem_statement": "Haarlem wil in 2040 aardgasvrij zijn en moet kiezen waar te "
        "beginnen.",
        "goal": "Een onderbouwde volgorde van buurten voor de warmtetransitie.",
        "success_criteria": "measurable",
        "public_values": ["sustainability"],
        "beneficiaries": "Bewoners en de raad: een transparante planning.",
        "burden": "general_public",
        "evidence": "proven",
        "alternatives": "Werken met buurtgemiddelden uit CBS-cijfers; te grof.",
        "alternatives_considered": "examined",
        "reuse": "both",
        "exit_plan": "yes",
        "source_data_description": "BAG en energielabels per adres, peildatum 1 januari 2025.",
        "data_quality": "documented",
        "error_impact": 2,
        "security_bio": "yes",
        "privacy_by_design": ["aggregation", "minimisation"],
        "fallback": "yes",
        "legal_basis": "Omgevingswet; Transitievisie Warmte.",
        "gdpr_ground": "public_task",
        "dpo_consulted": "yes",
        "ciso_consulted": "yes",
        "fundamental_rights": ["none"],
        "weighing": "clearly",
        "residual_risks": "Herleidbaarheid in kleine buurten; cijfers onder 10 woningen "
        "worden niet gepubliceerd.",
        "dialogue": "co_designed",
    }


def crowd_counting() -> dict[str, Any]:
    """Cameras with a vision model that count people on busy squares, for crowd management."""
    return {
        "plain_description": (
            "Camera's op de Grote Markt en bij het station tellen met beeldherkenning hoeveel "
            "mensen er zijn. Bij grote drukte krijgen handhavers een melding. Beelden worden "
            "direct na het tellen verwijderd."
        ),
        "commissioning_client": "Openbare Orde en Veiligheid; eindverantwoordelijk: burgemeester",
        "phase": "development",
        "start_date": "2025-04-01",
        "contact_email": "oov@haarlem.nl",
        "theme": ["safety_enforcement", "public_space"],
        "system_kind": "self_learning",
        "supplier": "Telcamera B.V.",
        "hosting": "eea_supplier",
        "personal_data": "ordinary",
        "people_count": 250000,
        "vulnerable_groups": "no",
        "minors": "unknown",
        "data_sources": [
            {"name": "Camerabeelden", "owner": "OOV", "personal_data": "yes"},
        ],
        "matching": "no",
        "systematic_monitoring": "yes",
        "ap_dpia_list": ["camera"],
        "profiling": "no",
        "automated_decision": "none",
        "effect_on_people": "indirect",
        "blocks_service": "no",
        "is_ai_system": "yes",
        "ai_annex_iii": ["none"],
        "prohibited_practice": ["none"],
        "explainability": 3,
        "methods_and_models": "Een objectdetectiemodel telt personen per beeld; geen "
        "herkenning of volgen van personen.",
        "register_publication": "public_register",
        "ai_disclosure": "yes",
        "inform_people": "yes",
        "open_data_possible": "yes",
        "code_openness": "supplier_proprietary",
        "honest_presentation": "yes",
        "problem_statement": "Bij evenementen ontstaan gevaarlijke drukte op pleinen.",
        "goal": "Tijdig ingrijpen bij drukte; geen incidenten door verdrukking.",
        "success_criteria": "measurable",
        "public_values": ["safety"],
        "beneficiaries": "Bezoekers van de binnenstad.",
        "burden": "general_public",
        "evidence": "plausible",
        "alternatives": "Tellingen door handhavers ter plekke; te traag en onvolledig.",
        "alternatives_considered": "examined",
        "reuse": "shares",
        "exit_plan": "yes",
        "source_data_description": "Live camerabeelden, niet opgeslagen.",
        "data_quality": "documented",
        "bias_assessment": "yes",
        "accuracy": "Telfout onder 10% bij dagslicht.",
        "testing": "independent",
        "error_impact": 2,
        "security_bio": "yes",
        "privacy_by_design": ["minimisation", "aggregation", "retention"],
        "processor_agreement": "yes",
        "monitoring": "yes",
        "fallback": "yes",
        "legal_basis": "Gemeentewet art. 172 en 151c.",
        "gdpr_ground": "public_task",
        "dpo_consulted": "yes",
        "ciso_consulted": "yes",
        "human_intervention": "Handhavers beoordelen een drukte-melding ter plekke.",
        "fundamental_rights": ["privacy", "expression_assembly"],
        "rights_severity": 2,
        "weighing": "with_measures",
        "residual_risks": "Gevoel van bekeken worden; functieverschuiving naar opsporing.",
        "dialogue": "informed_only",
    }


def social_scoring() -> dict[str, Any]:
    """A score of residents' 'civic behaviour' that decides who gets priority for services."""
    return crowd_counting() | {
        "plain_description": "Een score van het gedrag van inwoners (meldingen, boetes, "
        "klachten) bepaalt wie voorrang krijgt bij gemeentelijke diensten.",
        "system_kind": "self_learning",
        "personal_data": "bsn",
        "people_count": 100000,
        "systematic_monitoring": "no",
        "ap_dpia_list": ["profiling", "blacklists"],
        "profiling": "yes",
        "automated_decision": "automatic_legal_effect",
        "effect_on_people": "legal_effect",
        "blocks_service": "yes",
        "prohibited_practice": ["social_scoring"],
        "human_review": "no",
        "decision_data_recorded": "no",
        "legal_protection": "no",
        "human_measure": 1,
        "open_data_possible": "no",
        "not_open_reason": "Persoonsgegevens.",
    }


# --- the file ------------------------------------------------------------------------------


def test_it_validates_without_problems(q: Questionnaire) -> None:
    assert q.key == "haarlem-datawaarden"
    assert q.version == 1
    assert [v.id for v in q.values] == list(VALUES)


def test_it_has_exactly_the_seventeen_commitments_of_the_strategy(q: Questionnaire) -> None:
    assert {p.id for p in q.principles} == COMMITMENTS
    assert len(q.principles) == 17
    assert {p.id: p.value for p in q.principles}["X1"] == "responsible"


def test_it_serves_every_commitment_with_at_least_one_question(q: Questionnaire) -> None:
    served = {b for question in q.questions() for b in question.basis}
    assert served == COMMITMENTS
    assert all(question.basis for question in q.questions())


def test_it_has_a_profile_and_a_section_per_value(q: Questionnaire) -> None:
    assert [s.id for s in q.sections] == ["profile", *VALUES]
    assert q.sections[0].value is None
    assert [s.value for s in q.sections[1:]] == list(VALUES)


def test_it_asks_at_least_forty_questions_of_every_type(q: Questionnaire) -> None:
    questions = q.questions()
    assert len(questions) >= 40
    assert {question.type for question in questions} == set(QuestionType)


def test_it_explains_every_question_in_both_languages(q: Questionnaire) -> None:
    for question in q.questions():
        assert question.help.nl and question.help.en, question.id
        assert question.label.nl and question.label.en, question.id


def test_it_marks_at_least_six_measures_that_lower_risk(q: Questionnaire) -> None:
    measures = [question for question in q.questions() if question.measure]
    assert len(measures) >= 6
    for question in measures:
        table = question.option_mitigation or {
            o.id: o.mitigation for o in question.options or [] if o.mitigation
        }
        assert table, question.id


def test_it_keeps_the_profile_ids_that_other_code_relies_on(q: Questionnaire) -> None:
    by_id = engine.question_by_id(q)
    expected = {
        "plain_description": ("long_text", "description_short"),
        "phase": ("single_choice", "status"),
        "start_date": ("date", "begin_date"),
        "end_date": ("date", "end_date"),
        "contact_email": ("short_text", "contact_email"),
        "theme": ("multi_choice", "category"),
        "system_kind": ("single_choice", None),
        "supplier": ("short_text", "provider"),
        "hosting": ("single_choice", None),
        "personal_data": ("single_choice", None),
        "people_count": ("number", None),
        "vulnerable_groups": ("yes_no_unknown", None),
        "minors": ("yes_no_unknown", None),
        "data_sources": ("table", None),
        "matching": ("yes_no_unknown", None),
        "systematic_monitoring": ("yes_no_unknown", None),
        "profiling": ("yes_no_unknown", None),
        "automated_decision": ("single_choice", None),
        "effect_on_people": ("single_choice", None),
        "is_ai_system": ("yes_no_unknown", None),
        "ai_annex_iii": ("multi_choice", None),
        "prohibited_practice": ("multi_choice", None),
    }
    profile = {question.id for question in q.sections[0].questions}
    for qid, (kind, field) in expected.items():
        assert qid in profile, qid
        assert by_id[qid].type.value == kind, qid
        assert by_id[qid].register_field == field, qid
    options = {qid: [o.id for o in by_id[qid].options or []] for qid in by_id}
    assert options["phase"] == ["idea", "development", "in_use", "retired"]
    assert options["system_kind"] == [
        "analysis",
        "dashboard",
        "rule_based",
        "self_learning",
        "generative_ai",
    ]
    assert options["hosting"] == ["internal", "eea_supplier", "outside_eea", "unknown"]
    assert options["personal_data"] == ["none", "ordinary", "special", "bsn"]
    assert options["automated_decision"] == ["none", "supports_human", "automatic_legal_effect"]
    assert options["effect_on_people"] == ["none", "indirect", "significant", "legal_effect"]
    assert "benefits_services" in options["ai_annex_iii"]
    assert "social_scoring" in options["prohibited_practice"]
    table = by_id["data_sources"].columns or []
    assert [c.id for c in table] == ["name", "owner", "personal_data", "legal_basis"]
    assert [c.type.value for c in table] == [
        "short_text",
        "short_text",
        "yes_no_unknown",
        "single_choice",
    ]
    assert by_id["people_count"].integer
    assert (by_id["people_count"].min, by_id["people_count"].max) == (0, 10_000_000)


def test_it_fills_the_algorithm_register_fields(q: Questionnaire) -> None:
    fields = {question.register_field: question.id for question in q.questions()}
    assert fields["goal"] == "goal"
    assert fields["proportionality"] == "alternatives"
    assert fields["lawful_basis"] == "legal_basis"
    assert fields["human_intervention"] == "human_intervention"
    assert fields["risks"] == "residual_risks"
    assert fields["impacttoetsen"] == "impact_assessments"
    assert fields["methods_and_models"] == "methods_and_models"
    assert fields["source_data"] == "source_data_description"
    assert fields["publiccode"] == "source_code_url"
    assert fields["website"] == "public_page_url"
    assert fields["process_index_url"] == "processing_register_url"


def test_it_defines_the_rules_and_obligations_other_code_relies_on(q: Questionnaire) -> None:
    rules = {r.id for r in q.rules}
    assert {
        "personal_data",
        "special_data",
        "uses_algorithm",
        "large_scale",
        "crit_scoring",
        "crit_automated_legal",
        "crit_monitoring",
        "crit_sensitive",
        "crit_large_scale",
        "crit_matching",
        "crit_vulnerable",
        "crit_innovative",
        "crit_blocks_right",
        "prohibited",
        "high_risk_ai",
        "impactful_algorithm",
        "outside_eea",
        "aimed_at_minors",
        "openable",
    } <= rules
    severity = {o.id: (o.severity.value, o.register_category) for o in q.obligations}
    assert severity == {
        "stop_prohibited": ("stop", None),
        "dpia_required": ("required", None),
        "dpia_recommended": ("recommended", None),
        "art22_check": ("required", None),
        "iama_required": ("required", "A"),
        "register_b": ("required", "B"),
        "register_c": ("advice", "C"),
        "tia_required": ("required", None),
        "children_rights": ("recommended", None),
        "open_data": ("advice", None),
        "consult_dpo": ("required", None),
    }
    by_id = {o.id: o for o in q.obligations}
    assert "dpia_recommended" in by_id["dpia_required"].overrides
    assert "register_c" in by_id["register_b"].overrides
    assert by_id["dpia_required"].legal_basis == "AVG art. 35"
    prohibited = next(r for r in q.rules if r.id == "prohibited")
    assert [(f.value, f.level) for f in prohibited.level_floor] == [("all", "high")]


# --- example projects: obligations and levels -----------------------------------------------


EXAMPLES = {
    "traffic_dashboard": traffic_dashboard,
    "debt_help_ranking": debt_help_ranking,
    "resident_chatbot": resident_chatbot,
    "youth_care_exchange": youth_care_exchange,
    "energy_transition_analysis": energy_transition_analysis,
    "crowd_counting": crowd_counting,
    "social_scoring": social_scoring,
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_it_accepts_every_example_as_complete_and_valid(q: Questionnaire, name: str) -> None:
    assert_complete_and_valid(q, EXAMPLES[name]())


def test_it_asks_an_open_traffic_dashboard_only_to_publish_open_data(q: Questionnaire) -> None:
    answers = traffic_dashboard()
    assert obligation_ids(q, answers) == ["open_data"]
    assert levels(q, answers) == dict.fromkeys(VALUES, "low")
    result = engine.decision_support(q, answers)
    assert result.score.overall == "low"
    assert result.register_category is None
    assert not result.stopped


def test_it_treats_a_debt_help_ranking_model_as_high_risk_ai(q: Questionnaire) -> None:
    answers = debt_help_ranking()
    assert set(obligation_ids(q, answers)) == {
        "dpia_required",
        "art22_check",
        "iama_required",
        "consult_dpo",
    }
    result = engine.decision_support(q, answers)
    assert result.register_category == "A"
    assert result.rules["high_risk_ai"]
    assert result.rules["large_scale"]
    assert levels(q, answers)["responsible"] == "high"
    assert levels(q, answers)["reliable"] == "high"
    assert result.score.overall == "high"


def test_it_asks_for_register_b_when_the_debt_model_is_not_annex_iii(q: Questionnaire) -> None:
    answers = debt_help_ranking() | {"ai_annex_iii": ["none"]}
    ids = obligation_ids(q, answers)
    assert set(ids) == {"dpia_required", "art22_check", "register_b", "consult_dpo"}
    assert engine.decision_support(q, answers).register_category == "B"


def test_it_lowers_the_debt_models_risk_when_measures_are_taken(q: Questionnaire) -> None:
    before = engine.score(q, debt_help_ranking())
    after = engine.score(q, debt_help_with_measures())
    for value in ("responsible", "reliable"):
        scored = after.for_value(value)
        assert scored.residual < scored.inherent, value
        assert scored.inherent == before.for_value(value).inherent, value
        assert scored.measures, value
    assert after.for_value("reliable").level == "medium"
    # a high-risk AI system stays high on responsible, however many measures
    assert after.for_value("responsible").level == "high"
    assert [f.rule_id for f in after.for_value("responsible").floors] == [
        "special_data",
        "high_risk_ai",
        "impactful_algorithm",
    ]


def test_it_sends_a_chatbot_on_a_us_cloud_to_a_transfer_assessment(q: Questionnaire) -> None:
    answers = resident_chatbot()
    assert set(obligation_ids(q, answers)) == {
        "dpia_required",
        "tia_required",
        "consult_dpo",
        "register_c",
    }
    result = engine.decision_support(q, answers)
    assert result.register_category == "C"
    assert levels(q, answers) == {
        "transparent": "medium",
        "value_creating": "low",
        "reliable": "medium",
        "responsible": "low",
    }


def test_it_needs_no_transfer_assessment_for_a_chatbot_without_personal_data(
    q: Questionnaire,
) -> None:
    answers = resident_chatbot() | {"personal_data": "none", "open_data_possible": "no"}
    assert set(obligation_ids(q, answers)) == {"register_c", "open_data"}


def test_it_protects_minors_in_a_youth_care_data_exchange(q: Questionnaire) -> None:
    answers = youth_care_exchange()
    assert set(obligation_ids(q, answers)) == {
        "dpia_required",
        "children_rights",
        "consult_dpo",
    }
    assert levels(q, answers) == {
        "transparent": "low",
        "value_creating": "low",
        "reliable": "low",
        "responsible": "medium",
    }


def test_it_recommends_a_dpia_for_an_energy_analysis_on_building_data(q: Questionnaire) -> None:
    answers = energy_transition_analysis()
    assert set(obligation_ids(q, answers)) == {"dpia_recommended", "consult_dpo", "open_data"}
    assert levels(q, answers) == dict.fromkeys(VALUES, "low")


def test_it_requires_a_dpia_for_camera_crowd_counting(q: Questionnaire) -> None:
    answers = crowd_counting()
    assert set(obligation_ids(q, answers)) == {
        "dpia_required",
        "consult_dpo",
        "register_c",
        "open_data",
    }
    result = engine.decision_support(q, answers)
    assert result.rules["crit_monitoring"]
    assert result.rules["ap_list"]
    assert levels(q, answers)["responsible"] == "medium"


def test_it_requires_a_dpia_for_two_criteria_even_off_the_dpa_list(q: Questionnaire) -> None:
    answers = crowd_counting() | {"ap_dpia_list": ["none"]}
    ids = obligation_ids(q, answers)
    assert "dpia_required" in ids
    assert "dpia_recommended" not in ids
    one_criterion = energy_transition_analysis() | {"matching": "no", "people_count": 20000}
    assert "dpia_recommended" in obligation_ids(q, one_criterion)
    no_criterion = energy_transition_analysis() | {"matching": "no"}
    assert not {"dpia_required", "dpia_recommended"} & set(obligation_ids(q, no_criterion))


def test_it_stops_a_social_scoring_system(q: Questionnaire) -> None:
    answers = social_scoring()
    ids = obligation_ids(q, answers)
    assert ids[0] == "stop_prohibited"
    assert set(ids) == {
        "stop_prohibited",
        "dpia_required",
        "art22_check",
        "register_b",
        "consult_dpo",
    }
    result = engine.decision_support(q, answers)
    assert result.stopped
    assert result.score.overall == "high"
    assert levels(q, answers) == dict.fromkeys(VALUES, "high")


def test_it_ignores_answers_to_hidden_questions(q: Questionnaire) -> None:
    answers = traffic_dashboard()
    with_hidden = answers | {
        "people_count": 5_000_000,  # hidden: no personal data
        "ap_dpia_list": ["camera", "profiling"],  # hidden: no personal data
        "ai_annex_iii": ["benefits_services"],  # hidden: not an AI system
        "human_review": "no",  # hidden: no effect on people
    }
    plain = engine.decision_support(q, answers)
    hidden = engine.decision_support(q, with_hidden)
    assert hidden.hidden == {"people_count", "ap_dpia_list", "ai_annex_iii", "human_review"}
    assert [o.id for o in hidden.obligations] == [o.id for o in plain.obligations]
    assert hidden.score == plain.score
    assert hidden.rules == plain.rules
    assert hidden.completeness.complete


def test_it_asks_follow_up_questions_only_when_they_apply(q: Questionnaire) -> None:
    dashboard = {question.id for question in engine.visible_questions(q, traffic_dashboard())}
    debt = {question.id for question in engine.visible_questions(q, debt_help_ranking())}
    follow_ups = {
        "people_count",
        "ap_dpia_list",
        "ai_annex_iii",
        "methods_and_models",
        "bias_assessment",
        "human_intervention",
        "human_review",
        "dpo_consulted",
        "legal_protection",
    }
    assert not follow_ups & dashboard
    assert follow_ups <= debt
    assert len(dashboard) < len(debt)


# --- each obligation's triggers, one at a time --------------------------------------------------
# Every other example meets several triggers at once, so dropping one trigger from a rule
# would go unnoticed. Here each example starts from the traffic dashboard (personal data
# only where the trigger needs them) and adds exactly one trigger.


def with_personal_data(**changes: Any) -> dict[str, Any]:
    answers = traffic_dashboard()
    answers.update(personal_data="ordinary", people_count=500, ap_dpia_list=["none"])
    answers.update(changes)
    return answers


ISOLATED = [
    # (obligation, answers with one trigger, the obligation it must not be confused with)
    ("dpia_required", lambda: with_personal_data(ap_dpia_list=["camera"]), None),
    ("dpia_recommended", lambda: with_personal_data(matching="yes"), "dpia_required"),
    (
        "dpia_required",
        lambda: with_personal_data(matching="yes", systematic_monitoring="yes"),
        "dpia_recommended",
    ),
    ("art22_check", lambda: with_personal_data(profiling="yes"), None),
]


@pytest.mark.parametrize(("obligation", "answers", "not_also"), ISOLATED)
def test_it_raises_each_obligation_from_a_single_trigger(
    q: Questionnaire, obligation: str, answers: Any, not_also: str | None
) -> None:
    found = obligation_ids(q, answers())
    assert obligation in found, found
    if not_also:
        assert not_also not in found


def test_it_requires_a_dpia_for_a_processing_on_the_dpa_list_without_any_criterion(
    q: Questionnaire,
) -> None:
    from app.questionnaires import engine

    answers = with_personal_data(ap_dpia_list=["location"])
    fired = {r for r, on in engine.decision_support(q, answers).rules.items() if on}
    assert "ap_list" in fired
    assert not {r for r in fired if r.startswith("crit_")}, fired
    assert "dpia_required" in obligation_ids(q, answers)
    assert "dpia_required" not in obligation_ids(q, with_personal_data())
