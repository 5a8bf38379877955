"""A submitted assessment with a consultation: drafted by the rapporteur (Bea), confirmed by
the lead (Lia), published by the chair (Chris), open from today. Time passes by moving the
consultation's dates back (`let_days_pass`), as a day going by would."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from app.assessments.models import Assessment
from app.config import get_settings
from app.consultations import responding, service
from app.consultations.models import Consultation
from app.reviews import intake
from app.timeutil import amsterdam_today
from app.users.models import Role
from tests.api.conftest import api, token  # noqa: F401  (the API callers, as fixtures)
from tests.conftest import on_both_databases

engine = on_both_databases()

CHAIR = frozenset({Role.chair, Role.board})
BOARD = frozenset({Role.board})
LEAD = frozenset({Role.lead})


def summary(**changes: str) -> service.SummaryInput:
    today = amsterdam_today()
    form = service.SummaryInput(
        purpose="De gemeente telt verkeer op drukke kruispunten en toont dat op een kaart.",
        data_used="Tellingen van auto's en fietsen per kwartier. Geen kentekens, geen camerabeelden.",
        questions="Wat vindt u ervan dat de gemeente dit meet?\nWaar moeten wij op letten?",
        starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=13)).isoformat(),
    )
    return replace(form, **changes)


def let_days_pass(db: Session, consultation: Consultation, days: int) -> None:
    db.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id)  # type: ignore[arg-type]
        .values(
            starts_on=consultation.starts_on - timedelta(days=days),
            ends_on=consultation.ends_on - timedelta(days=days),
        )
    )
    db.commit()
    db.refresh(consultation)


def react(
    db: Session,
    consultation: Consultation,
    assessment: Assessment,
    *,
    address="192.0.2.7",
    **fields,
):  # type: ignore[no-untyped-def]
    form = responding.ReactionInput(
        **{"body": "Goed idee, maar bewaar het niet te lang.", **fields}
    )
    reaction = responding.respond(
        db,
        consultation=consultation,
        assessment=assessment,
        form=form,
        address=address,
        settings=get_settings(),
        locale="nl",
    )
    db.commit()
    return reaction


@pytest.fixture
def drafted(db: Session, submitted: Assessment, personas) -> Consultation:  # type: ignore[no-untyped-def]
    intake.claim_rapporteur(db, assessment=submitted, actor=personas["board"], roles=BOARD)
    consultation = service.save_draft(
        db, assessment=submitted, actor=personas["board"], roles=BOARD, form=summary()
    )
    db.commit()
    return consultation


@pytest.fixture
def published(db: Session, submitted: Assessment, drafted: Consultation, personas) -> Consultation:  # type: ignore[no-untyped-def]
    service.correct_draft(
        db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary(), confirm=True
    )
    service.publish(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    db.commit()
    return drafted
