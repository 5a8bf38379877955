"""The API: attach a file to an answer (multipart), list an answer's files, download one."""

from __future__ import annotations

import pytest

from app.users.tokens import create_token
from tests.attachments import files
from tests.attachments.conftest import with_limits

PROBLEM = "application/problem+json"


@pytest.fixture
def bearer(db, personas):  # type: ignore[no-untyped-def]
    def _make(key: str) -> dict[str, str]:
        _row, text = create_token(db, user=personas[key], name="bijlagen", expires_days=None)
        db.commit()
        return {"Authorization": f"Bearer {text}", "Accept-Language": "en"}

    return _make


def url(a, qid: str = "name") -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/assessments/{a.id}/answers/{qid}/attachments"


def test_a_lead_attaches_lists_and_downloads_a_file(client, bearer, make_assessment):
    a = make_assessment()
    lead = bearer("lead")
    response = client.post(
        url(a), headers=lead, files={"file": ("bronnen.xlsx", files.xlsx(), "text/html")}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["media_type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert body["filename"] == "bronnen.xlsx" and body["question_id"] == "name"
    assert response.headers["location"] == body["download_url"]
    listed = client.get(url(a), headers=lead).json()
    assert listed == {"items": [body], "total": 1}
    download = client.get(body["download_url"], headers=lead)
    assert download.status_code == 200 and download.content == files.xlsx()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-sha256"] == body["sha256"]
    assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"


def test_it_refuses_with_problem_details(app, client, bearer, make_assessment, submitted):
    a = make_assessment()
    lead = bearer("lead")
    refused = client.post(
        url(a), headers=lead, files={"file": ("logo.svg", files.SVG, "image/svg+xml")}
    )
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["errors"][0]["field"] == "file"
    assert (
        client.post(
            url(submitted), headers=lead, files={"file": ("a.pdf", files.pdf(), "application/pdf")}
        ).status_code
        == 409
    )
    assert (
        client.post(
            url(a),
            headers=bearer("board"),
            files={"file": ("a.pdf", files.pdf(), "application/pdf")},
        ).status_code
        == 403
    )
    assert (
        client.post(
            url(a, "nonsense"),
            headers=lead,
            files={"file": ("a.pdf", files.pdf(), "application/pdf")},
        ).status_code
        == 404
    )
    assert client.get(url(a, "nonsense"), headers=lead).status_code == 404
    app.state.settings = with_limits(attachment_max_file_mb=1)
    large = client.post(
        url(a), headers=lead, files={"file": ("g.csv", files.csv("a\r\n" * 600_000), "text/csv")}
    )
    assert large.status_code == 413 and large.headers["content-type"].startswith(PROBLEM)
    assert client.get(url(a), headers=lead).json()["total"] == 0


def test_the_openapi_document_describes_the_attachment_operations(client):
    doc = client.get("/api/openapi.json").json()
    post = doc["paths"]["/api/v1/assessments/{assessment_id}/answers/{question_id}/attachments"][
        "post"
    ]
    assert post["operationId"] == "add_attachment"
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"403", "404", "409", "413", "422"} <= set(post["responses"])
    assert "Location" in post["responses"]["201"]["headers"]
    download = doc["paths"]["/api/v1/assessments/{assessment_id}/attachments/{attachment_id}"][
        "get"
    ]
    assert download["operationId"] == "get_attachment"
    assert "Content-Disposition" in download["responses"]["200"]["headers"]
    assert "application/pdf" in download["responses"]["200"]["content"]
