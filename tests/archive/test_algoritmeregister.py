"""The Algoritmeregister 1.0 export against the register's own field configuration (copied into
app/archive/standards/algoritmeregister with its attribution): the demo and every example project
give a document the register's upload API accepts, and the checker reports what it would refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from app import demo_data
from app.archive import exports
from app.archive import register_standard as standard
from app.archive.algoritmeregister import Subject, register_document
from app.assessments.models import Assessment
from app.config import get_settings
from app.db import session_scope
from app.demo import run_demo
from app.errors import Conflict
from app.i18n import use_locale
from app.questionnaires import engine
from app.questionnaires.loader import load_file
from app.questionnaires.schema import Questionnaire
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.questionnaires import v2_projects
from tests.reports.conftest import build_world

ROOT = Path(__file__).resolve().parents[2]
QDIR = ROOT / "questionnaires" / "haarlem-datawaarden"
DPIA = "Data Protection Impact Assessment (DPIA)"
IAMA = "Impact Assessment Mensenrechten en Algoritmes (IAMA)"


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The findings are checked in English (Dutch is the default)."""
    with use_locale("en"):
        yield


@pytest.fixture(scope="module")
def v1() -> Questionnaire:
    return load_file(QDIR / "v1.yaml").definition


@pytest.fixture(scope="module")
def v2() -> Questionnaire:
    return load_file(QDIR / "v2.yaml").definition


def export(q: Questionnaire, answers: dict[str, Any], **subject: Any) -> dict[str, Any]:
    ds = engine.decision_support(q, answers)
    values = {
        "title": demo_data.TITLE,
        "description": demo_data.DESCRIPTION,
        "reference": "DW-2026-0042",
        "organization": "Gemeente Haarlem",
        "link": "https://datawaarden.haarlem.nl/register/DW-2026-0042",
        "category": ds.register_category,
    } | subject
    return register_document(q, answers, Subject(**values))


def messages(document: Any) -> list[str]:
    return [str(f) for f in standard.findings(document)]


def valid_document() -> dict[str, Any]:
    return {
        "name": "Rangschikking",
        "description_short": "Kort.",
        "organization": "Gemeente Haarlem",
        "status": "In gebruik",
        "contact_email": "a@haarlem.nl",
        "publication_category": "Impactvolle algoritmes",
        "lang": "nld",
    }


def test_it_vendors_the_registers_configuration_with_its_source_and_licence() -> None:
    readme = (standard.CONFIG_FILE.parent / "README.md").read_text("utf-8")
    assert "MinBZK/Algoritmeregister" in readme and "EUPL-1.2" in readme
    assert "4885a0537d142638732f7d83676800a701411e93" in readme
    config = standard.configuration()
    assert len(config["category"]["permitted_values"]) == 16
    assert config["lawful_basis_grouping"]["items"]["title"]["max_length"] == 100


def test_it_exports_the_demo_as_the_register_accepts_it(v2: Questionnaire) -> None:
    document = export(v2, demo_data.ANSWERS)
    assert messages(document) == []
    assert document["category"] == ["Sociale zekerheid", "Zorg en gezondheid"]
    titles = [item["title"] for item in document["impacttoetsen_grouping"]]
    assert "DW-2026-0042" in titles[0]
    assert document["impacttoetsen_grouping"][0]["link"].endswith("/register/DW-2026-0042")
    dpia = document["impacttoetsen_grouping"][1]
    assert dpia == {"title": DPIA, "link": demo_data.ANSWERS["dpia_url"]}
    # the demo's IAMA is a condition still to be met, not an assessment carried out
    assert IAMA not in titles
    lawful = {item["title"]: item["link"] for item in document["lawful_basis_grouping"]}
    assert lawful["Wet gemeentelijke schuldhulpverlening art. 3 en 8a"].startswith(
        "https://wetten.overheid.nl/"
    )
    assert any(title.startswith("AVG art. 6 lid 1 sub e") for title in lawful)
    sources = document["source_data_grouping"]
    assert [s["link"] for s in sources] == [demo_data.ANSWERS["data_sources"][0]["link"]]
    assert sources[0]["title"].startswith(demo_data.ANSWERS["data_sources"][0]["name"])


def test_it_exports_a_version_1_assessment_validly_with_only_this_assessment_as_impact_test(
    v1: Questionnaire,
) -> None:
    document = export(v1, demo_data.V1_ANSWERS)
    assert messages(document) == []
    # version 1 has no register themes: only the labels that happen to be permitted remain
    assert document["category"] == ["Zorg en gezondheid"]
    assert [i["title"] for i in document["impacttoetsen_grouping"]] == [
        "Datawaarden-beoordeling en advies ethische commissie (DW-2026-0042)"
    ]


def test_it_maps_every_theme_of_version_2_to_a_permitted_register_theme(
    v2: Questionnaire,
) -> None:
    theme = next(x for x in v2.questions() if x.id == "theme")
    permitted = standard.permitted_values("category")
    assert {o.id: o.register_value in permitted for o in theme.options or []} == {
        o.id: True for o in theme.options or []
    }
    everything = demo_data.ANSWERS | {"theme": [o.id for o in theme.options or []]}
    assert messages(export(v2, everything)) == []


@pytest.mark.parametrize("project", v2_projects.PROJECTS, ids=lambda p: p.name)
def test_it_exports_every_example_project_as_the_register_accepts_it(
    v2: Questionnaire, project: v2_projects.Project
) -> None:
    answers = v2_projects.build(v2, project)
    document = export(v2, answers, title=project.name, description=project.facts)
    assert messages(document) == []
    done = answers.get("assessments_done") or []
    titles = {item["title"] for item in document["impacttoetsen_grouping"]}
    assert (DPIA in titles) == ("dpia" in done)
    assert (IAMA in titles) == ("fria" in done)


def test_it_lists_a_dpia_only_when_it_was_done_not_because_it_is_an_obligation(
    v2: Questionnaire,
) -> None:
    answers = demo_data.ANSWERS | {"assessments_done": ["none"]}
    answers.pop("dpia_url")
    obligations = {o.id for o in engine.obligations(v2, answers)}
    assert obligations & {"dpia_required", "dpia_recommended"}
    document = export(v2, answers)
    assert [i["title"] for i in document["impacttoetsen_grouping"]] == [
        "Datawaarden-beoordeling en advies ethische commissie (DW-2026-0042)"
    ]
    both = export(v2, demo_data.ANSWERS | {"assessments_done": ["dpia", "fria"]})
    iama = next(i for i in both["impacttoetsen_grouping"] if i["title"] == IAMA)
    assert "link" not in iama  # no fria_url answered: listed without a link
    assert messages(both) == []


def test_it_reports_a_category_outside_the_registers_themes() -> None:
    document = valid_document() | {"category": ["Verkeer", "Sociale zekerheid en schulden"]}
    assert messages(document) == [
        "category[1]: 'Sociale zekerheid en schulden' is not one of the permitted values"
    ]
    assert messages(valid_document() | {"category": "Verkeer"}) == ["category: must be a list"]


def test_it_counts_lengths_on_the_text_without_html(v2: Questionnaire) -> None:
    limit = standard.max_length("goal")
    assert limit == 2500
    exact = "<p>" + "a" * 1250 + "</p><p>" + "&amp;" * 1250 + "</p>"
    assert messages(valid_document() | {"goal": exact}) == []
    over = "<p>" + "a" * 2501 + "</p>"
    assert messages(valid_document() | {"goal": over}) == [
        "goal: is 2501 characters long without HTML; at most 2500 are allowed"
    ]
    # an answer of the full 2500 characters in paragraphs is exported whole, not cut for its tags
    text = ("b" * 499 + "\n\n") * 4 + "c" * 504
    assert len(text) - 8 == 2500
    document = export(v2, demo_data.ANSWERS | {"goal": text})
    assert standard.text_length(document["goal"]) == 2500 and "…" not in document["goal"]


def test_it_reports_hostile_values_instead_of_failing() -> None:
    hostile = valid_document() | {
        "goal": "<p>ok</p><script>alert(1)</script><img src=x onerror=alert(1)>",
        "name": "n" * 101,
        "status": ["In gebruik"],
        "lang": None,
        "source_id": 12,
        "impacttoetsen_grouping": [{"link": "https://x"}, "DPIA", {"title": "T", "evil": 1}],
        "lawful_basis_grouping": {"title": "x"},
        "source_data_grouping": [{"title": "<b>" + "x" * 600, "link": ""}],
        "unknown_field": "x",
    }
    found = messages(hostile)
    assert found == [
        "unknown_field: is not a field of the standard",
        "name: is 101 characters long without HTML; at most 100 are allowed",
        "status: must be one of the permitted values",
        "goal: uses HTML tags that are not allowed: img, script (allowed: div, br, p, ul, ol, li)",
        "lawful_basis_grouping: must be a list",
        "impacttoetsen_grouping[0].title: is required",
        "impacttoetsen_grouping[1]: must be an object with named fields",
        "impacttoetsen_grouping[2].evil: is not a field of the standard",
        "source_data_grouping[0].title: is 600 characters long without HTML; at most 500 are allowed",
        "source_data_grouping[0].link: is required",
        "lang: is required",
        "source_id: must be text",
    ]
    for broken in (None, [], "text", 3, {"goal": "<p" * 10_000}, {"x": {"y": [{}] * 5}}):
        assert isinstance(standard.findings(broken), list)


def test_it_escapes_html_typed_into_an_answer_so_the_register_sees_text(
    v1: Questionnaire,
) -> None:
    answers = demo_data.V1_ANSWERS | {"goal": "<script>alert(1)</script> " + "x" * 6000}
    document = export(v1, answers, title="<b>" + "t" * 300)
    assert messages(document) == []
    assert "<script>" not in document["goal"] and "&lt;script&gt;" in document["goal"]
    assert standard.text_length(document["goal"]) <= 2500
    json.dumps(document)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path, dev_pki):  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    built = build_world(tmp_path, url)
    demo = run_demo(built.engine, get_settings(), force=True)
    with session_scope(built.engine) as session:
        built.demo_id = session.exec(  # type: ignore[attr-defined]
            select(Assessment.id).where(Assessment.reference == demo.reference)
        ).one()
    built.demo_reference = demo.reference  # type: ignore[attr-defined]
    yield built
    built.engine.dispose()
    if url:
        drop_postgres_database(url)


def test_it_offers_the_signed_demo_as_the_register_accepts_it_linking_its_public_page(world):
    path = f"/archive/{world.demo_id}/algoritmeregister.json"
    with world.login("auditor") as c:
        before = c.get(path).json()
    assert messages(before) == []
    assert before["impacttoetsen_grouping"][0]["link"].endswith(
        f"/verify?reference={world.demo_reference}"
    )
    with world.login("board") as board:
        board.post_form(f"/archive/{world.demo_id}/publication", {"public": "1"})
    with world.login("auditor") as c:
        after = c.get(path).json()
        api = c.get(f"/api/v1/assessments/{world.demo_id}/algoritmeregister").json()
    assert messages(after) == [] and api == after
    assert after["impacttoetsen_grouping"][0]["link"].endswith(f"/register/{world.demo_reference}")
    assert [i["title"] for i in after["impacttoetsen_grouping"][1:]] == [DPIA]


def test_it_refuses_an_export_the_register_would_refuse_and_says_why(world):
    # a deployment without an organisation name: the register requires one
    unnamed = get_settings().model_copy(update={"org_name": " "})
    with session_scope(world.engine) as session:
        assessment = session.get(Assessment, world.demo_id)
        with pytest.raises(Conflict) as refused:
            exports.algorithm_register(session, assessment=assessment, settings=unnamed)
    assert "organization: is required" in refused.value.detail


def test_the_openapi_document_types_the_export_with_the_registers_own_fields(v1, v2) -> None:
    """The response schema is derived from the vendored configuration, and every valid export
    (the demo on both versions, every example project) conforms to it."""
    import jsonschema

    from app.api.docs import openapi_document

    doc = openapi_document()
    schema = doc["components"]["schemas"]["AlgoritmeregisterEntry"]
    operation = doc["paths"]["/api/v1/assessments/{assessment_id}/algoritmeregister"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AlgoritmeregisterEntry"
    }
    assert "Sociale zekerheid" in schema["properties"]["category"]["items"]["enum"]
    assert {"title", "link"} <= set(
        schema["properties"]["impacttoetsen_grouping"]["items"]["properties"]
    )
    documents = [export(v2, demo_data.ANSWERS), export(v1, demo_data.V1_ANSWERS)]
    documents += [export(v2, v2_projects.build(v2, p)) for p in v2_projects.PROJECTS]
    for document in documents:
        jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**documents[0], "category": ["Sociale zekerheid en schulden"]}, schema)
