"""The OpenAPI document as a client generator reads it: verb_noun operation ids, a summary and
a description per operation, an example per request body, only the errors that occur (each a
problem document), and the response headers clients rely on."""

from __future__ import annotations

import re

import pytest

from app.api.docs import openapi_document


@pytest.fixture
def served(client) -> dict:
    """The document as the app serves it (with the routers app.main publishes in it)."""
    return client.get("/api/openapi.json").json()


@pytest.fixture
def operations(served) -> dict[str, dict]:
    """The operations of /api/v1."""
    return {
        o["operationId"]: {**o, "method": m}
        for url, p in served["paths"].items()
        if url.startswith("/api/v1/")
        for m, o in p.items()
    }


def test_it_documents_the_open_data_of_the_register_as_public_operations(served):
    open_data = {
        o["operationId"]: (url, o)
        for url, p in served["paths"].items()
        if not url.startswith("/api/")
        for o in p.values()
    }
    assert set(open_data) == {
        "list_register_entries",
        "get_register_schema",
        "export_register_csv",
        "get_register_feed",
        "get_register_dataset",
    }
    media = {name: set(o["responses"]["200"]["content"]) for name, (_url, o) in open_data.items()}
    assert media["export_register_csv"] == {"text/csv"}
    assert media["get_register_feed"] == {"application/atom+xml"}
    assert media["get_register_dataset"] == {"application/ld+json"}
    for name, (_url, o) in open_data.items():
        assert o["security"] == [] and o["tags"] == ["open data"], name
        assert o.get("summary") and o.get("description"), name
    assert "400" in open_data["list_register_entries"][1]["responses"]


def test_it_names_every_operation_verb_noun(operations):
    assert len(operations) >= 20
    for name in operations:
        assert re.fullmatch(
            r"(get|list|create|put|add|submit|withdraw|request|finalise|verify|search|export|move|start)_[a-z_]+",
            name,
        ), name


def test_it_describes_every_operation_and_gives_every_request_body_an_example(operations):
    for name, o in operations.items():
        assert o.get("summary") and len(o.get("description", "")) > 40, name
        for media, content in o.get("requestBody", {}).get("content", {}).items():
            if media == "application/json":
                ref = content["schema"]["$ref"].rsplit("/", 1)[1]
                schema = openapi_document()["components"]["schemas"][ref]
                assert schema.get("examples"), f"{name}: {ref} has no example"


def test_it_documents_only_errors_that_occur_each_as_a_problem(operations):
    for name, o in operations.items():
        errors = {c for c in o["responses"] if c[0] in "45"}
        assert {"401", "429"} <= errors, name
        if o["method"] == "get":
            assert not errors & {"412", "413"}, name
        for code in errors:
            content = o["responses"][code]["content"]
            assert list(content) == ["application/problem+json"], (name, code)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert "412" in operations["put_answer"]["responses"]
    assert "409" not in operations["get_assessment"]["responses"]
    assert "422" not in operations["list_questionnaires"]["responses"]


def test_it_declares_the_headers_clients_rely_on(operations):
    assert "ETag" in operations["get_assessment"]["responses"]["200"]["headers"]
    assert {"ETag", "Location"} <= set(
        operations["create_assessment"]["responses"]["201"]["headers"]
    )
    assert "ETag" in operations["put_answer"]["responses"]["200"]["headers"]
    assert "Content-Disposition" in operations["get_report"]["responses"]["200"]["headers"]
    for name, o in operations.items():
        assert "Retry-After" in o["responses"]["429"]["headers"], name
    assert "Retry-After" in operations["verify_report"]["responses"]["503"]["headers"]


def test_the_problem_schema_types_each_field_error():
    problem = openapi_document()["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    assert "FieldError" in str(problem["properties"]["errors"])
    assert "HTTPValidationError" not in openapi_document()["components"]["schemas"]
