"""Uploads at the same moment, from many threads with a transaction each (several app
processes behave the same towards the database): identical bytes never fail and are stored
once, and the limits hold when uploads race for the last place."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from app.assessments import lifecycle
from app.attachments import service
from app.attachments.models import Attachment, Blob
from app.db import session_scope
from app.errors import InvalidInput
from app.questionnaires.registry import find_version
from app.users.models import Role
from tests.attachments.conftest import with_limits
from tests.conftest import create_postgres_database, drop_postgres_database, skip_without_postgres
from tests.reports.conftest import World, build_world

UPLOADS = 8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    built = build_world(tmp_path_factory.mktemp("parallel-db"), url)
    yield built
    built.engine.dispose()
    if url is not None:
        drop_postgres_database(url)


def new_assessments(world: World, count: int) -> list[int]:
    with session_scope(world.engine) as session:
        lead = world.user(session, "lead")
        return [
            lifecycle.create_assessment(
                session,
                actor=lead,
                title=f"Parallel {n}",
                department="Mobiliteit",
                description="Gelijktijdige uploads.",
                questionnaire=find_version(session, "sample"),
            ).id
            or 0
            for n in range(count)
        ]


def upload_all(world: World, targets: list[int], data: bytes, settings=None) -> list[object]:  # type: ignore[no-untyped-def]
    """Each target uploads `data` in a thread of its own, all released at once; returns each
    upload's attachment id or the error it raised."""
    from app.assessments.reading import get_assessment

    start = threading.Barrier(len(targets))

    def one(index: int) -> object:
        start.wait()
        try:
            with session_scope(world.engine) as session:
                attachment = service.add_attachment(
                    session,
                    assessment=get_assessment(session, targets[index]),
                    actor=world.user(session, "lead"),
                    roles=frozenset({Role.lead}),
                    filename=f"bijlage-{index}.csv",
                    data=data,
                    question_id="name",
                    settings=settings,
                )
                return attachment.id
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        return list(pool.map(one, range(len(targets))))


def test_identical_uploads_at_the_same_moment_all_succeed_and_share_one_blob(world):
    data = f"kenmerk;{secrets.token_hex(8)}\r\n".encode()
    results = upload_all(world, new_assessments(world, UPLOADS), data)
    assert all(isinstance(r, int) for r in results), results
    with world.session() as session:
        sha = session.exec(select(Attachment.sha256).where(Attachment.id == results[0])).one()
        assert (
            session.exec(select(func.count()).select_from(Blob).where(Blob.sha256 == sha)).one()
            == 1
        )
        assert (
            session.exec(
                select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha)
            ).one()
            == UPLOADS
        )


def test_identical_uploads_to_one_answer_at_once_respect_its_limit(world):
    settings = with_limits(attachment_max_per_answer=3)
    [target] = new_assessments(world, 1)
    data = f"kenmerk;{secrets.token_hex(8)}\r\n".encode()
    results = upload_all(world, [target] * UPLOADS, data, settings)
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(stored) == 3, results
    assert all(isinstance(r, InvalidInput) for r in refused), refused
    with world.session() as session:
        assert (
            session.exec(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.assessment_id == target)
            ).one()
            == 3
        )
