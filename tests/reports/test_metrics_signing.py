"""Signing duration and verification failures reach /metrics."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from app.config import get_settings
from tests.reports.conftest import flip_byte_in_signed_range, unsigned_pdf

TOKEN = "metrics-" + "z" * 24


def samples(client) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return {
        (s.name, s.labels.get("reason", "")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_signing_time_and_failed_verifications_are_measured(world, signed, monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_token", TOKEN)
    with world.client() as visitor:
        visitor.get("/verify")
        before = samples(visitor)
        assert before[("datawaarden_signing_duration_seconds_count", "")] >= 1
        assert before[("datawaarden_signing_duration_seconds_sum", "")] > 0
        for pdf in (unsigned_pdf(), flip_byte_in_signed_range(signed.pdf), signed.pdf):
            response = visitor.post_form(
                "/verify", {}, files={"file": ("r.pdf", pdf, "application/pdf")}
            )
            assert response.status_code == 200
        after = samples(visitor)
    failures = ("datawaarden_verification_failures_total", "signature")
    assert after[failures] - before.get(failures, 0) == 2  # the intact report is no failure
