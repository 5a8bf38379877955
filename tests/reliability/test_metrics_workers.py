"""With several uvicorn workers and PROMETHEUS_MULTIPROC_DIR, a scrape of /metrics reports the
sum over every worker, whichever worker answers it."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.reliability.served import app_env, cli, log_in, serving

TOKEN = "workers-" + "w" * 24
ATTEMPTS = 8


def failed_logins(base: str) -> float:
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "datawaarden_login_failures_total"
    )


def test_a_scrape_sums_the_counts_of_every_worker(tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = app_env(tmp_path / "data", metrics_token=TOKEN)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    cli(env, "init")
    with serving(env, tmp_path, 1, "--workers", "2") as (server,):
        for n in range(ATTEMPTS):  # new connections: the workers share the socket
            with httpx.Client(timeout=10) as client:
                assert (
                    log_in(client, server.url, f"nobody{n}@example.org", "x" * 12).status_code
                    == 401
                )
        assert list(shared.glob("counter_*.db"))  # the workers count in the shared directory
        assert [failed_logins(server.url) for _ in range(6)] == [ATTEMPTS] * 6
