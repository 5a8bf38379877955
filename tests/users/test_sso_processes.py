"""Two uvicorn processes behind one address (as behind a load balancer) on one database, on
SQLite and on PostgreSQL: a single sign-on login started by one process is finished by the
other, and its state is then used up for both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import create_postgres_database, drop_postgres_database, skip_without_postgres
from tests.e2e.conftest import _app_env, _free_port, _run_cli, running_server
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, path_and_query, running_provider


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    skip_without_postgres()
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


def test_a_login_begun_by_one_process_is_finished_by_the_other_and_only_once(
    tmp_path: Path, database_url: str
):
    with running_provider() as provider:
        provider.set_user("pim", email="pim@example.org", name="Pim", groups=["dw-leads"])
        public = f"http://127.0.0.1:{_free_port()}"  # the address both sit behind
        env = _app_env(tmp_path)
        env.update(
            DATAWAARDEN_DATABASE_URL=database_url,
            DATAWAARDEN_BASE_URL=public,
            DATAWAARDEN_OIDC_ISSUER=provider.issuer,
            DATAWAARDEN_OIDC_CLIENT_ID=CLIENT_ID,
            DATAWAARDEN_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            DATAWAARDEN_OIDC_ROLE_MAP=json.dumps(ROLE_MAP),
        )
        _run_cli(["init"], env=env)
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with (
            running_server(tmp_path / "a", env) as one,
            running_server(tmp_path / "b", env) as other,
            httpx.Client(base_url=one.base_url, timeout=30) as browser_at_one,
        ):
            started = browser_at_one.get("/login/sso", params={"next": "/assessments"})
            assert started.status_code == 303
            callback = path_and_query(provider.authorize(started.headers["location"], "pim"))
            with httpx.Client(
                base_url=other.base_url, cookies=browser_at_one.cookies, timeout=30
            ) as same_browser_at_other:
                finished = same_browser_at_other.get(callback)
                assert finished.status_code == 303, finished.text
                assert finished.headers["location"] == "/assessments"
                assert "dw_session" in same_browser_at_other.cookies
                assert same_browser_at_other.get("/assessments").status_code == 200
            assert browser_at_one.get(callback).status_code == 400  # replayed at the first
