"""/metrics: Prometheus' text format behind a bearer token (404 without one configured), with the
latency of each request under its route template and the counts of saves, save conflicts and
failed logins. Scraped through the app and read with prometheus_client's own parser."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings, SettingsError, get_settings, load_settings
from tests.conftest import PERSONAS

TOKEN = "metrics-" + "x" * 24
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SAVE_ROUTE = "/assessments/{assessment_id}/answers/{question_id}"


@pytest.fixture
def token(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(get_settings(), "metrics_token", TOKEN)


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def save(client, assessment_id: int, text: str, seen: int):  # type: ignore[no-untyped-def]
    return client.post(
        f"/assessments/{assessment_id}/answers/name",
        data={"a-name": text, "v-name": str(seen)},
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf()},
    )


def test_it_does_not_exist_without_a_token_configured(client):
    assert get_settings().metrics_token == ""
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_it_refuses_a_missing_or_wrong_token(client, token):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "datawaarden_" not in response.text


def test_it_counts_saves_conflicts_and_failed_logins(client, login, make_assessment, token):
    a = make_assessment()
    lead = login("lead")
    before = scrape(client)
    assert save(lead, a.id, "Eerste versie", 0).status_code == 200
    assert save(lead, a.id, "Oud tabblad", 0).status_code == 409
    assert (
        client.post_form(
            "/login", {"email": PERSONAS["board"].email, "password": "not-the-password-1"}
        ).status_code
        == 401
    )
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("datawaarden_answer_saves_total") == 1  # the conflict saved nothing
    assert grew("datawaarden_answer_save_conflicts_total") == 1
    assert grew("datawaarden_login_failures_total", reason="invalid") == 1
    assert grew("datawaarden_login_failures_total", reason="throttled") == 0
    # Latency per route template: both saves under one series each for 200 and 409.
    for status in ("200", "409"):
        assert (
            grew(
                "datawaarden_http_request_duration_seconds_count",
                method="POST",
                route=SAVE_ROUTE,
                status=status,
            )
            == 1
        )
    routes = {dict(labels).get("route") for (_name, labels) in after}
    assert not any(f"/assessments/{a.id}/" in (route or "") for route in routes)  # no raw path


def test_a_request_no_route_takes_is_counted_under_one_label(client, token):
    client.get("/no/such/page/12345")
    samples = scrape(client)
    assert (
        value(
            samples,
            "datawaarden_http_request_duration_seconds_count",
            method="GET",
            route="unmatched",
            status="404",
        )
        >= 1
    )


def test_the_metrics_token_must_be_long_enough(monkeypatch):
    assert Settings(metrics_token="y" * 24).metrics_token == "y" * 24
    monkeypatch.setenv("DATAWAARDEN_METRICS_TOKEN", "short")
    with pytest.raises(SettingsError, match="DATAWAARDEN_METRICS_TOKEN"):
        load_settings()
    assert "y" * 24 not in repr(Settings(metrics_token="y" * 24))
