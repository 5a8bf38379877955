"""The JSON API: roles, tokens, problem details, pagination, ETags, rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.assessments import answering
from app.timeutil import utcnow
from app.users.models import ApiToken
from app.users.tokens import revoke_token

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def test_it_answers_an_anonymous_call_with_401_problem_details(api):
    body = assert_problem(api(None).get("/api/v1/assessments"), 401)
    assert body["type"].endswith("/problems/not-authenticated")


def test_it_refuses_a_wrong_revoked_or_expired_token(client, db, personas, token):
    assert_problem(
        client.get("/api/v1/assessments", headers={"Authorization": "Bearer dw_nonsense"}), 401
    )
    text = token("lead")
    row = db.exec(select(ApiToken).where(ApiToken.user_id == personas["lead"].id)).one()
    assert (
        client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {text}"}).status_code
        == 200
    )
    assert row.last_used_at is not None
    revoke_token(db, user=personas["lead"], token_id=row.id)
    db.commit()  # as the account page would; a refused request rolls back what is not committed
    assert_problem(
        client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {text}"}), 401
    )
    other = token("lead")
    expired = db.exec(
        select(ApiToken).where(
            ApiToken.user_id == personas["lead"].id, ApiToken.revoked_at.is_(None)
        )
    ).one()
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.add(expired)
    db.commit()
    assert_problem(
        client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {other}"}), 401
    )


def test_it_stores_only_a_hash_of_the_token(db, personas, token):
    text = token("auditor")
    row = db.exec(select(ApiToken).where(ApiToken.user_id == personas["auditor"].id)).one()
    assert text not in row.token_hash and len(row.token_hash) == 64


def test_it_speaks_the_callers_language_in_problems(api):
    nl = api(None).get("/api/v1/assessments", headers={"Accept-Language": "nl"}).json()
    en = api(None).get("/api/v1/assessments", headers={"Accept-Language": "en"}).json()
    assert nl["title"] == "Log eerst in" and en["title"] == "Please log in first"


def test_it_lists_each_invalid_field(api):
    response = api("lead").post(
        "/api/v1/assessments",
        json={"title": "", "department": "x" * 300, "unknown": 1},
        headers={"Accept-Language": "en"},
    )
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"title", "department", "description", "unknown"} <= fields


def test_it_lets_a_lead_create_fill_and_submit_an_assessment(api, sample_version):
    lead = api("lead")
    created = lead.post(
        "/api/v1/assessments",
        json={
            "title": "API",
            "department": "IV",
            "description": "d",
            "questionnaire_key": "sample",
            "questionnaire_version": 1,
        },
    )
    assert created.status_code == 201 and created.headers["ETag"]
    aid = created.json()["id"]
    for qid, value in {"name": "Via de API", "personal": "none", "published": "yes"}.items():
        r = lead.put(
            f"/api/v1/assessments/{aid}/answers/{qid}", json={"value": value, "base_version": 0}
        )
        assert r.status_code == 200 and r.json()["version"] == 1
    support = lead.get(f"/api/v1/assessments/{aid}/decision-support").json()
    assert support["complete"] is True and support["overall_level"] in ("low", "medium", "high")
    submitted = lead.post(f"/api/v1/assessments/{aid}/submit")
    assert submitted.status_code == 200 and len(submitted.json()["sha256"]) == 64
    assert lead.get(f"/api/v1/assessments/{aid}").json()["state"] == "submitted"


def test_it_refuses_creation_without_the_lead_role(api):
    assert_problem(
        api("auditor").post(
            "/api/v1/assessments", json={"title": "t", "department": "d", "description": "x"}
        ),
        403,
    )


def test_it_reports_a_stale_answer_as_a_conflict_with_the_newer_value(
    api, make_assessment, db, personas
):
    a = make_assessment()
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Nieuw", base_version=0, actor=personas["lead"]
    )
    body = assert_problem(
        api("lead").put(
            f"/api/v1/assessments/{a.id}/answers/name", json={"value": "Oud", "base_version": 0}
        ),
        409,
    )
    assert body["current_value"] == "Nieuw" and body["current_version"] == 1


def test_it_honours_if_match_for_conditional_updates(api, make_assessment):
    a = make_assessment()
    lead = api("lead")
    etag = lead.get(f"/api/v1/assessments/{a.id}").headers["ETag"]
    ok = lead.put(
        f"/api/v1/assessments/{a.id}/answers/name",
        json={"value": "Een", "base_version": 0},
        headers={"If-Match": etag},
    )
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    assert_problem(
        lead.put(
            f"/api/v1/assessments/{a.id}/answers/name",
            json={"value": "Twee", "base_version": 1},
            headers={"If-Match": etag},
        ),
        412,
    )


def test_it_keeps_drafts_private_to_their_authors(api, make_assessment):
    a = make_assessment()
    for persona in ("lead2", "board", "auditor", "admin"):
        assert_problem(api(persona).get(f"/api/v1/assessments/{a.id}"), 403)
    assert api("lead2").get("/api/v1/assessments").json()["total"] == 0


def test_it_pages_with_limit_offset_and_total(api, make_assessment):
    for i in range(5):
        make_assessment(title=f"Nummer {i}")
    first = api("lead").get("/api/v1/assessments?limit=2&offset=0").json()
    second = api("lead").get("/api/v1/assessments?limit=2&offset=2").json()
    assert first["total"] == second["total"] == 5
    assert len(first["items"]) == 2 and {i["id"] for i in first["items"]}.isdisjoint(
        {i["id"] for i in second["items"]}
    )
    assert_problem(api("lead").get("/api/v1/assessments?limit=0"), 422)


def test_it_runs_the_committee_actions_for_the_committee_only(api, submitted):
    lead, board, chair = api("lead"), api("board"), api("chair")
    assert_problem(
        lead.post(f"/api/v1/assessments/{submitted.id}/comments", json={"body": "x"}), 403
    )
    c = board.post(
        f"/api/v1/assessments/{submitted.id}/comments",
        json={"body": "Toelichting graag", "question_id": "name"},
    )
    assert c.status_code == 201
    assert (
        board.put(
            f"/api/v1/assessments/{submitted.id}/verdicts/profile", json={"verdict": "acceptable"}
        ).status_code
        == 200
    )
    advice = {
        "outcome": "conditional",
        "summary": "Ja, mits",
        "conditions": [{"text": "Publiceer", "owner": "Team"}],
    }
    assert board.put(f"/api/v1/assessments/{submitted.id}/advice", json=advice).json()["round"] == 1
    assert (
        board.put(
            f"/api/v1/assessments/{submitted.id}/opinion", json={"stance": "agree"}
        ).status_code
        == 200
    )
    assert_problem(board.post(f"/api/v1/assessments/{submitted.id}/advice/finalise"), 403)
    assert chair.post(f"/api/v1/assessments/{submitted.id}/advice/finalise").json()["final"] is True
    assert_problem(board.put(f"/api/v1/assessments/{submitted.id}/advice", json=advice), 409)
    events = lead.get(f"/api/v1/assessments/{submitted.id}/audit-events").json()
    assert events["total"] >= 5 and all(len(e["hash"]) == 64 for e in events["items"])


def test_it_keeps_exports_and_the_archive_for_the_right_roles(api):
    assert_problem(api("lead").get("/api/v1/archive"), 403)
    assert api("auditor").get("/api/v1/archive").status_code == 200
    assert_problem(api("board").get("/api/v1/exports/register"), 403)
    assert (
        api("auditor").get("/api/v1/exports/register").json()["format"] == "datawaarden.register/1"
    )


def test_it_verifies_a_pdf_sent_as_the_body(api, dev_pki):
    response = api("auditor").post(
        "/api/v1/reports/verify",
        content=b"%PDF-1.7 not really",
        headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["is_pdf"] is True and body["signatures"] == []
    assert body["statements"][0] == {
        "ok": False,
        "text": "Deze PDF is beschadigd en kan niet worden gelezen.",
    }
    assert_problem(api("auditor").post("/api/v1/reports/verify", content=b""), 422)
    wrong_date = api("auditor").post(
        "/api/v1/reports/verify?at=tomorrow",
        content=b"%PDF-1.7 not really",
        headers={"Content-Type": "application/pdf"},
    )
    assert [e["field"] for e in assert_problem(wrong_date, 422)["errors"]] == ["at"]


def test_it_limits_the_rate_per_token(client, token, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "api_rate_limit_per_minute", 3)
    text = token("auditor")
    codes = [
        client.get("/api/v1/questionnaires", headers={"Authorization": f"Bearer {text}"})
        for _ in range(4)
    ]
    assert [c.status_code for c in codes[:3]] == [200, 200, 200]
    limited = assert_problem(codes[3], 429)
    assert int(codes[3].headers["Retry-After"]) >= 1 and limited["type"].endswith(
        "/too-many-requests"
    )


def test_it_accepts_the_session_cookie_with_csrf_for_same_origin_calls(login, sample_version):
    lead = login("lead")
    assert lead.get("/api/v1/assessments").status_code == 200
    body = {"title": "t", "department": "d", "description": "x"}
    assert_problem(lead.post("/api/v1/assessments", json=body), 403)  # no CSRF header
    created = lead.post(
        "/api/v1/assessments",
        json={**body, "questionnaire_key": "sample"},
        headers={"X-CSRF-Token": lead.csrf()},
    )
    assert created.status_code == 201


def test_it_manages_tokens_on_the_account_page(login, db, personas):
    lead = login("lead")
    page = lead.post_form("/account/tokens", {"name": "Rapportage", "expires_days": "30"})
    assert page.status_code == 200
    import re

    token = re.search(r"dw_[0-9a-f]{8}_[A-Za-z0-9_-]+", page.text).group(0)
    assert lead.get("/account/tokens").text.count(token) == 0  # shown once
    row = db.exec(select(ApiToken).where(ApiToken.user_id == personas["lead"].id)).one()
    assert lead.post_form(f"/account/tokens/{row.id}/revoke").status_code == 303
    db.refresh(row)
    assert row.revoked_at is not None
    assert login("lead2").post_form(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert (
        lead.post_form("/account/tokens", {"name": "", "expires_days": "nooit"}).status_code == 422
    )


def test_it_makes_a_token_on_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    from app.db import make_engine
    from app.migrate import upgrade_to_head

    url = f"sqlite:///{tmp_path / 't.db'}"
    upgrade_to_head(make_engine(url))
    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": url}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "users",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X Y",
            "--role",
            "auditor",
        ],
        input="Lange-Zin-Met-Woorden-9\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "tokens",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "script",
        ],
        text=True,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert out.returncode == 0 and out.stdout.strip().startswith("dw_")


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/docs"])
def test_it_publishes_the_api_description_without_a_cdn(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "cdn" not in response.text.lower() and "unpkg" not in response.text.lower()


def test_it_documents_every_endpoint_with_a_summary_and_problem_responses(client):
    """Every operation of /api/v1 needs a token (401); the open data is public (no 401)."""
    doc = client.get("/api/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op.get("summary"), (method, path)
            if path.startswith("/api/v1/"):
                content = op["responses"]["401"]["content"]
                assert "application/problem+json" in content, (method, path)
            else:
                assert "401" not in op["responses"] and op["security"] == [], (method, path)


def test_it_gives_the_decision_support_with_everything_the_panel_shows_in_the_callers_language(
    api, sample_version
):
    lead = api("lead")
    aid = lead.post(
        "/api/v1/assessments",
        json={
            "title": "API",
            "department": "IV",
            "description": "d",
            "questionnaire_key": "sample",
        },
    ).json()["id"]
    for qid, value in {"personal": "special", "people": 20000}.items():
        lead.put(
            f"/api/v1/assessments/{aid}/answers/{qid}", json={"value": value, "base_version": 0}
        )
    url = f"/api/v1/assessments/{aid}/decision-support"
    english = lead.get(url, headers={"Accept-Language": "en"}).json()
    dutch = lead.get(url, headers={"Accept-Language": "nl"}).json()
    [dpia] = [o for o in english["obligations"] if o["id"] == "dpia_required"]
    assert (dpia["title"], dpia["severity_label"]) == ("DPIA required", "Required")
    assert dpia["description"] == "Carry out a DPIA." and dpia["reason"] == "Two criteria."
    lines = {line["rule"]: line for line in dpia["because"]}
    assert lines["large_scale"]["text"] == "Large scale."
    assert [a["question_id"] for a in lines["large_scale"]["answers"]] == ["personal", "people"]
    assert [a["question_id"] for a in lines[None]["answers"]] == ["personal"]
    [dutch_dpia] = [o for o in dutch["obligations"] if o["id"] == "dpia_required"]
    assert (dutch_dpia["title"], dutch_dpia["severity_label"]) == ("DPIA verplicht", "Verplicht")
    assert dutch["values"][0]["label"] != english["values"][0]["label"]
    driver = next(d for v in english["values"] for d in v["drivers"] if d["kind"] == "answer")
    assert driver["label"] and driver["answer"] and driver["assumed"] is False


def test_it_names_every_method_a_path_accepts_when_refusing_another(client, token):
    """Starlette names only the first matching route's methods: a path with a GET and a POST
    route said "Allow: GET"."""
    headers = {"Authorization": f"Bearer {token('lead')}"}
    response = client.request("DELETE", "/api/v1/assessments", headers=headers)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert client.request("PATCH", "/login").headers["Allow"] == "GET, POST"
