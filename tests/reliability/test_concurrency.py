"""Many writers at once, on SQLite and PostgreSQL: no lost update, no forked audit chain,
conflicts reported as conflicts."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from sqlmodel import select

from app.assessments import answering, lifecycle
from app.assessments.models import AnswerRevision, Assessment
from app.audit.chain import verify_chain
from app.audit.models import AuditEvent
from app.db import session_scope
from app.questionnaires.registry import find_version
from app.users.models import User
from tests.conftest import (
    POSTGRES_URL,
    build_database,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)

THREADS = 6
SAVES = 15


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'c.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = build_database(url)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        drop_postgres_database(url)


def _new_assessment(engine, title: str) -> int:
    with session_scope(engine) as s:
        lead = s.exec(select(User).where(User.email == "lead@example.org")).one()
        a = lifecycle.create_assessment(
            s,
            actor=lead,
            title=title,
            department="D",
            description="x",
            questionnaire=find_version(s, "sample"),
        )
        return a.id or 0


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_it_loses_no_update_when_many_clients_save_the_same_answer(fresh):
    assessment_id = _new_assessment(fresh, "Eén antwoord, veel schrijvers")
    successes: list[str] = []
    conflicts: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(SAVES):
            value = f"schrijver {n} poging {i}"
            try:
                with session_scope(fresh) as s:
                    a = s.get(Assessment, assessment_id)
                    lead = s.exec(select(User).where(User.email == "lead@example.org")).one()
                    current = answering.stored_answers(s, a).get("name")
                    answering.save_answer(
                        s,
                        assessment=a,
                        question_id="name",
                        raw=value,
                        base_version=current.version if current else 0,
                        actor=lead,
                    )
                with lock:
                    successes.append(value)
            except answering.AnswerConflict:
                with lock:
                    conflicts.append(n)
            except BaseException as exc:  # anything else is a defect
                errors.append(exc)

    _run([threading.Thread(target=writer, args=(n,)) for n in range(THREADS)])
    assert not errors, errors[:3]
    with session_scope(fresh) as s:
        a = s.get(Assessment, assessment_id)
        stored = answering.stored_answers(s, a)["name"]
        revisions = s.exec(
            select(AnswerRevision).where(AnswerRevision.assessment_id == assessment_id)
        ).all()
        assert stored.version == len(successes)  # every acknowledged save is one version
        revisions = sorted(revisions, key=lambda r: r.id or 0)
        # Every acknowledged save is there once. (The order the threads *noted* their
        # acknowledgements in is not the commit order: a thread can be paused between its
        # commit and its note, so the test compares sets and checks the order in the rows.)
        assert sorted(r.new_value_json.strip('"') for r in revisions) == sorted(successes)
        # Each save was made on top of the one before it: no save overwrote another unseen.
        for before, after in itertools.pairwise(revisions):
            assert after.old_value_json == before.new_value_json, "a save was lost"
        assert stored.value == json.loads(revisions[-1].new_value_json)
        assert len(successes) + len(conflicts) == THREADS * SAVES
        report = verify_chain(s)
        assert report.ok, report.problem
        prevs = s.exec(select(AuditEvent.prev_hash)).all()
        assert len(prevs) == len(set(prevs)), "the audit chain forked"


def test_it_accepts_every_save_when_clients_write_to_different_assessments(fresh):
    ids = [_new_assessment(fresh, f"Eigen beoordeling {n}") for n in range(THREADS)]
    errors: list[BaseException] = []

    def writer(assessment_id: int) -> None:
        for i in range(SAVES):
            try:
                with session_scope(fresh) as s:
                    a = s.get(Assessment, assessment_id)
                    lead = s.exec(select(User).where(User.email == "lead@example.org")).one()
                    answering.save_answer(
                        s,
                        assessment=a,
                        question_id="name",
                        raw=f"versie {i}",
                        base_version=i,
                        actor=lead,
                    )
            except BaseException as exc:
                errors.append(exc)

    _run([threading.Thread(target=writer, args=(i,)) for i in ids])
    assert not errors, errors[:3]
    with session_scope(fresh) as s:
        for assessment_id in ids:
            a = s.get(Assessment, assessment_id)
            assert answering.stored_answers(s, a)["name"].version == SAVES
            assert a.version == 1 + SAVES
        assert verify_chain(s).ok


def test_it_gives_unique_references_under_concurrency(fresh):
    made: list[str] = []
    errors: list[BaseException] = []

    def maker() -> None:
        for _ in range(5):
            try:
                with session_scope(fresh) as s:
                    lead = s.exec(select(User).where(User.email == "lead@example.org")).one()
                    a = lifecycle.create_assessment(
                        s,
                        actor=lead,
                        title="t",
                        department="d",
                        description="x",
                        questionnaire=find_version(s, "sample"),
                    )
                    made.append(a.reference)
            except BaseException as exc:
                errors.append(exc)

    _run([threading.Thread(target=maker) for _ in range(THREADS)])
    assert not errors, errors[:3]
    assert len(made) == len(set(made)) == THREADS * 5
