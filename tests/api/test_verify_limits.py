"""The API's verification shares the page's limits: a few at once, then 503 with Retry-After."""

from __future__ import annotations

from contextlib import ExitStack

from app.reports import verify as verify_module
from tests.api.test_endpoints import assert_problem


def test_it_answers_503_with_retry_after_when_every_verification_slot_is_taken(api, dev_pki):
    caller = api("auditor")
    with ExitStack() as taken:
        for _ in range(verify_module.MAX_CONCURRENT_VERIFICATIONS):
            taken.enter_context(verify_module.verification_slot())
        busy = caller.post(
            "/api/v1/reports/verify",
            content=b"%PDF-1.7 not really",
            headers={"Content-Type": "application/pdf", "Accept-Language": "en"},
        )
        body = assert_problem(busy, 503)
        assert int(busy.headers["Retry-After"]) > 0
        assert body["detail"] == (
            "Too many files are being checked at the moment. Please try again in a few seconds."
        )
    again = caller.post(
        "/api/v1/reports/verify",
        content=b"%PDF-1.7 not really",
        headers={"Content-Type": "application/pdf"},
    )
    assert again.status_code == 200 and again.json()["ok"] is False
