"""Problem types that point at our own explanations (never at the request's Host), and a clear
503 when the storage cannot take a write (a full disk, a read-only database). On SQLite and
PostgreSQL."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from app.config import get_settings
from app.web.handlers import storage_problem
from app.web.problems import PROBLEM_TYPES
from tests.conftest import Client, on_both_databases

engine = on_both_databases()


def _all_error_classes():
    import app.main  # noqa: F401  (imports every package and so every error class)
    from app.errors import AppError

    todo, found = [AppError], []
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_it_builds_problem_types_from_the_base_url_not_the_host_header(client):
    response = client.get("/api/v1/assessments", headers={"Host": "evil.example"})
    assert response.status_code == 401
    kind = response.json()["type"]
    assert "evil.example" not in kind
    assert kind == f"{get_settings().public_url}/problems/not-authenticated"


def test_it_explains_every_problem_type_on_a_page_of_its_own(client):
    slugs = {cls.slug for cls in _all_error_classes()}
    assert slugs <= set(PROBLEM_TYPES), slugs - set(PROBLEM_TYPES)
    for slug in PROBLEM_TYPES:
        page = client.get(f"/problems/{slug}")
        assert page.status_code == 200, slug
        assert f"/problems/{slug}" in page.text
    index = client.get("/problems")
    assert index.status_code == 200 and all(f"/problems/{s}" in index.text for s in slugs)
    assert client.get("/problems/nothing-like-this").status_code == 404


def _as_lead(app, login) -> Client:
    """The lead's session in a client that shows what a browser would get for a server error
    (a plain test client raises it instead). Logged in before the storage breaks."""
    lead = login("lead")
    lead.csrf()
    return Client(
        app, base_url="http://testserver", raise_server_exceptions=False, cookies=lead.cookies
    )


def _autosave(lead, a):
    """A table of 40 rows: more than the free room in the database's last pages."""
    rows = {f"a-sources-{i}-name": f"Bron {i} " + "x" * 150 for i in range(40)}
    return lead.post(
        f"/assessments/{a.id}/answers/sources",
        data={"rows-sources": "40", "v-sources": "0", **rows},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )


@pytest.fixture
def read_only(db):
    """Call it to make the database refuse writes, as a read-only volume or a replica in
    maintenance does."""
    bind = db.get_bind()
    if bind.dialect.name == "sqlite":  # one shared connection in the tests

        def _make() -> None:
            db.commit()
            db.connection().execute(text("PRAGMA query_only = ON"))
            db.commit()

        yield _make
        db.rollback()
        db.connection().execute(text("PRAGMA query_only = OFF"))
        db.commit()
        return

    def _make_pg() -> None:
        # Allowed in the middle of a transaction (only the way back is not): the test's outer
        # transaction refuses writes from here on, and is rolled back at the end of the test.
        # (On the connection itself: set inside a savepoint it would end with the savepoint.)
        db.commit()
        bind.exec_driver_sql("SET transaction_read_only = on")

    yield _make_pg
    db.rollback()


def test_it_answers_503_with_a_clear_message_when_the_database_is_read_only(
    app, login, make_assessment, db, read_only, caplog
):
    a = make_assessment()
    lead = _as_lead(app, login)
    read_only()
    with caplog.at_level(logging.ERROR, logger="datawaarden"):
        response = _autosave(lead, a)
    assert response.status_code == 503, response.text[:500]
    assert response.headers["Retry-After"]
    assert "alleen worden gelezen" in response.text or "can only be read" in response.text
    assert any("storage-read-only" in r.getMessage() for r in caplog.records)
    assert "Traceback" not in response.text


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("server error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_PgError("53100"), "storage-full"),  # PostgreSQL disk_full
        (_PgError("25006"), "storage-read-only"),  # read_only_sql_transaction
        (OSError(28, "No space left on device"), "storage-full"),
        (OSError(30, "Read-only file system"), "storage-read-only"),
        (ValueError("something else"), None),
    ],
)
def test_it_tells_storage_problems_from_other_errors(error, expected):
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = error
    assert storage_problem(wrapped) == expected
