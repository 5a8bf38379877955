"""A burst of reactions sent at the same moment from one address, each in its own committed
session on a database of its own: the limit holds across them (the count and the check are one
statement), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, func, select

from app.assessments import answering, lifecycle
from app.assessments.models import Assessment
from app.config import get_settings
from app.consultations import responding, service
from app.consultations.models import Consultation, ConsultationReaction
from app.errors import TooManyRequests
from app.questionnaires.registry import find_version
from app.reviews import intake
from app.users.models import User
from tests.conftest import (
    COMPLETE_SAMPLE_ANSWERS,
    PERSONAS,
    build_database,
    create_postgres_database,
    drop_postgres_database,
)
from tests.consultations.conftest import BOARD, CHAIR, LEAD, summary


@pytest.fixture
def fresh(engine, tmp_path):  # type: ignore[no-untyped-def]
    """A committed database of its own (the rolled-back `db` would hold SQLite's lock)."""
    sqlite = engine.dialect.name == "sqlite"
    url = f"sqlite:///{tmp_path / 'burst.db'}" if sqlite else create_postgres_database()
    built = build_database(url)
    yield built
    built.dispose()
    if not sqlite:
        drop_postgres_database(url)


def _published(fresh) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with Session(fresh, expire_on_commit=False) as s:
        users = {
            k: s.exec(select(User).where(User.email == p.email)).one() for k, p in PERSONAS.items()
        }
        a = lifecycle.create_assessment(
            s,
            actor=users["lead"],
            title="Drukte",
            department="Mobiliteit",
            description="Veel reacties tegelijk.",
            questionnaire=find_version(s, "sample"),
        )
        for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
            answering.save_answer(
                s, assessment=a, question_id=qid, raw=value, base_version=None, actor=users["lead"]
            )
        lifecycle.submit_assessment(s, assessment=a, actor=users["lead"])
        intake.claim_rapporteur(s, assessment=a, actor=users["board"], roles=BOARD)
        c = service.save_draft(s, assessment=a, actor=users["board"], roles=BOARD, form=summary())
        service.correct_draft(
            s, assessment=a, actor=users["lead"], roles=LEAD, form=summary(), confirm=True
        )
        service.publish(s, assessment=a, actor=users["chair"], roles=CHAIR)
        s.commit()
        return a.id or 0, c.id or 0


def test_it_holds_the_limit_when_one_address_sends_a_burst_at_once(fresh):
    assessment_id, consultation_id = _published(fresh)
    settings = get_settings()
    senders = settings.consultation_reactions_per_hour * 2
    ready = threading.Barrier(senders)
    outcomes: list[str] = []

    def send(n: int) -> None:
        with Session(fresh, expire_on_commit=False) as s:
            consultation = s.get(Consultation, consultation_id)
            assessment = s.get(Assessment, assessment_id)
            s.commit()
            assert consultation is not None and assessment is not None
            ready.wait(timeout=60)
            try:
                responding.respond(
                    s,
                    consultation=consultation,
                    assessment=assessment,
                    form=responding.ReactionInput(body=f"Reactie {n}."),
                    address="203.0.113.5",
                    settings=settings,
                    locale="nl",
                )
                s.commit()
                outcomes.append("stored")
            except TooManyRequests:
                s.rollback()
                outcomes.append("slowed")

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == senders
    assert outcomes.count("stored") == settings.consultation_reactions_per_hour
    with Session(fresh) as s:
        stored = s.exec(select(func.count()).select_from(ConsultationReaction)).one()
    assert stored == settings.consultation_reactions_per_hour
