"""Test set-up: the database is built by `alembic upgrade head`, each test runs in a
transaction that is rolled back, and fixed personas exist in every test."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="dw-tests-"))
os.environ.update(
    DATAWAARDEN_ENV="test",
    DATAWAARDEN_DATA_DIR=str(_TMP / "data"),
    DATAWAARDEN_SECRET_KEY="test-secret-" + secrets.token_urlsafe(32),
    DATAWAARDEN_DATABASE_URL=f"sqlite:///{_TMP / 'unused.db'}",
    # Test databases come and go; one shared checkpoint file would mix their trails. The
    # checkpoint tests name a file of their own.
    DATAWAARDEN_AUDIT_CHECKPOINT_FILE="off",
)
for _name in list(os.environ):
    if _name.startswith("DATAWAARDEN_") and _name not in {
        "DATAWAARDEN_ENV",
        "DATAWAARDEN_DATA_DIR",
        "DATAWAARDEN_SECRET_KEY",
        "DATAWAARDEN_DATABASE_URL",
        "DATAWAARDEN_AUDIT_CHECKPOINT_FILE",
        "DATAWAARDEN_TEST_POSTGRES_URL",
    }:
        del os.environ[_name]

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

import app.models  # noqa: E402  (every table, and the lifecycle subscribers)
from app.config import get_settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import upgrade_to_head  # noqa: E402
from app.users.models import Role, User, UserRole  # noqa: E402
from app.users.passwords import hash_password  # noqa: E402

get_settings.cache_clear()

PASSWORD = "Correct-Horse-Battery-42"
POSTGRES_URL = os.environ.get("DATAWAARDEN_TEST_POSTGRES_URL")


@dataclass(frozen=True)
class Persona:
    """A fixed test user."""

    key: str
    email: str
    name: str
    roles: frozenset[Role]


PERSONAS = {
    p.key: p
    for p in [
        Persona("lead", "lead@example.org", "Lia Lead", frozenset({Role.lead})),
        Persona("lead2", "lead2@example.org", "Lars Otherlead", frozenset({Role.lead})),
        Persona("board", "board@example.org", "Bea Board", frozenset({Role.board})),
        Persona("chair", "chair@example.org", "Chris Chair", frozenset({Role.chair, Role.board})),
        Persona("auditor", "auditor@example.org", "Aad Auditor", frozenset({Role.auditor})),
        Persona("admin", "admin@example.org", "Ada Admin", frozenset({Role.admin})),
    ]
}


def _seed_personas(engine: Engine) -> None:
    password_hash = hash_password(PASSWORD)
    with Session(engine) as session:
        for persona in PERSONAS.values():
            user = User(email=persona.email, name=persona.name, password_hash=password_hash)
            session.add(user)
            session.flush()
            for role in persona.roles:
                session.add(UserRole(user_id=user.id, role=role.value))
        session.commit()


def build_database(url: str) -> Engine:
    """Migrate an empty database to head, add the personas and the test questionnaire."""
    from app.questionnaires.registry import sync_questionnaires

    engine = make_engine(url)
    upgrade_to_head(engine)
    _seed_personas(engine)
    with Session(engine) as session:
        sync_questionnaires(session, Path(__file__).parent / "questionnaires")
        session.commit()
    return engine


@pytest.fixture(scope="session")
def sqlite_engine() -> Iterator[Engine]:
    engine = build_database(f"sqlite:///{_TMP / f'test-{uuid.uuid4().hex[:8]}.db'}")
    yield engine
    engine.dispose()


def create_postgres_database() -> str:
    """A fresh, empty PostgreSQL database for this run; returns its URL."""
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"dw_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    assert POSTGRES_URL
    name = make_url(url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def skip_without_postgres() -> None:
    """Skip when no PostgreSQL is configured; fail instead where it is required (.ci/run sets
    DATAWAARDEN_REQUIRE_POSTGRES on a machine that has PostgreSQL)."""
    if POSTGRES_URL:
        return
    if os.environ.get("DATAWAARDEN_REQUIRE_POSTGRES"):
        pytest.fail("PostgreSQL is required here, but DATAWAARDEN_TEST_POSTGRES_URL is not set")
    pytest.skip("DATAWAARDEN_TEST_POSTGRES_URL is not set (CI sets it when PostgreSQL runs)")


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    skip_without_postgres()
    url = create_postgres_database()
    engine = build_database(url)
    yield engine
    engine.dispose()
    drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(scope="session")
def dev_pki():  # type: ignore[no-untyped-def]
    """The development signing PKI under the test DATA_DIR."""
    from app.reports.pki import ensure_dev_pki

    settings = get_settings()
    paths, _created = ensure_dev_pki(
        settings.pki_dir, org_name=settings.org_name, base_url=settings.public_url
    )
    return paths


@pytest.fixture
def engine(sqlite_engine: Engine) -> Engine:
    return sqlite_engine


def on_both_databases():  # type: ignore[no-untyped-def]
    """An `engine` fixture for a test module or a conftest: its tests run on SQLite and on
    PostgreSQL (the rolled-back `db`, the `app` and the personas follow the engine)."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def engine(request: pytest.FixtureRequest) -> Engine:
        engine: Engine = request.getfixturevalue(f"{request.param}_engine")
        return engine

    return engine


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def personas(db: Session) -> dict[str, User]:
    from app.users.service import get_user_by_email

    found = {key: get_user_by_email(db, p.email) for key, p in PERSONAS.items()}
    assert all(found.values())
    return found  # type: ignore[return-value]


@pytest.fixture
def app(engine: Engine, db: Session):  # type: ignore[no-untyped-def]
    from app.main import create_app

    application = create_app(get_settings(), engine=engine)

    def _session() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.state.sessions = contextmanager(_session)
    return application


@pytest.fixture
def sample_version(db: Session):  # type: ignore[no-untyped-def]
    """The small test questionnaire (tests/questionnaires/sample.yaml) as stored."""
    from app.questionnaires.registry import find_version

    return find_version(db, "sample")


@pytest.fixture
def make_assessment(db: Session, personas, sample_version):  # type: ignore[no-untyped-def]
    """Create a draft assessment of the sample questionnaire for a persona."""
    from app.assessments.lifecycle import create_assessment

    def _make(key: str = "lead", title: str = "Verkeerstellingen dashboard"):  # type: ignore[no-untyped-def]
        assessment = create_assessment(
            db,
            actor=personas[key],
            title=title,
            department="Mobiliteit",
            description="Een dashboard met open verkeerstellingen.",
            questionnaire=sample_version,
        )
        # Commit to the test's savepoint, so that a refused request does not roll it back.
        db.commit()
        return assessment

    return _make


COMPLETE_SAMPLE_ANSWERS = {
    "name": "Verkeerstellingen",
    "personal": "none",
    "published": "yes",
}


@pytest.fixture
def submitted(db: Session, make_assessment, personas):  # type: ignore[no-untyped-def]
    """A sample assessment answered completely by its lead and submitted to the committee."""
    from app.assessments import answering, lifecycle

    a = make_assessment()
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    db.commit()
    return a


class Client(TestClient):
    """A test client that knows its CSRF token."""

    def csrf(self) -> str:
        from app.web.csrf import CSRF_COOKIE, token_for_seed

        if CSRF_COOKIE not in self.cookies:
            self.get("/login")
        return token_for_seed(self.cookies[CSRF_COOKIE])

    def post_form(self, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    with Client(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def login(app):  # type: ignore[no-untyped-def]
    """Log a persona in: returns a client with their session."""
    clients: list[Client] = []

    def _login(key: str) -> Client:
        c = Client(app, base_url="http://testserver", follow_redirects=False)
        clients.append(c)
        response = c.post_form("/login", {"email": PERSONAS[key].email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        return c

    yield _login
    for c in clients:
        c.close()


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def page_text(html: str) -> str:
    """The visible text of a page, with white space folded."""
    from bs4 import BeautifulSoup

    return re.sub(r"\s+", " ", BeautifulSoup(html, "lxml").get_text(" ")).strip()


@contextmanager
def statements_run(session: Session) -> Iterator[list[str]]:
    """The SQL statements that the session's connection runs while the block runs."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


@dataclass
class NetworkGuard:
    """Every connection attempted while the network was off."""

    attempts: list[object]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    """The network is off: every socket connection is refused (and recorded)."""
    import socket

    guard = NetworkGuard([])

    def refuse(_self: object, address: object, *_args: object, **_kwargs: object) -> None:
        guard.attempts.append(address)
        raise OSError("the network is off in this test")

    def refuse_new(address: object, *_args: object, **_kwargs: object) -> None:
        guard.attempts.append(address)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_new)
    return guard
