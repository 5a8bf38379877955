"""Two real server processes on one fresh PostgreSQL database agree: the API rate limit and the
login throttling count over both (requests alternating between them are refused at the same
count as requests to one process), and a role change or a new questionnaire version made
through one process is seen by the other at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.db import make_engine
from tests.conftest import create_postgres_database, drop_postgres_database, skip_without_postgres
from tests.reliability.served import Server, app_env, cli, csrf_token, log_in, serving, wait_until

pytestmark = pytest.mark.postgres

LIMIT = 6  # API calls per token per minute
PASSWORD = "Twee-Processen-Een-Database-58"
ADMIN, LEAD, AUDITOR = "admin@example.org", "lead@example.org", "auditor@example.org"
SAMPLE = Path(__file__).resolve().parents[1] / "questionnaires" / "sample.yaml"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    skip_without_postgres()
    url = create_postgres_database()
    data = tmp_path_factory.mktemp("two-processes")
    questionnaires = data / "questionnaires"
    questionnaires.mkdir()
    for path in (ROOT / "questionnaires").iterdir():
        if path.is_dir():
            (questionnaires / path.name).symlink_to(path)
    env = app_env(
        data,
        database_url=url,
        api_rate_limit_per_minute=str(LIMIT),
        questionnaires_dir=str(questionnaires),
    )
    cli(env, "init")
    for email, role in ((ADMIN, "admin"), (LEAD, "lead"), (AUDITOR, "auditor")):
        cli(
            env, "users", "create", "--email", email, "--name", role, "--role", role, stdin=PASSWORD
        )
    yield env, url
    drop_postgres_database(url)


@pytest.fixture(scope="module")
def servers(world, tmp_path_factory) -> Iterator[list[Server]]:  # type: ignore[no-untyped-def]
    env, _url = world
    with serving(env, tmp_path_factory.mktemp("logs"), 2) as running:
        yield running


def alternating(servers: list[Server], n: int) -> list[str]:
    return [servers[i % len(servers)].url for i in range(n)]


def api_statuses(env: dict[str, str], bases: list[str]) -> list[int]:
    token = cli(env, "tokens", "create", "--email", AUDITOR, "--name", "limit").strip()
    headers = {"Authorization": f"Bearer {token}"}
    return [
        httpx.get(f"{base}/api/v1/questionnaires", headers=headers, timeout=10).status_code
        for base in bases
    ]


def test_the_api_rate_limit_counts_over_both_processes(world, servers):
    env, _url = world
    # Not in the last seconds of a minute: the sliding window carries calls over, and the two
    # runs are compared within one window (a condition, not a pause of fixed length).
    wait_until(lambda: time.time() % 60 < 45, "a window with time to spare", timeout=20)
    both = api_statuses(env, alternating(servers, LIMIT + 3))
    one = api_statuses(env, alternating(servers[:1], LIMIT + 3))
    assert both == one == [200] * LIMIT + [429] * 3


def login_statuses(bases: list[str], email: str) -> list[int]:
    with httpx.Client(timeout=10) as client:
        return [log_in(client, base, email, "wrong-password-123").status_code for base in bases]


def test_login_throttling_counts_over_both_processes(servers):
    both = login_statuses(alternating(servers, 7), LEAD)
    one = login_statuses(alternating(servers[:1], 7), AUDITOR)
    assert both == one == [401] * 5 + [429] * 2


def user_id(url: str, email: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT id FROM users WHERE email = :e"), {"e": email}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_role_change_through_one_process_counts_in_the_other_at_once(world, servers):
    env, url = world
    first, second = servers
    cli(
        env,
        "users",
        "create",
        "--email",
        "new@example.org",
        "--name",
        "New",
        "--role",
        "lead",
        stdin=PASSWORD,
    )
    with httpx.Client(timeout=10) as admin, httpx.Client(timeout=10) as newcomer:
        assert log_in(admin, first.url, ADMIN, PASSWORD).status_code == 303
        assert log_in(newcomer, second.url, "new@example.org", PASSWORD).status_code == 303
        assert newcomer.get(f"{second.url}/admin/users").status_code == 403
        target = user_id(url, "new@example.org")
        changed = admin.post(
            f"{first.url}/admin/users/{target}/roles",
            data={"roles": ["lead", "admin"], "csrf_token": csrf_token(admin, f"{first.url}/")},
        )
        assert changed.status_code == 303
        assert newcomer.get(f"{second.url}/admin/users").status_code == 200
        assert newcomer.get(f"{first.url}/admin/users").status_code == 200
        # And back: the right is gone in both processes with the next request.
        admin.post(
            f"{first.url}/admin/users/{target}/roles",
            data={"roles": ["lead"], "csrf_token": csrf_token(admin, f"{first.url}/")},
        )
        assert newcomer.get(f"{second.url}/admin/users").status_code == 403


def questionnaire_titles(servers: list[Server], client: httpx.Client) -> list[dict[str, str]]:
    titles = []
    for server in servers:
        listed = client.get(f"{server.url}/api/v1/questionnaires").json()["items"]
        titles.append({f"{q['key']}/{q['version']}": q["title_en"] for q in listed})
    return titles


def test_a_questionnaire_change_is_seen_by_both_processes_at_once(world, servers):
    env, _url = world
    folder = Path(env["DATAWAARDEN_QUESTIONNAIRES_DIR"])
    with httpx.Client(timeout=10) as admin:
        assert log_in(admin, servers[0].url, ADMIN, PASSWORD).status_code == 303
        before = questionnaire_titles(servers, admin)
        assert before[0] == before[1] and "sample/1" not in before[0]
        (folder / "sample.yaml").write_text(SAMPLE.read_text())
        cli(env, "init")  # loads the questionnaires into the shared database
        after = questionnaire_titles(servers, admin)
        assert after[0] == after[1] and after[0]["sample/1"] == "Sample"
        # A version no assessment uses yet may still be corrected in place.
        (folder / "sample.yaml").write_text(
            SAMPLE.read_text().replace("en: Sample}", "en: Sample (corrected)}", 1)
        )
        cli(env, "init")
        corrected = questionnaire_titles(servers, admin)
        assert [t["sample/1"] for t in corrected] == ["Sample (corrected)"] * 2
