"""The log of a real served process: one JSON object per line (uvicorn's own lines too), the
request id on every line logged during a request (taken from a well-formed X-Request-ID, else
made, and returned in the response), and an access line with method, path, status and
duration; readable text when DATAWAARDEN_LOG_FORMAT=text."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from app.config import Settings, SettingsError, load_settings
from tests.reliability.served import app_env, serving, wait_until

GIVEN_ID = "ops-test-0001"


@pytest.fixture
def broken_key_env(tmp_path):  # type: ignore[no-untyped-def]
    """A process whose signing key cannot be read: /readyz logs why, during the request."""
    key = tmp_path / "broken.p12"
    key.write_bytes(b"not a PKCS#12 file")
    return lambda fmt: app_env(tmp_path / "data", signing_p12=str(key), log_format=fmt)


def served_log(env, tmp_path, requests) -> tuple[list[httpx.Response], str]:  # type: ignore[no-untyped-def]
    with serving(env, tmp_path, 1, ready="/livez") as (server,):
        responses = [
            httpx.get(f"{server.url}{path}", headers=headers) for path, headers in requests
        ]
        last = responses[-1].headers["x-request-id"]
        wait_until(lambda: last in server.output(), "the access line of the last request")
        return responses, server.output()


def test_a_served_process_logs_one_json_object_per_line_with_the_request_id(
    broken_key_env, tmp_path
):
    responses, output = served_log(
        broken_key_env("json"),
        tmp_path,
        [("/readyz", {"X-Request-ID": GIVEN_ID}), ("/livez", {"X-Request-ID": "not well formed!"})],
    )
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(x) for x in lines)
    # uvicorn's own lines, written before any request, in the same format.
    assert any(x["logger"].startswith("uvicorn") and x["request_id"] is None for x in lines)

    assert responses[0].status_code == 503 and responses[0].headers["x-request-id"] == GIVEN_ID
    during = [x for x in lines if x["request_id"] == GIVEN_ID]
    assert {x["logger"] for x in during} >= {"datawaarden.signing", "datawaarden.access"}
    assert any(x["level"] == "ERROR" and "cannot be read" in x["message"] for x in during)
    access = next(x for x in during if x["logger"] == "datawaarden.access")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/readyz", 503)
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] > 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", access["timestamp"])

    made = responses[1].headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert [x["path"] for x in lines if x["request_id"] == made] == ["/livez"]


def test_text_logs_are_readable_lines_with_the_request_id(broken_key_env, tmp_path):
    _responses, output = served_log(
        broken_key_env("text"), tmp_path, [("/livez", {"X-Request-ID": GIVEN_ID})]
    )
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO datawaarden.access \[{GIVEN_ID}\] "
        r"GET /livez 200 [\d.]+ ms$",
        output,
        re.MULTILINE,
    )
    assert not output.lstrip().startswith("{")


def test_the_log_format_defaults_to_json_in_production_and_text_in_development(monkeypatch):
    assert Settings(env="development").resolved_log_format == "text"
    production = Settings().model_copy(update={"env": "production"})
    assert production.resolved_log_format == "json"
    assert Settings(env="development", log_format="json").resolved_log_format == "json"
    monkeypatch.setenv("DATAWAARDEN_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="DATAWAARDEN_LOG_FORMAT"):
        load_settings()
