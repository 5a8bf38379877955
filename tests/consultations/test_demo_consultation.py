"""`datawaarden demo` also opens a consultation, so that a person trying the product sees the
residents' side at once: public, open today, two reactions, one summary."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.config import get_settings
from app.consultations import outcome, service
from app.consultations.models import Consultation
from app.demo import open_demo_consultation
from tests.conftest import build_database, create_postgres_database, drop_postgres_database


@pytest.fixture
def fresh(engine, tmp_path):  # type: ignore[no-untyped-def]
    sqlite = engine.dialect.name == "sqlite"
    url = f"sqlite:///{tmp_path / 'demo.db'}" if sqlite else create_postgres_database()
    built = build_database(url)
    yield built
    built.dispose()
    if not sqlite:
        drop_postgres_database(url)


def test_it_opens_a_demo_consultation_with_reactions(fresh):
    consultation_id = open_demo_consultation(fresh, get_settings())
    with Session(fresh) as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None
        assert service.phase_of(consultation) == service.Phase.open
        account = outcome.account(session, consultation)
    assert account["reactions"] == 2
    assert account["themes"] == [["contact", 1], ["schaamte", 1]]
    assert len(account["summaries"]) == 1
