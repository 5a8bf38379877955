"""Nobody reviews, judges, advises on or votes on an assessment they lead, even when they also
hold a committee role: a persona who is lead and committee member at once."""

from __future__ import annotations

import pytest

from app.assessments import answering, lifecycle
from app.errors import PermissionDenied
from app.reviews import advising, commenting, intake, judging
from app.users.models import Role
from app.users.service import create_user
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, PASSWORD, Client

BOTH = {Role.lead, Role.board}


@pytest.fixture
def own(db, sample_version):  # type: ignore[no-untyped-def]
    """An assessment submitted by someone who is lead and committee member."""
    both = create_user(
        db, email="beide@example.org", name="Beide Rollen", password=PASSWORD, roles=BOTH
    )
    a = lifecycle.create_assessment(
        db,
        actor=both,
        title="Eigen beoordeling",
        department="Data",
        description="Door iemand die ook in de commissie zit.",
        questionnaire=sample_version,
    )
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=both
        )
    lifecycle.submit_assessment(db, assessment=a, actor=both)
    db.commit()
    return both, a


def test_it_refuses_every_committee_action_on_their_own_assessment(db, own):
    both, a = own
    attempts = [
        lambda: intake.claim_rapporteur(db, assessment=a, actor=both, roles=BOTH),
        lambda: commenting.add_comment(
            db, assessment=a, actor=both, roles=BOTH, body="Prima.", question_id="name"
        ),
        lambda: judging.set_verdict(
            db, assessment=a, actor=both, roles=BOTH, section_id="profile", verdict="acceptable"
        ),
        lambda: advising.save_advice(
            db,
            assessment=a,
            actor=both,
            roles=BOTH,
            outcome="positive",
            summary="Goed.",
            rationale={},
            conditions=[],
            reassess_on="",
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
        db.rollback()


def test_it_refuses_the_committee_pages_for_their_own_assessment(app, db, own):
    both, a = own
    with Client(app, base_url="http://testserver", follow_redirects=False) as c:
        assert c.post_form("/login", {"email": both.email, "password": PASSWORD}).status_code == 303
        assert c.post_form(f"/committee/assessments/{a.id}/claim").status_code == 403
        advice = c.post_form(
            f"/committee/assessments/{a.id}/advice", {"outcome": "positive", "summary": "Goed."}
        )
        assert advice.status_code == 403
        assert c.get("/committee").status_code == 200
