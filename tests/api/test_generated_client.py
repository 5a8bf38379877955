"""A real client generated from the served OpenAPI document (openapi-python-client) runs a
lead's journey: create, answer with optimistic concurrency, submit, read the decision support.
If the document's operation ids, schemas, error responses or headers are off, generation
warns or the typed client cannot parse what the server sends."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

# Media types the generator does not parse itself: the client gets their bytes, or JSON.
CONFIG = """content_type_overrides:
  application/pdf: application/octet-stream
  application/atom+xml: application/octet-stream
  text/csv: application/octet-stream
  application/ld+json: application/json
  application/schema+json: application/json
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    from app.api.docs import openapi_document
    from app.canonical import canonical_json

    work = tmp_path_factory.mktemp("client")
    (work / "openapi.json").write_text(canonical_json(openapi_document()))
    (work / "config.yaml").write_text(CONFIG)
    tool = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(tool), "generate", "--path", "openapi.json", "--config", "config.yaml"]
        + ["--output-path", str(work / "dw_client"), "--meta", "none"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(work)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module("dw_client")
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == "dw_client" or m.startswith("dw_client.")]:
            del sys.modules[name]
        shutil.rmtree(work / "dw_client", ignore_errors=True)


def api(generated: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"dw_client.api.v1.{name}")


def models(generated: ModuleType) -> ModuleType:
    return importlib.import_module("dw_client.models")


def test_it_names_every_operation_verb_noun(generated):
    operations = {
        p.stem for p in Path(generated.__file__).parent.joinpath("api", "v1").glob("*.py")
    }
    operations.discard("__init__")
    assert {
        "create_assessment",
        "put_answer",
        "submit_assessment",
        "get_decision_support",
        "list_answers",
        "verify_report",
    } <= operations
    assert not [o for o in operations if "api_v1" in o]


def test_a_lead_runs_the_journey_with_the_generated_client(generated, app, token, sample_version):
    m = models(generated)
    client = generated.AuthenticatedClient(base_url="http://testserver", token=token("lead"))
    client.set_httpx_client(
        TestClient(
            app, base_url="http://testserver", headers={"Authorization": f"Bearer {token('lead')}"}
        )
    )
    created = api(generated, "create_assessment").sync_detailed(
        client=client,
        body=m.AssessmentCreate(
            title="Via de client",
            department="IV",
            description="Een journey met de gegenereerde client.",
            questionnaire_key="sample",
        ),
    )
    assert created.status_code == 201, created.content
    assessment = created.parsed
    assert isinstance(assessment, m.AssessmentOut)
    etag = created.headers["ETag"]
    put = api(generated, "put_answer")
    saved = put.sync_detailed(
        assessment.id,
        "name",
        client=client,
        body=m.AnswerPut(value="Tellingen", base_version=0),
        if_match=etag,
    )
    assert saved.status_code == 200 and isinstance(saved.parsed, m.AnswerOut)
    stale = put.sync_detailed(
        assessment.id,
        "personal",
        client=client,
        body=m.AnswerPut(value="none", base_version=0),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, m.Problem) and stale.parsed.status == 412
    for qid, value in (("personal", "none"), ("published", "yes")):
        fresh = saved.headers["ETag"]
        saved = put.sync_detailed(
            assessment.id,
            qid,
            client=client,
            body=m.AnswerPut(value=value, base_version=0),
            if_match=fresh,
        )
        assert saved.status_code == 200, saved.content
    support = api(generated, "get_decision_support").sync(assessment.id, client=client)
    assert isinstance(support, m.DecisionSupportOut)
    assert support.complete and support.overall_level.value in ("low", "medium", "high")
    assert all(isinstance(o, m.ObligationOut) and o.title for o in support.obligations)
    submitted = api(generated, "submit_assessment").sync_detailed(assessment.id, client=client)
    assert submitted.status_code == 200, submitted.content
    again = api(generated, "submit_assessment").sync_detailed(assessment.id, client=client)
    assert again.status_code == 409 and isinstance(again.parsed, m.Problem)
