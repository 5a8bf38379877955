"""Example municipal projects for version 2 of the Haarlem questionnaire (issue 20), written for
the table-driven test in test_v2_examples.py and the properties in test_v2_properties.py.

Each project states its FACTS first (a short description), then answers the questionnaire
honestly from those facts, then what the law says must follow: the obligations (clarify ones
included), the algorithm register category, the overall level, and one line of legal reasoning.
The expectations were written from the law before the engine was run; where the engine disagreed
and the questionnaire is at fault, the project carries `v2_defect` (what v2.yaml must change) and
the test marks it as an expected failure.

How the answers are built: `NOTHING` is the set of profile facts of a project that has nothing
to declare (no personal data, no algorithm, nothing about people); every project overrides the
facts that differ. `GOOD_PRACTICE` holds the answers to process and measure questions (DPO
consulted, security in order, ...) that a careful team gives; they are used only for questions
that the project's facts make visible and that the project does not answer itself. Free-text
questions get a plain sentence: texts decide no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.questionnaires import engine
from app.questionnaires.schema import Questionnaire, QuestionType

# The facts of a project with nothing to declare; each project overrides what differs.
NOTHING: dict[str, Any] = {
    "phase": "development",
    "theme": ["services"],
    "system_kind": "dashboard",
    "hosting": "internal",
    "personal_data": "none",
    "vulnerable_groups": "no",
    "minors": "no",
    "data_sources": [{"name": "Eigen registratie", "owner": "Gemeente Haarlem"}],
    "matching": "no",
    "systematic_monitoring": "no",
    "profiling": "no",
    "automated_decision": "none",
    "effect_on_people": "none",
    "blocks_service": "no",
    "is_ai_system": "no",
    "ai_capabilities": ["none"],
    "prohibited_practice": ["none"],
    "open_data_possible": "yes",
    "code_openness": "municipality_closed",
    "fundamental_rights": ["none"],
    "assessments_done": ["none"],
}

# Answers of a careful team to process and measure questions, used only where visible and not
# answered by the project itself.
GOOD_PRACTICE: dict[str, Any] = {
    "explainability": 4,
    "register_publication": "public_register",
    "ai_disclosure": "yes",
    "inform_people": "yes",
    "decision_data_recorded": "yes",
    "honest_presentation": "yes",
    "success_criteria": "measurable",
    "public_values": ["good_service"],
    "burden": "general_public",
    "human_measure": 4,
    "evidence": "plausible",
    "alternatives_considered": "examined",
    "reuse": "reuses",
    "exit_plan": "yes",
    "data_quality": "documented",
    "bias_assessment": "yes",
    "testing": "internal",
    "error_impact": 3,
    "security_bio": "yes",
    "privacy_by_design": ["minimisation", "retention"],
    "processor_agreement": "yes",
    "monitoring": "yes",
    "fallback": "yes",
    "dpo_consulted": "yes",
    "ciso_consulted": "yes",
    "human_review": "yes",
    "rights_severity": 3,
    "weighing": "with_measures",
    "legal_protection": "yes",
    "dialogue": "consulted",
}

TEXT_TYPES = (QuestionType.short_text, QuestionType.long_text)


@dataclass(frozen=True)
class Project:
    name: str
    facts: str  # what the project is, in a few sentences (Dutch, as a lead would write it)
    answers: dict[str, Any]  # the project's own answers, over NOTHING
    obligations: frozenset[str]
    register: str | None
    overall: str
    reasoning: str  # one line of law behind the expectation
    v2_defect: str | None = None  # what v2.yaml must change for the expectation to hold


def build(q: Questionnaire, project: Project) -> dict[str, Any]:
    """The complete answer set of a project: its facts over NOTHING, then good practice and a
    plain sentence for every visible question it leaves open."""
    answers: dict[str, Any] = {**NOTHING, **project.answers}
    answers.setdefault("plain_description", project.facts)
    answers.setdefault("commissioning_client", "Opdrachtgever: directeur; eindverantwoordelijk")
    answers.setdefault("contact_email", "datawaarden@haarlem.nl")
    # Visibility only depends on earlier questions; two passes settle what filling in reveals.
    for _ in range(3):
        for question in engine.visible_questions(q, answers):
            if question.id in answers or not question.required:
                continue
            if question.id in GOOD_PRACTICE:
                answers[question.id] = GOOD_PRACTICE[question.id]
            elif question.type in TEXT_TYPES:
                answers[question.id] = f"Zie de projectbeschrijving ({project.name})."
    return answers


def p(
    name: str,
    facts: str,
    answers: dict[str, Any],
    obligations: set[str],
    register: str | None,
    overall: str,
    reasoning: str,
    v2_defect: str | None = None,
) -> Project:
    return Project(
        name, facts, answers, frozenset(obligations), register, overall, reasoning, v2_defect
    )


# Profile facts that recur: personal data used for a public task with its usual answers.
def personal(
    kind: str, people: int, *, criminal: str = "no", dpa_list: list[str] | None = None
) -> dict[str, Any]:
    return {
        "personal_data": kind,
        "people_count": people,
        "criminal_data": criminal,
        "ap_dpia_list": dpa_list or ["none"],
        "gdpr_ground": "public_task",
        "open_data_possible": "no",
        "fundamental_rights": ["privacy"],
    }


PROJECTS: list[Project] = [
    # --- no personal data ------------------------------------------------------------------
    p(
        "air_quality_sensor_dashboard",
        "Sensoren op lantaarnpalen meten stikstofdioxide en fijnstof. Een dashboard toont de "
        "uurwaarden per straat en de data gaan als open data naar data.overheid.nl. Geen "
        "personen, geen camera's, geen rekenmodel.",
        {
            "theme": ["environment"],
            "supplier": "Meetnetbedrijf B.V.",
            "hosting": "eea_supplier",
            "data_sources": [
                {
                    "name": "Sensormeetnet",
                    "owner": "Milieudienst",
                    "personal_data": "no",
                    "legal_basis": "open_data",
                }
            ],
            "systematic_monitoring": "yes",
            "code_openness": "open_source",
        },
        {"open_data"},
        None,
        "low",
        "No personal data: the GDPR does not apply (art. 2, 4(1)); a dashboard is no algorithm "
        "for the register; open by default (Woo, Haarlem T4/V1).",
    ),
    p(
        "bicycle_parking_forecast",
        "Een zelflerend model voorspelt op basis van tellingen uit de stallingssystemen hoe vol "
        "de fietsenstallingen bij het station morgen zijn. Alleen aantallen; de voorspelling "
        "staat op de website.",
        {
            "theme": ["traffic_mobility"],
            "system_kind": "self_learning",
            "is_ai_system": "yes",
            "ai_use_context": ["internal_only"],
            "ai_annex_iii": ["none"],
            "effect_on_people": "none",
        },
        {"ai_literacy", "register_c", "open_data"},
        "C",
        "low",
        "A machine-learning forecast is an AI system (AI Act art. 3(1)): art. 4 AI literacy "
        "applies to every deployer; no personal data, no Annex III area, no effect on people: "
        "category C.",
    ),
    p(
        "permit_check_decision_tree",
        "De vergunningcheck op de website stelt vaste vragen (waar, hoe groot, welke bouw) en "
        "zegt dan of een omgevingsvergunning nodig is. Vaste regels uit het omgevingsplan, "
        "anoniem, geen besluit.",
        {
            "theme": ["housing", "services"],
            "system_kind": "rule_based",
            "ai_capabilities": ["conversation"],
            "ai_use_context": ["residents"],
            "effect_on_people": "indirect",
            "code_openness": "open_source",
        },
        {"register_c", "open_data"},
        "C",
        "low",
        "Fixed rules written by people are not an AI system (AI Act recital 12), so no art. 50 "
        "duty although it converses; anonymous: no GDPR; a rule-based algorithm without "
        "significant effect: category C.",
    ),
    p(
        "adaptive_traffic_lights",
        "Een AI-systeem stuurt de verkeerslichten op de Amsterdamsevaart: het kiest uit de "
        "lusdetectie de volgorde en lengte van de groenfasen, inclusief voorrang voor "
        "hulpdiensten. Geen camera's, geen persoonsgegevens.",
        {
            "theme": ["traffic_mobility", "public_space"],
            "system_kind": "self_learning",
            "supplier": "Verkeerstechniek B.V.",
            "hosting": "eea_supplier",
            "is_ai_system": "yes",
            "ai_use_context": ["public_space"],
            "ai_annex_iii": ["critical_infrastructure"],
            "effect_on_people": "indirect",
        },
        {"high_risk_duties", "ai_literacy", "open_data"},
        "A",
        "high",
        "AI as safety component in road-traffic management is high-risk (Annex III point 2): "
        "art. 26 duties and category A, but art. 27(1) exempts point 2 from the FRIA; no "
        "personal data, no DPIA.",
    ),
    # --- ordinary personal data ------------------------------------------------------------
    p(
        "parking_permit_auto_grant",
        "Aanvragen voor een bewonersparkeervergunning worden automatisch toegekend als het "
        "adres volgens de BRP in de zone ligt en het kenteken volgens de RDW op naam van de "
        "aanvrager staat. Voldoet een aanvraag niet, dan beoordeelt een medewerker haar. "
        "Ongeveer 12.000 aanvragen per jaar, DPIA is afgerond.",
        {
            "theme": ["traffic_mobility", "services"],
            **personal("bsn", 12000),
            "system_kind": "rule_based",
            "data_sources": [
                {
                    "name": "BRP",
                    "owner": "Burgerzaken",
                    "personal_data": "yes",
                    "legal_basis": "public_task",
                },
                {
                    "name": "Kentekenregister",
                    "owner": "RDW",
                    "personal_data": "yes",
                    "legal_basis": "public_task",
                },
            ],
            "matching": "yes",
            "automated_decision": "automatic_legal_effect",
            "effect_on_people": "legal_effect",
            "blocks_service": "yes",
            "algorithm_influence": "decisive",
            "fundamental_rights": ["privacy", "good_administration"],
            "assessments_done": ["dpia"],
        },
        {"consult_dpo", "dpia_required", "art22_check", "register_b"},
        "B",
        "medium",
        "Automated decisions with legal effect on 12,000 people from matched BRP and RDW data: "
        "three EDPB criteria, so a DPIA (art. 35), art. 22 GDPR / art. 40 UAVG; fixed rules are "
        "no AI system; decisive algorithm with legal effect: register B.",
    ),
    p(
        "event_permit_routing",
        "Aanvragen voor een evenementenvergunning worden met vaste regels (aantal bezoekers, "
        "locatie, geluid) naar de juiste behandelaars doorgestuurd. De behandelaars beoordelen "
        "en besluiten; de doorverwijzing verandert niets aan de uitkomst. Ongeveer 800 "
        "aanvragers per jaar.",
        {
            "theme": ["public_space", "services"],
            **personal("ordinary", 800),
            "system_kind": "rule_based",
            "automated_decision": "supports_human",
            "effect_on_people": "indirect",
        },
        {"consult_dpo", "register_c"},
        "C",
        "low",
        "Personal data, so the DPO (art. 38-39); no DPIA criterion applies; a rule-based "
        "routing algorithm without significant effect on the outcome is category C, not B.",
    ),
    p(
        "resident_survey_us_cloud",
        "De jaarlijkse bewonersenquête over de buurt loopt via een Amerikaans enquêteplatform. "
        "Deelnemers laten vrijwillig hun e-mailadres achter; de uitkomsten worden per wijk als "
        "open data gepubliceerd. Ongeveer 4.000 deelnemers.",
        {
            "theme": ["services"],
            **personal("ordinary", 4000),
            "gdpr_ground": "consent",
            "supplier": "SurveyCloud Inc.",
            "hosting": "outside_eea",
            "system_kind": "analysis",
            "open_data_possible": "yes",
            "effect_on_people": "indirect",
        },
        {"tia_required", "consult_dpo", "open_data"},
        None,
        "medium",
        "Personal data processed in the US: a transfer under GDPR chapter V needs a ground and a "
        "transfer impact assessment (art. 44-49); voluntary consent is a valid ground; no "
        "algorithm; aggregated results can be opened.",
    ),
    p(
        "kings_day_stall_registration_hosting_unknown",
        "Inwoners schrijven zich met naam, adres en telefoonnummer in voor een plek op de "
        "Koningsdagvrijmarkt, via een app van een leverancier. Waar de leverancier de gegevens "
        "opslaat, weet het team nog niet. Ongeveer 3.000 inschrijvingen.",
        {
            "theme": ["public_space"],
            **personal("ordinary", 3000),
            "gdpr_ground": "contract",
            "supplier": "EventApp B.V.",
            "hosting": "unknown",
            "system_kind": "analysis",
            "effect_on_people": "indirect",
        },
        {"consult_dpo", "clarify_hosting"},
        None,
        "medium",
        "Where personal data are stored decides whether chapter V GDPR (TIA) applies: unknown "
        "must be clarified with the supplier, and until then the stricter answer (outside the "
        "EEA) sets the level.",
    ),
    p(
        "event_newsletter_legitimate_interest",
        "De gemeente stuurt iedereen die zich ooit voor een gemeentelijk evenement heeft "
        "aangemeld een maandelijkse nieuwsbrief over gemeentelijke activiteiten, op grond van "
        "gerechtvaardigd belang. Ongeveer 6.000 adressen.",
        {
            "theme": ["services"],
            **personal("ordinary", 6000),
            "gdpr_ground": "legitimate_interest",
            "system_kind": "analysis",
            "effect_on_people": "indirect",
        },
        {"legitimate_interest_not_for_tasks", "consult_dpo"},
        None,
        "low",
        "Informing residents about municipal activities is a public task; art. 6(1) last "
        "sentence excludes legitimate interest for authorities in performing their tasks, so "
        "another ground is required.",
    ),
    p(
        "wifi_tracking_city_centre",
        "Wifi-sensoren in de Grote Houtstraat vangen de MAC-adressen van telefoons op (gehasht) "
        "om bezoekersstromen en verblijfsduur te meten. Ongeveer 50.000 unieke telefoons per "
        "maand. Op welke AVG-grondslag dit kan, is nog niet uitgezocht; DPIA nog niet gedaan.",
        {
            "theme": ["work_economy", "public_space"],
            **personal("ordinary", 50000, dpa_list=["location", "iot"]),
            "gdpr_ground": "unclear",
            "supplier": "Telsensor B.V.",
            "hosting": "eea_supplier",
            "system_kind": "analysis",
            "systematic_monitoring": "yes",
            "effect_on_people": "indirect",
            "open_data_possible": "yes",
            "weighing": "doubtful",
        },
        {"lawful_ground", "consult_dpo", "dpia_required", "open_data"},
        None,
        "medium",
        "Hashed MAC addresses are personal data; tracking location in public space is on the "
        "DPA list (location, IoT) and meets monitoring and large-scale criteria: DPIA; without a "
        "settled art. 6 ground the processing may not start (required, not a level rule).",
    ),
    # --- special categories and criminal data ----------------------------------------------
    p(
        "housing_urgency_file_exchange",
        "Voor een urgentieverklaring wisselen de woningcorporatie en de gemeente het dossier "
        "van de aanvrager uit, met medische stukken. Een commissie van medewerkers en een "
        "GGD-arts beslist per aanvraag; er is geen rekenmodel of selectie. Ongeveer 600 "
        "aanvragen per jaar; DPIA nog niet gedaan.",
        {
            "theme": ["housing", "care_health"],
            **personal("special", 600, dpa_list=["health", "cooperation"]),
            "special_data_exception": "health_social_care",
            "system_kind": "analysis",
            "vulnerable_groups": "yes",
            "data_sources": [
                {
                    "name": "Dossier woningcorporatie",
                    "owner": "Woningcorporatie",
                    "personal_data": "yes",
                    "legal_basis": "agreement",
                },
                {
                    "name": "BRP",
                    "owner": "Burgerzaken",
                    "personal_data": "yes",
                    "legal_basis": "public_task",
                },
            ],
            "matching": "yes",
            "automated_decision": "supports_human",
            "effect_on_people": "legal_effect",
            "blocks_service": "yes",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "social_rights"],
            "rights_severity": 4,
            "error_impact": 4,
        },
        {"consult_dpo", "dpia_required", "special_category_exception"},
        None,
        "high",
        "Health data shared in a partnership are on the DPA list: DPIA; art. 9(2)(h) must be "
        "recorded; a data exchange on which people decide is not an algorithm, so no register "
        "entry (register guidance).",
    ),
    p(
        "sick_leave_diagnoses_dashboard",
        "HR wil leidinggevenden een dashboard geven met de ziekmeldingen van hun medewerkers, "
        "inclusief de diagnose die de medewerker bij de ziekmelding noemt. Een uitzondering op "
        "het verbod op gezondheidsgegevens is niet gevonden. Ongeveer 1.500 medewerkers.",
        {
            "theme": ["organisation"],
            **personal("special", 1500, dpa_list=["health", "employees"]),
            "special_data_exception": "none",
            "gdpr_ground": "legal_obligation",
            "effect_on_people": "significant",
            "fundamental_rights": ["privacy"],
            "rights_severity": 4,
        },
        {
            "consult_dpo",
            "dpia_required",
            "special_category_exception",
            "special_category_no_exception",
        },
        None,
        "high",
        "An employer may not process diagnoses (art. 9(1) GDPR; only the company doctor, UAVG "
        "art. 30): without an art. 9(2) exception the processing is prohibited; health data of "
        "employees are on the DPA list. A dashboard is no algorithm.",
    ),
    p(
        "wmo_care_records_exception_unknown",
        "Het sociaal wijkteam legt in een zaaksysteem vast welke hulp bij het huishouden "
        "inwoners nodig hebben, met hun beperkingen, en deelt dat met zorgaanbieders. Welke "
        "uitzondering van artikel 9 lid 2 AVG dit toestaat, weet het team niet. Ongeveer "
        "5.000 inwoners.",
        {
            "theme": ["care_health"],
            **personal("special", 5000, dpa_list=["health", "cooperation"]),
            "special_data_exception": "unknown",
            "system_kind": "analysis",
            "vulnerable_groups": "yes",
            "automated_decision": "supports_human",
            "effect_on_people": "legal_effect",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "social_rights"],
            "assessments_done": ["dpia"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "special_category_exception",
            "clarify_special_data_exception",
        },
        None,
        "high",
        "Health data are prohibited unless an art. 9(2) exception applies: 'don't know' must be "
        "clarified before submission, and meanwhile the level assumes no exception (high), as "
        "for the answer 'none'.",
    ),
    p(
        "boa_nuisance_reports_planning",
        "Boa's leggen meldingen van overlast vast, met naam van de vermoedelijke veroorzaker "
        "als die bekend is. Een dashboard toont per buurt en tijdstip het aantal meldingen, om "
        "de inzet van boa's te plannen. Ongeveer 2.000 personen in de meldingen.",
        {
            "theme": ["safety_enforcement"],
            **personal("ordinary", 2000, criminal="yes"),
            "effect_on_people": "indirect",
        },
        {"consult_dpo", "criminal_data_basis", "dpia_recommended"},
        None,
        "medium",
        "Reports naming suspects are criminal-offence data (art. 10 GDPR, UAVG art. 31-33): a "
        "legal basis must be recorded; sensitive data is one EDPB criterion, so a DPIA is "
        "recommended; a dashboard of counts is no algorithm.",
    ),
    # --- BSN matching and children ---------------------------------------------------------
    p(
        "compulsory_education_matching",
        "De leerplichtambtenaar koppelt op BSN de BRP aan de inschrijvingen bij scholen (DUO), "
        "om kinderen van 5 tot 18 te vinden die nergens staan ingeschreven. De "
        "leerplichtambtenaar neemt contact op met het gezin. Ongeveer 25.000 kinderen; DPIA "
        "is afgerond.",
        {
            "theme": ["youth_education"],
            **personal("bsn", 25000),
            "gdpr_ground": "legal_obligation",
            "system_kind": "analysis",
            "minors": "yes",
            "data_sources": [
                {
                    "name": "BRP",
                    "owner": "Burgerzaken",
                    "personal_data": "yes",
                    "legal_basis": "public_task",
                },
                {
                    "name": "Inschrijvingen",
                    "owner": "DUO",
                    "personal_data": "yes",
                    "legal_basis": "legal_obligation",
                },
            ],
            "matching": "yes",
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "fundamental_rights": ["privacy", "childrens_rights"],
            "assessments_done": ["dpia"],
        },
        {"consult_dpo", "dpia_required", "children_rights"},
        None,
        "medium",
        "Matching on the BSN of 25,000 children meets the criteria matching, vulnerable people "
        "and large scale: DPIA (art. 35); children: children's rights assessment (CRC art. 3); "
        "a comparison of registers on which an officer decides is not an algorithm.",
    ),
    p(
        "energy_allowance_auto_payment",
        "Huishoudens met een bijstandsuitkering krijgen de energietoeslag automatisch: vaste "
        "regels koppelen op BSN de uitkeringsadministratie aan de BRP en kennen de toeslag "
        "toe. Wie niet in het bestand staat, moet zelf aanvragen. Ongeveer 8.000 huishoudens; "
        "DPIA is afgerond.",
        {
            "theme": ["social_security", "energy_climate"],
            **personal("bsn", 8000),
            "gdpr_ground": "public_task",
            "system_kind": "rule_based",
            "vulnerable_groups": "yes",
            "matching": "yes",
            "automated_decision": "automatic_legal_effect",
            "effect_on_people": "legal_effect",
            "blocks_service": "yes",
            "algorithm_influence": "decisive",
            "burden": "nobody",
            "fundamental_rights": ["privacy", "social_rights"],
            "assessments_done": ["dpia"],
        },
        {"consult_dpo", "dpia_required", "art22_check", "register_b"},
        "B",
        "medium",
        "An automated grant on matched BSN data of people on benefits meets four EDPB criteria: "
        "DPIA; automated decision with legal effect: art. 22 GDPR / art. 40 UAVG; rule-based, "
        "not AI; decisive with legal effect: register B.",
    ),
    p(
        "community_centre_registration_minors_unknown",
        "Buurthuizen registreren bezoekers van activiteiten met naam en postcode, om te zien "
        "wie ze bereiken. Of er ook bezoekers onder de 18 in de registratie staan, weet het "
        "team niet. Ongeveer 1.500 bezoekers.",
        {
            "theme": ["services"],
            **personal("ordinary", 1500),
            "minors": "unknown",
            "effect_on_people": "indirect",
        },
        {"consult_dpo", "clarify_minors"},
        None,
        "medium",
        "Whether children are included decides the children's rights assessment and the "
        "vulnerable-people criterion (recital 38, CRC art. 3): 'don't know' must be clarified, "
        "and the level assumes children.",
    ),
    # --- fraud and benefits ----------------------------------------------------------------
    p(
        "rule_based_benefit_review_ai_unknown",
        "Vaste risicoregels (een woonadres waar meer volwassenen staan ingeschreven dan de "
        "uitkering veronderstelt, een auto op naam) selecteren bijstandsdossiers voor een "
        "heronderzoek; een consulent beslist. De regels zijn door medewerkers opgesteld; of het "
        "een AI-systeem is, weet de projectleider niet. Ongeveer 3.000 dossiers.",
        {
            "theme": ["social_security"],
            **personal("bsn", 3000, dpa_list=["fraud", "profiling"]),
            "system_kind": "rule_based",
            "vulnerable_groups": "yes",
            "matching": "yes",
            "profiling": "yes",
            "profile_basis": ["objective_facts"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["control"],
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "blocks_service": "yes",
            "is_ai_system": "unknown",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["fraud"],
            "algorithm_influence": "significant",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "equal_treatment"],
        },
        {"consult_dpo", "dpia_required", "art22_check", "register_b", "clarify_is_ai_system"},
        "B",
        "high",
        "Fraud risk rules are profiling on the DPA list: DPIA and art. 22 check; fixed human "
        "rules are likely no AI system (recital 12) but 'don't know' must be clarified, the "
        "level assuming Annex III 5(a); selecting who is checked is impactful: register B.",
    ),
    p(
        "income_supplement_ai_advice",
        "Een zelflerend model beoordeelt aanvragen voor de individuele inkomenstoeslag op "
        "inkomen, vermogen en duur van het lage inkomen uit de aanvraag en adviseert toekennen "
        "of afwijzen; een consulent beslist. Ongeveer 2.500 aanvragen per jaar.",
        {
            "theme": ["social_security"],
            **personal("bsn", 2500, dpa_list=["financial_situation", "profiling"]),
            "system_kind": "self_learning",
            "supplier": "Sociaal Domein Software B.V.",
            "hosting": "eea_supplier",
            "vulnerable_groups": "yes",
            "profiling": "yes",
            "profile_basis": ["objective_facts"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["prioritise"],
            "automated_decision": "supports_human",
            "effect_on_people": "legal_effect",
            "blocks_service": "yes",
            "is_ai_system": "yes",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["benefits_services"],
            "algorithm_influence": "significant",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "social_rights", "equal_treatment"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "art22_check",
            "high_risk_duties",
            "iama_required",
            "ai_literacy",
        },
        "A",
        "high",
        "AI evaluating eligibility for public assistance is high-risk (Annex III 5(a)): art. 26 "
        "duties, FRIA (art. 27), art. 4, register A; profiling of financial situation on the "
        "DPA list: DPIA and art. 22 check.",
    ),
    # --- employment, education, democracy --------------------------------------------------
    p(
        "cv_screening_vacancies",
        "Een AI-module in het wervingssysteem van een Amerikaanse leverancier rangschikt "
        "sollicitanten voor gemeentelijke vacatures op hun cv; recruiters nodigen de hoogst "
        "gerangschikten uit. Ongeveer 6.000 sollicitanten per jaar.",
        {
            "theme": ["organisation"],
            **personal("ordinary", 6000, dpa_list=["profiling"]),
            "system_kind": "self_learning",
            "supplier": "HireCloud Inc.",
            "hosting": "outside_eea",
            "profiling": "yes",
            "profile_basis": ["personal_traits"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["prioritise"],
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "blocks_service": "yes",
            "is_ai_system": "yes",
            "ai_use_context": ["workplace"],
            "ai_annex_iii": ["employment"],
            "algorithm_influence": "decisive",
            "code_openness": "supplier_proprietary",
            "burden": "specific_group",
            "fundamental_rights": ["privacy", "equal_treatment"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "art22_check",
            "high_risk_duties",
            "iama_required",
            "inform_workers",
            "ai_literacy",
            "tia_required",
        },
        "A",
        "high",
        "AI ranking job applicants is high-risk (Annex III 4(a)): art. 26 incl. informing "
        "workers' representatives (26(7)), FRIA, art. 4; profiling: DPIA and art. 22; US "
        "hosting: transfer impact assessment (art. 44-49).",
    ),
    p(
        "civic_integration_route_advice",
        "Bij de brede intake van nieuwkomers scoort een zelflerend model de leerbaarheidstoets "
        "en adviseert welke leerroute (B1-route, onderwijsroute of Z-route) en dus welke "
        "taalschool iemand krijgt; de consulent stelt het plan vast. Ongeveer 400 nieuwkomers "
        "per jaar.",
        {
            "theme": ["youth_education", "social_security"],
            **personal("bsn", 400, dpa_list=["profiling"]),
            "gdpr_ground": "legal_obligation",
            "system_kind": "self_learning",
            "supplier": "Toetsplatform B.V.",
            "hosting": "eea_supplier",
            "vulnerable_groups": "yes",
            "profiling": "yes",
            "profile_basis": ["objective_facts"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["prioritise"],
            "automated_decision": "supports_human",
            "effect_on_people": "legal_effect",
            "blocks_service": "no",
            "is_ai_system": "yes",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["education"],
            "algorithm_influence": "significant",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "equal_treatment", "social_rights"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "art22_check",
            "high_risk_duties",
            "iama_required",
            "ai_literacy",
        },
        "A",
        "high",
        "AI assigning people to education routes and institutions is high-risk (Annex III "
        "3(a)): art. 26 duties, FRIA, art. 4, register A; profiling of vulnerable newcomers: "
        "DPIA and art. 22 check.",
    ),
    p(
        "turnout_campaign_targeting",
        "Voor de gemeenteraadsverkiezingen voorspelt een model per inwoner de kans dat hij niet "
        "gaat stemmen (uit leeftijd, buurt en eerdere opkomst per stembureau) en stuurt wie "
        "laag scoort een persoonlijke oproep om te stemmen. Ongeveer 60.000 kiesgerechtigden.",
        {
            "theme": ["services"],
            **personal("ordinary", 60000, dpa_list=["profiling", "behaviour"]),
            "system_kind": "self_learning",
            "profiling": "yes",
            "profile_basis": ["personal_traits"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["other"],
            "effect_on_people": "significant",
            "is_ai_system": "yes",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["justice_democracy"],
            "algorithm_influence": "decisive",
            "fundamental_rights": ["privacy", "expression_assembly"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "art22_check",
            "high_risk_duties",
            "iama_required",
            "ai_literacy",
        },
        "A",
        "high",
        "AI meant to influence the voting behaviour of natural persons is high-risk (Annex III "
        "8(b)), FRIA not exempt; profiling 60,000 voters is on the DPA list: DPIA and art. 22 "
        "check.",
    ),
    # --- chatbots and generative AI --------------------------------------------------------
    p(
        "council_meeting_summaries",
        "Een taalmodel maakt van elke raadsvergadering een samenvatting die automatisch, zonder "
        "redactie, op de website verschijnt. Namen en uitspraken van raadsleden komen erin "
        "voor. Ongeveer 50 personen.",
        {
            "theme": ["services"],
            **personal("ordinary", 50),
            "system_kind": "generative_ai",
            "supplier": "Taalmodel Europa B.V.",
            "hosting": "eea_supplier",
            "is_ai_system": "yes",
            "ai_capabilities": ["generates_content"],
            "ai_use_context": ["residents"],
            "ai_output_unreviewed": "yes",
            "ai_annex_iii": ["none"],
            "effect_on_people": "indirect",
            "open_data_possible": "yes",
        },
        {
            "ai_transparency",
            "ai_literacy",
            "register_c",
            "consult_dpo",
            "dpia_recommended",
            "open_data",
        },
        "C",
        "low",
        "AI-generated text published to inform the public without editorial review must be "
        "disclosed (AI Act art. 50(4)); art. 4 literacy; innovative technology is one EDPB "
        "criterion: DPIA recommended; category C.",
    ),
    p(
        "phone_line_voice_assistant",
        "Een spraakassistent neemt de telefoon van 14 023 op, zet wat de beller zegt om in tekst "
        "en verbindt door naar het juiste team. De spraakherkenning draait bij een Amerikaanse "
        "clouddienst. Ongeveer 100.000 bellers per jaar.",
        {
            "theme": ["services"],
            **personal("ordinary", 100000, dpa_list=["communication"]),
            "system_kind": "self_learning",
            "supplier": "VoiceCloud Inc.",
            "hosting": "outside_eea",
            "is_ai_system": "yes",
            "ai_capabilities": ["conversation"],
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["none"],
            "effect_on_people": "indirect",
        },
        {
            "ai_transparency",
            "ai_literacy",
            "register_c",
            "tia_required",
            "consult_dpo",
            "dpia_required",
        },
        "C",
        "medium",
        "Callers must be told they talk to an AI system (art. 50(1)); recorded calls of 100,000 "
        "callers are communication data on the DPA list: DPIA; US processing: TIA; routing "
        "without significant effect: category C.",
    ),
    p(
        "letter_drafting_assistant",
        "Medewerkers van Belastingen laten een taalmodel (van een leverancier) een concept "
        "schrijven voor antwoordbrieven op vragen van inwoners. De medewerker controleert en "
        "past elke brief aan en ondertekent hem; niets gaat ongezien naar buiten. Ongeveer "
        "6.000 brieven per jaar.",
        {
            "theme": ["taxes_finance", "services"],
            **personal("ordinary", 6000),
            "system_kind": "generative_ai",
            "supplier": "Taalmodel Europa B.V.",
            "hosting": "eea_supplier",
            "is_ai_system": "yes",
            "ai_capabilities": ["generates_content"],
            "ai_use_context": ["residents"],
            "ai_output_unreviewed": "no",
            "ai_annex_iii": ["none"],
            "effect_on_people": "indirect",
            "ai_disclosure": "no",
        },
        {"ai_literacy", "register_c", "consult_dpo", "dpia_recommended"},
        "C",
        "medium",
        "A deployer's art. 50 duties cover chatbots, deep fakes and unreviewed published text "
        "(art. 50(3)-(4)); letters a staff member reviews and signs are under human editorial "
        "responsibility, so no art. 50 duty; art. 4 literacy applies; one EDPB criterion.",
    ),
    # --- emotion recognition and biometrics ------------------------------------------------
    p(
        "nightlife_aggression_sound_sensors",
        "Geluidssensoren op de Grote Markt herkennen 's nachts agressie in stemmen (schreeuwen, "
        "boosheid) en waarschuwen de cameracentrale, die boa's of politie stuurt. Geluid wordt "
        "niet opgeslagen. Ongeveer 100.000 passanten per jaar.",
        {
            "theme": ["safety_enforcement", "public_space"],
            **personal("ordinary", 100000, dpa_list=["iot", "behaviour"]),
            "system_kind": "self_learning",
            "supplier": "SoundSafe B.V.",
            "hosting": "eea_supplier",
            "systematic_monitoring": "yes",
            "effect_on_people": "significant",
            "is_ai_system": "yes",
            "ai_capabilities": ["emotion_recognition"],
            "ai_use_context": ["public_space"],
            "ai_annex_iii": ["biometrics"],
            "algorithm_influence": "significant",
            "fundamental_rights": ["privacy", "expression_assembly"],
        },
        {
            "consult_dpo",
            "dpia_required",
            "high_risk_duties",
            "iama_required",
            "ai_transparency",
            "ai_literacy",
        },
        "A",
        "high",
        "Emotion recognition outside work and education is not prohibited but high-risk (Annex "
        "III 1(c)): art. 26, FRIA, and people exposed must be informed (art. 50(3)); "
        "observation in public space is on the DPA list: DPIA.",
    ),
    p(
        "classroom_attention_cameras",
        "In een pilot met twee basisscholen meten camera's in de klas aan gezichtsuitdrukkingen "
        "hoe geboeid of verveeld leerlingen zijn; de leraar krijgt per leerling een "
        "aandachtsscore. Ongeveer 400 leerlingen.",
        {
            "theme": ["youth_education"],
            **personal("ordinary", 400, dpa_list=["camera", "behaviour"]),
            "system_kind": "self_learning",
            "supplier": "EduVision B.V.",
            "hosting": "eea_supplier",
            "minors": "yes",
            "systematic_monitoring": "yes",
            "profiling": "yes",
            "profile_basis": ["personal_traits"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["other"],
            "effect_on_people": "significant",
            "is_ai_system": "yes",
            "ai_capabilities": ["emotion_recognition"],
            "ai_use_context": ["education"],
            "emotion_medical_safety": "no",
            "ai_annex_iii": ["education", "biometrics"],
            "algorithm_influence": "significant",
            "fundamental_rights": ["privacy", "childrens_rights"],
        },
        {"stop_prohibited", "consult_dpo", "dpia_required", "art22_check", "children_rights"},
        None,
        "high",
        "Emotion recognition in education, not for medical or safety reasons, is prohibited (AI "
        "Act art. 5(1)(f)) even when nobody ticked art. 5: stop, no FRIA, duties or register "
        "entry; the GDPR duties remain.",
    ),
    p(
        "job_interview_emotion_analysis",
        "Sollicitanten voor gemeentelijke vacatures doen een video-interview; software leidt "
        "uit gezicht en stem af hoe enthousiast en stressbestendig iemand is en geeft de "
        "recruiter een score. Ongeveer 2.000 sollicitanten per jaar.",
        {
            "theme": ["organisation"],
            **personal("ordinary", 2000, dpa_list=["profiling", "behaviour"]),
            "system_kind": "self_learning",
            "supplier": "InterviewAI B.V.",
            "hosting": "eea_supplier",
            "profiling": "yes",
            "profile_basis": ["personal_traits"],
            "profile_other_contexts": "no",
            "profiling_purpose": ["prioritise"],
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "blocks_service": "yes",
            "is_ai_system": "yes",
            "ai_capabilities": ["emotion_recognition"],
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["employment", "biometrics"],
            "emotion_medical_safety": "no",
            "algorithm_influence": "decisive",
            "burden": "specific_group",
            "fundamental_rights": ["privacy", "equal_treatment"],
        },
        {"stop_prohibited", "consult_dpo", "dpia_required", "art22_check"},
        None,
        "high",
        "Emotion recognition in recruitment is in the area of the workplace (art. 5(1)(f); "
        "Commission guidelines on prohibited practices: job candidates included): stop, "
        "whichever context the lead ticked.",
    ),
    p(
        "festival_ethnicity_counter",
        "Camera's bij de ingang van een gemeentelijk festival schatten per bezoeker de etnische "
        "afkomst, om in een diversiteitsmonitor te tellen welke groepen het festival bereikt. "
        "Ongeveer 30.000 bezoekers.",
        {
            "theme": ["public_space"],
            **personal("special", 30000, dpa_list=["camera", "genetic_biometric"]),
            "special_data_exception": "research_statistics",
            "system_kind": "self_learning",
            "supplier": "CrowdVision B.V.",
            "hosting": "eea_supplier",
            "systematic_monitoring": "yes",
            "effect_on_people": "indirect",
            "is_ai_system": "yes",
            "ai_capabilities": ["biometric_categorisation"],
            "ai_use_context": ["public_space"],
            "biometric_traits": ["origin"],
            "ai_annex_iii": ["biometrics"],
            "fundamental_rights": ["privacy", "equal_treatment"],
        },
        {"stop_prohibited", "consult_dpo", "dpia_required", "special_category_exception"},
        None,
        "high",
        "Biometric categorisation to infer race or ethnic origin is prohibited (art. 5(1)(g)): "
        "stop; ethnic origin is special-category data (art. 9) and camera observation is on "
        "the DPA list: exception and DPIA remain.",
    ),
    p(
        "nuisance_face_database",
        "Handhaving wil bekende overlastveroorzakers herkennen: software verzamelt alle "
        "gezichten uit de beelden van de stadscamera's en van openbare sociale media in een "
        "databank en zoekt achteraf wie er bij een incident was. Ongeveer 200.000 gezichten.",
        {
            "theme": ["safety_enforcement"],
            **personal(
                "special",
                200000,
                criminal="yes",
                dpa_list=["camera", "genetic_biometric", "blacklists"],
            ),
            "special_data_exception": "substantial_public_interest",
            "system_kind": "self_learning",
            "supplier": "FaceFind B.V.",
            "hosting": "eea_supplier",
            "matching": "yes",
            "systematic_monitoring": "yes",
            "effect_on_people": "significant",
            "is_ai_system": "yes",
            "ai_capabilities": ["biometric_identification_post", "face_scraping"],
            "ai_use_context": ["public_space"],
            "ai_annex_iii": ["law_enforcement", "biometrics"],
            "algorithm_influence": "decisive",
            "fundamental_rights": ["privacy", "expression_assembly"],
        },
        {
            "stop_prohibited",
            "consult_dpo",
            "dpia_required",
            "special_category_exception",
            "criminal_data_basis",
        },
        None,
        "high",
        "Building a face database by untargeted scraping of camera footage and the internet is "
        "prohibited (art. 5(1)(e)): stop; biometric data for identification (art. 9) and "
        "suspicions (art. 10) keep their GDPR duties.",
    ),
    # --- prohibited scoring and prediction -------------------------------------------------
    p(
        "city_pass_civic_score",
        "Voor de Haarlem Pas (korting op sport en cultuur voor lage inkomens) geeft een model "
        "inwoners een score voor maatschappelijke betrokkenheid: vrijwilligerswerk telt mee, "
        "overlastmeldingen en onbetaalde boetes tellen tegen. Wie laag scoort, komt achteraan "
        "op de wachtlijst. Ongeveer 9.000 aanvragers.",
        {
            "theme": ["social_security", "services"],
            **personal("bsn", 9000, criminal="yes", dpa_list=["profiling", "financial_situation"]),
            "system_kind": "self_learning",
            "vulnerable_groups": "yes",
            "matching": "yes",
            "profiling": "yes",
            "profile_basis": ["social_behaviour"],
            "profile_other_contexts": "yes",
            "profiling_purpose": ["prioritise"],
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "blocks_service": "yes",
            "is_ai_system": "yes",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["benefits_services"],
            "algorithm_influence": "decisive",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "equal_treatment", "social_rights"],
        },
        {"stop_prohibited", "consult_dpo", "dpia_required", "art22_check", "criminal_data_basis"},
        None,
        "high",
        "Scoring social behaviour from other areas of life (nuisance, fines) for unfavourable "
        "treatment in access to a benefit is social scoring (art. 5(1)(c)): stop; fines are "
        "art. 10 data; profiling: DPIA and art. 22.",
    ),
    p(
        "youth_burglary_risk_prediction",
        "Een model voorspelt welke jongeren van 12 tot 18 in de komende jaren een inbraak gaan "
        "plegen, uit gezinssituatie, schooluitval, buurt en eerdere politiecontacten van "
        "broers of zussen; jongerenwerkers en wijkagent bezoeken de hoogst scorenden. "
        "Ongeveer 6.000 jongeren.",
        {
            "theme": ["safety_enforcement", "youth_education"],
            **personal("bsn", 6000, criminal="yes", dpa_list=["profiling", "blacklists"]),
            "system_kind": "self_learning",
            "minors": "yes",
            "vulnerable_groups": "yes",
            "matching": "yes",
            "profiling": "yes",
            "profile_basis": ["personal_traits", "social_behaviour"],
            "profile_other_contexts": "yes",
            "profiling_purpose": ["crime_prediction"],
            "automated_decision": "supports_human",
            "effect_on_people": "significant",
            "is_ai_system": "yes",
            "ai_use_context": ["residents"],
            "ai_annex_iii": ["law_enforcement"],
            "algorithm_influence": "decisive",
            "burden": "vulnerable_group",
            "fundamental_rights": ["privacy", "equal_treatment", "childrens_rights"],
        },
        {
            "stop_prohibited",
            "consult_dpo",
            "dpia_required",
            "art22_check",
            "criminal_data_basis",
            "children_rights",
        },
        None,
        "high",
        "Predicting that a person will commit an offence solely from profiling and personal "
        "traits is prohibited (art. 5(1)(d)): stop; data on children and police contacts keep "
        "art. 10, DPIA, art. 22 and the children's rights assessment.",
    ),
]
