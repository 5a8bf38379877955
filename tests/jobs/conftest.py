"""Reminders and the job runner: a fresh committed database per test (the scan and the sender
open their own transactions), a real SMTP server on loopback (aiosmtpd), signed assessments
with conditions, and workers run as real processes."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.assessments.models import Assessment, ConflictOfInterest, Submission
from app.config import get_settings
from app.db import session_scope
from app.questionnaires.registry import find_version
from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp
from app.users.models import User
from tests.conftest import (
    PERSONAS,
    POSTGRES_URL,
    build_database,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    skip_without_postgres,
)

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2027, 3, 1)


def wait_until(condition: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    """Poll a condition until it holds (never a fixed sleep); fail after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.05)


# --- the database ----------------------------------------------------------------------


@dataclass
class World:
    engine: Engine
    url: str
    users: dict[str, int]
    kind: str
    _references: list[int] = field(default_factory=lambda: [0])

    def user(self, session: Session, key: str) -> User:
        found = session.get(User, self.users[key])
        assert found is not None
        return found

    def add_user(self, email: str, name: str, *, locale: str = "nl", active: bool = True) -> int:
        with session_scope(self.engine) as session:
            user = User(email=email, name=name, password_hash="x", locale=locale, is_active=active)
            session.add(user)
            session.flush()
            return user.id or 0

    def signed(
        self,
        conditions: list[dict[str, Any]],
        *,
        rapporteur: str | None = "board",
        reassess_on: date | None = None,
        lead: str = "lead",
        title: str = "Verkeerstellingen dashboard",
    ) -> Assessment:
        """A signed assessment whose final advice has these conditions (each a dict of
        text, owner, due_on, owner_user_id, owner_email, status), with their follow-up rows."""
        self._references[0] += 1
        with session_scope(self.engine) as session:
            lead_user = self.user(session, lead)
            chair = self.user(session, "chair")
            assessment = Assessment(
                reference=f"DW-2027-{self._references[0]:04d}",
                title=title,
                department="Mobiliteit",
                description="Een dashboard.",
                questionnaire_version_id=find_version(session, "sample").id or 0,
                lead_id=lead_user.id or 0,
                state="in_review",
                rapporteur_id=self.users[rapporteur] if rapporteur else None,
            )
            session.add(assessment)
            session.flush()
            submission = Submission(
                assessment_id=assessment.id or 0,
                number=1,
                snapshot_json="{}",
                sha256="0" * 64,
                submitted_by_id=lead_user.id or 0,
            )
            session.add(submission)
            session.flush()
            advice = Advice(
                assessment_id=assessment.id or 0,
                submission_id=submission.id or 0,
                outcome="conditional",
                summary="Positief met voorwaarden.",
                reassess_on=reassess_on,
                drafted_by_id=chair.id or 0,
                finalised_by_id=chair.id,
                finalised_at=datetime(2027, 1, 10, tzinfo=UTC),
            )
            session.add(advice)
            session.flush()
            rows = []
            for number, spec in enumerate(conditions, start=1):
                row = AdviceCondition(
                    advice_id=advice.id or 0,
                    number=number,
                    text=spec.get("text", f"Voorwaarde {number}"),
                    owner=spec.get("owner", "Team Mobiliteit"),
                    due_on=spec.get("due_on"),
                    owner_user_id=spec.get("owner_user_id"),
                    owner_email=spec.get("owner_email", ""),
                )
                session.add(row)
                rows.append((row, spec.get("status", "open")))
            session.flush()
            assessment.state = "signed"
            session.add(assessment)
            session.flush()
            for row, status in rows:
                session.add(
                    ConditionFollowUp(
                        condition_id=row.id or 0,
                        assessment_id=assessment.id or 0,
                        status=status,
                    )
                )
            session.expunge(assessment)
            return assessment

    def declare_conflict(self, assessment_id: int, key: str) -> None:
        with session_scope(self.engine) as session:
            session.add(ConflictOfInterest(assessment_id=assessment_id, user_id=self.users[key]))

    def start_reassessment(self, previous: Assessment) -> None:
        self._references[0] += 1
        with session_scope(self.engine) as session:
            session.add(
                Assessment(
                    reference=f"DW-2027-{self._references[0]:04d}",
                    title=previous.title,
                    department=previous.department,
                    description=previous.description,
                    questionnaire_version_id=previous.questionnaire_version_id,
                    lead_id=previous.lead_id,
                    previous_id=previous.id,
                )
            )

    def set_status(self, condition_id: int, status: str) -> None:
        with session_scope(self.engine) as session:
            row = session.get(ConditionFollowUp, condition_id)
            assert row is not None
            row.status = status
            session.add(row)

    def condition_ids(self, assessment: Assessment) -> list[int]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(ConditionFollowUp.condition_id)
                    .where(ConditionFollowUp.assessment_id == assessment.id)
                    .order_by(ConditionFollowUp.condition_id)  # type: ignore[arg-type]
                ).all()
            )


def _users(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            key: session.exec(select(User.id).where(User.email == p.email)).one()  # type: ignore[misc]
            for key, p in PERSONAS.items()
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A fresh database, committed, with the personas and the sample questionnaire."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / f'jobs-{uuid.uuid4().hex[:8]}.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = build_database(url)
    yield World(engine, url, _users(engine), request.param)
    engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / f'jobs-{uuid.uuid4().hex[:8]}.db'}"
    engine = build_database(url)
    yield World(engine, url, _users(engine), "sqlite")
    engine.dispose()


@pytest.fixture
def postgres_world(tmp_path: Path) -> Iterator[World]:
    skip_without_postgres()
    url = create_postgres_database()
    engine = build_database(url)
    yield World(engine, url, _users(engine), "postgresql")
    engine.dispose()
    drop_postgres_database(url)


# --- SMTP --------------------------------------------------------------------------------


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


class Inbox:
    """What a real SMTP server received; it can refuse the next messages on purpose."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refusals: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self._lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60) -> list[Message]:
        wait_until(lambda: len(self.messages) >= count, timeout, f"{count} e-mails")
        return list(self.messages)

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("DATAWAARDEN_SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    yield inbox
    controller.stop()
    monkeypatch.delenv("DATAWAARDEN_SMTP_URL")
    get_settings.cache_clear()


@pytest.fixture
def settings_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """The settings with some DATAWAARDEN_ variables set for this test."""

    def _set(**values: object):  # type: ignore[no-untyped-def]
        for name, value in values.items():
            monkeypatch.setenv(f"DATAWAARDEN_{name.upper()}", str(value))
        get_settings.cache_clear()
        return get_settings()

    yield _set
    get_settings.cache_clear()


# --- workers as processes ----------------------------------------------------------------


def worker_env(world: World, smtp_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    env.update(
        DATAWAARDEN_ENV="test",
        DATAWAARDEN_DATA_DIR=str(data_dir),
        DATAWAARDEN_SECRET_KEY=os.environ["DATAWAARDEN_SECRET_KEY"],
        DATAWAARDEN_DATABASE_URL=world.url,
        DATAWAARDEN_SMTP_URL=smtp_url,
        DATAWAARDEN_AUDIT_CHECKPOINT_FILE="off",
        DATAWAARDEN_MAIL_POLL_SECONDS="0.1",
        DATAWAARDEN_MAIL_LEASE_SECONDS="1",
        DATAWAARDEN_JOBS_STALLED_SECONDS="2",
        DATAWAARDEN_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


class Worker:
    """`datawaarden jobs run` as a process, its standard output read line by line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "jobs", "run", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(
            f"the worker never printed {text!r}; it printed:\n" + "\n".join(self.seen[-40:])
        )

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
