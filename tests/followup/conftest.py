"""A signed advice with three conditions, one per kind of owner: an account (Lars, by his
address), a party without an account but with a contact address, and a party with neither.
Signing is the lifecycle's move itself; the report's PDF plays no part in the follow-up (the
browser test signs through the page)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from app.assessments import lifecycle
from app.assessments.models import Assessment
from app.assessments.transitions import Action, Party
from app.reviews import advising, intake
from app.reviews.models import AdviceCondition
from app.users.models import Role
from tests.api.conftest import api, token  # noqa: F401  (the API callers, as fixtures)

CHAIR = frozenset({Role.chair, Role.board})
BOARD = frozenset({Role.board})
CONDITIONS = [
    advising.ConditionInput(
        "Rond de IAMA af voor de livegang.", "Lars", "2027-03-31", "LEAD2@Example.org "
    ),
    advising.ConditionInput(
        "Publiceer de registratie.", "Team Algoritmeregister", "2027-06-30", "register@example.org"
    ),
    advising.ConditionInput("Herhaal de bias-analyse jaarlijks.", "Datateam", "", ""),
]


@dataclass
class Signed:
    assessment: Assessment
    conditions: list[AdviceCondition]


def sign_with_conditions(
    db: Session, assessment: Assessment, personas, conditions=CONDITIONS
) -> Signed:  # type: ignore[no-untyped-def]
    board, chair = personas["board"], personas["chair"]
    intake.claim_rapporteur(db, assessment=assessment, actor=board, roles=BOARD)
    advising.save_advice(
        db,
        assessment=assessment,
        actor=board,
        roles=BOARD,
        outcome="conditional",
        summary="Positief onder voorwaarden.",
        rationale={},
        conditions=list(conditions),
        reassess_on="2028-01-01",
    )
    advising.finalise_advice(db, assessment=assessment, actor=chair, roles=CHAIR)
    lifecycle.move(
        db, assessment=assessment, action=Action.sign, actor=chair, parties={Party.chair}
    )
    db.commit()
    advice = advising.open_advice(db, assessment)
    assert advice is not None
    rows = db.exec(
        select(AdviceCondition)
        .where(AdviceCondition.advice_id == advice.id)
        .order_by(col(AdviceCondition.number))
    ).all()
    return Signed(assessment, list(rows))


@pytest.fixture
def signed(db, submitted, personas) -> Signed:  # type: ignore[no-untyped-def]
    return sign_with_conditions(db, submitted, personas)
