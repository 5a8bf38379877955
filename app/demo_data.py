"""A realistic example for training and trying the product: a model that ranks households for
debt-help outreach, answered in full (an algorithm, so every export applies to it).

`ANSWERS` fits the newest Haarlem questionnaire (version 2), which `datawaarden demo` uses;
`V1_ANSWERS` is the same project answered on version 1, for the tests of that version."""

from typing import Any

TITLE = "Vroegsignalering schulden: rangschikking van huishoudens"
DEPARTMENT = "Sociaal Domein"
DESCRIPTION = (
    "Een model dat signalen van betalingsachterstanden combineert om huishoudens te vinden die "
    "baat hebben bij een vroeg aanbod van schuldhulp."
)

V1_ANSWERS: dict[str, Any] = {
    "plain_description": "Een voorspelmodel zet huishoudens met betalingsachterstanden (huur, "
    "energie, water, zorgverzekering) op volgorde van risico op "
    "problematische schulden. Schuldhulpverleners benaderen de huishoudens "
    "bovenaan de lijst met een aanbod.",
    "commissioning_client": "Sociaal Domein, team Schuldhulp; wethouder Armoedebeleid",
    "phase": "development",
    "start_date": "2025-09-01",
    "end_date": "2027-12-31",
    "contact_email": "schuldhulp@haarlem.nl",
    "theme": ["social_security", "care_health"],
    "system_kind": "self_learning",
    "supplier": "Eigen datateam",
    "hosting": "internal",
    "personal_data": "special",
    "people_count": 60000,
    "vulnerable_groups": "yes",
    "minors": "no",
    "data_sources": [
        {
            "name": "Signalen betalingsachterstanden vroegsignalering",
            "owner": "Woningcorporaties, energie- en waterbedrijven, zorgverzekeraars",
            "personal_data": "yes",
            "legal_basis": "legal_obligation",
        },
        {
            "name": "Zorg- en schulddossiers Sociaal Domein",
            "owner": "Sociaal Domein",
            "personal_data": "yes",
            "legal_basis": "public_task",
        },
    ],
    "matching": "yes",
    "systematic_monitoring": "no",
    "ap_dpia_list": ["financial_situation", "cooperation", "profiling"],
    "profiling": "yes",
    "automated_decision": "supports_human",
    "effect_on_people": "significant",
    "blocks_service": "no",
    "is_ai_system": "yes",
    "ai_annex_iii": ["benefits_services"],
    "prohibited_practice": ["none"],
    "explainability": 2,
    "methods_and_models": "Gradient boosting op 40 kenmerken over achterstanden en eerdere "
    "hulpvragen; zelflerend, maandelijks opnieuw getraind.",
    "register_publication": "public_register",
    "ai_disclosure": "unknown",
    "inform_people": "unknown",
    "decision_data_recorded": "yes",
    "open_data_possible": "no",
    "not_open_reason": "Bijzondere persoonsgegevens van kwetsbare huishoudens.",
    "code_openness": "municipality_closed",
    "honest_presentation": "unknown",
    "problem_statement": "Veel huishoudens zoeken pas hulp als schulden onoplosbaar zijn.",
    "goal": "Eerder hulp aanbieden; 20% minder problematische schulden in 3 jaar.",
    "success_criteria": "measurable",
    "public_values": ["wellbeing", "equal_opportunity"],
    "beneficiaries": "Huishoudens die eerder hulp krijgen; de lasten (ongevraagd benaderd worden) "
    "liggen bij dezelfde kwetsbare huishoudens.",
    "burden": "vulnerable_group",
    "human_measure": 3,
    "evidence": "untested",
    "alternatives": "Alle signalen op volgorde van binnenkomst oppakken; kan niet met de huidige "
    "bezetting. Een eenvoudige regel is overwogen.",
    "alternatives_considered": "partly",
    "reuse": "reuses",
    "exit_plan": "unknown",
    "source_data_description": "Vroegsignalen sinds 2021 en dossiers van het Sociaal Domein.",
    "data_quality": "informal",
    "bias_assessment": "yes",
    "accuracy": "Nog niet bekend; onterechte treffers betekenen ongevraagd contact.",
    "testing": "internal",
    "error_impact": 4,
    "security_bio": "yes",
    "privacy_by_design": ["minimisation", "pseudonymisation", "retention"],
    "processor_agreement": "yes",
    "monitoring": "yes",
    "fallback": "yes",
    "legal_basis": "Wet gemeentelijke schuldhulpverlening art. 3 en 8a.",
    "gdpr_ground": "public_task",
    "dpo_consulted": "yes",
    "ciso_consulted": "yes",
    "human_intervention": "De schuldhulpverlener beslist of en hoe een huishouden wordt benaderd.",
    "human_review": "yes",
    "fundamental_rights": ["privacy", "equal_treatment", "social_rights"],
    "rights_severity": 4,
    "vulnerable_impact": "Risico op stigma en wantrouwen bij ongevraagd contact.",
    "weighing": "with_measures",
    "legal_protection": "unknown",
    "residual_risks": "Bias naar wijk of afkomst; ongevraagd contact voelt als controle.",
    "dialogue": "informed_only",
    "ethical_dilemmas": "Mag de gemeente ongevraagd aanbellen op basis van een score?",
}

# Version 2 asks more facts (criminal data, the art. 9(2) exception, what the profile rests on and
# is used for, what the AI system does and where, how much the ranking weighs, the assessments
# done). None of its answers is "don't know" on a question that would then need clarifying, and
# by now the households are told about the model (privacy statement and the offer letter).
ANSWERS: dict[str, Any] = V1_ANSWERS | {
    "criminal_data": "no",
    "profile_basis": ["objective_facts"],
    "profile_other_contexts": "no",
    "profiling_purpose": ["offer_help"],
    "ai_capabilities": ["none"],
    "ai_use_context": ["residents"],
    "algorithm_influence": "significant",
    "special_data_exception": "substantial_public_interest",
    "assessments_done": ["dpia"],
    "dpia_url": "https://www.haarlem.nl/privacy/dpia-vroegsignalering-schulden",
    "ai_disclosure": "yes",
    "inform_people": "yes",
    "impact_assessments": "DPIA afgerond in 2025 met de FG; de IAMA volgt vóór ingebruikname.",
    "legal_basis": "Wet gemeentelijke schuldhulpverlening art. 3 en 8a: "
    "https://wetten.overheid.nl/BWBR0031343",
    "data_sources": [
        V1_ANSWERS["data_sources"][0]
        | {"link": "https://www.haarlem.nl/vroegsignalering-schulden/gegevens"},
        V1_ANSWERS["data_sources"][1],
    ],
}
