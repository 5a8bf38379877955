"""The chair's signature on the advice page answers once the internal report is signed and the
assessment archived; the public edition follows after the response (the chair's next page does
not wait for a second report), and when it fails there, `archive public-editions` makes it.
On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from app.archive.public import make_missing_public_editions
from app.assessments.models import Assessment, State
from app.audit.checkpoints import newest_checkpoint
from app.audit.models import AuditEvent
from app.config import get_settings
from app.reports import service
from app.reports.models import PublicReport, Report
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import World, build_world, drive_to_advice


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path, pki) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    built = build_world(tmp_path, url)
    yield built
    built.engine.dispose()
    if url:
        drop_postgres_database(url)


def _sign(world: World, assessment_id: int) -> int:
    with world.login("chair") as chair:
        response = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
    return response.status_code


def _state(world: World, assessment_id: int) -> tuple[str, int, int]:
    with world.session() as session:
        assessment = session.get(Assessment, assessment_id)
        assert assessment is not None
        reports = session.exec(select(Report).where(Report.assessment_id == assessment_id)).all()
        public = session.exec(
            select(PublicReport).where(PublicReport.assessment_id == assessment_id)
        ).all()
        return assessment.state, len(reports), len(public)


def test_it_makes_the_public_edition_after_the_signature_is_stored(world, monkeypatch):
    assessment_id = drive_to_advice(world, title="Openbare editie na het antwoord")
    seen: list[tuple[str, int, int]] = []
    produce = service.produce_public_pdf

    def observed(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_state(world, assessment_id))
        return produce(*args, **kwargs)

    monkeypatch.setattr(service, "produce_public_pdf", observed)
    assert _sign(world, assessment_id) == 303
    # Rendered once the signature was stored and the assessment archived, not before.
    assert seen == [(State.archived, 1, 0)]
    assert _state(world, assessment_id) == (State.archived, 1, 1)
    with world.session() as session:
        public = session.exec(
            select(PublicReport).where(PublicReport.assessment_id == assessment_id)
        ).one()
        edition_event = session.exec(
            select(AuditEvent).where(
                AuditEvent.object_type == "public_report",
                AuditEvent.object_id == str(public.id),
            )
        ).one()
        checkpoint = newest_checkpoint(session)
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    # Made for the chair who signed, and covered by the checkpoint taken after it.
    assert edition_event.actor_id == world.users["chair"]
    assert checkpoint is not None and checkpoint.waypoint().count == events


def test_it_signs_when_the_public_edition_fails_and_makes_it_later(world, monkeypatch, caplog):
    assessment_id = drive_to_advice(world, title="Openbare editie mislukt")
    produce = service.produce_public_pdf

    def unavailable(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the timestamp authority does not answer")

    monkeypatch.setattr(service, "produce_public_pdf", unavailable)
    with caplog.at_level(logging.WARNING, logger="datawaarden.public"):
        assert _sign(world, assessment_id) == 303
    assert _state(world, assessment_id) == (State.archived, 1, 0)
    assert "does not answer" in caplog.text
    monkeypatch.setattr(service, "produce_public_pdf", produce)
    made = make_missing_public_editions(world.engine, settings=get_settings())
    assert [m.made for m in made] == [True]
    assert _state(world, assessment_id) == (State.archived, 1, 1)
