"""Seed for tests/e2e/test_consultation_committee_page.py, run by the test in a process of its
own with the live server's settings: a submitted assessment of the lead (the demo answers),
the board member as rapporteur, a consultation drafted by them, confirmed by the lead and
published by the chair, and a few reactions of residents, one of them moderated. Prints the
assessment's id.

    python -m tests.e2e.consultation_seed LEAD_EMAIL BOARD_EMAIL CHAIR_EMAIL [FLAG]

--draft: it stops at the rapporteur's draft (for the lead to check).
--closed: the consultation's period is over (for the advice, which must then say how the
committee weighed the reactions).
--signed=PASSWORD: the period is over and the chair (whose password it is) signs a positive
advice; the reference and the consultation's id are printed before the id."""

from __future__ import annotations

import sys
from datetime import timedelta

from app import demo_data, models  # noqa: F401  (models: every table and the wiring of events)
from app.archive.service import sign_and_archive
from app.assessments import answering, lifecycle, reading
from app.assessments.models import Assessment
from app.config import get_settings
from app.consultations import moderating, responding, service
from app.db import make_engine, session_scope
from app.questionnaires.registry import find_version, sync_questionnaires
from app.reviews import advising, intake
from app.timeutil import amsterdam_today
from app.users.models import Role
from app.users.service import get_user_by_email

BOARD = frozenset({Role.board})
CHAIR = frozenset({Role.chair, Role.board})
LEAD = frozenset({Role.lead})
REACTIONS = (
    (
        "Goed dat u dit vraagt.\nIk maak me wel zorgen over hoe lang de gegevens bewaard worden.",
        "Fatima el Amrani",
        "fatima@example.org",
    ),
    ("Kunt u uitleggen wie de lijst te zien krijgt? Zie ook www.example.org/uitleg", "", ""),
    ("Ik vind het een goed plan, als mensen zelf mogen kiezen of ze hulp aannemen.", "Kees", ""),
)


def main(
    lead_email: str, board_email: str, chair_email: str, closed: bool = False, draft: bool = False
) -> int:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        sync_questionnaires(session, settings.questionnaires_dir)
        lead, board, chair = (
            get_user_by_email(session, email) for email in (lead_email, board_email, chair_email)
        )
        assert lead and board and chair
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=demo_data.TITLE,
            department=demo_data.DEPARTMENT,
            description=demo_data.DESCRIPTION,
            questionnaire=find_version(session, settings.default_questionnaire),
        )
        for qid, value in demo_data.ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        intake.claim_rapporteur(session, assessment=a, actor=board, roles=BOARD)
        today = amsterdam_today()
        form = service.SummaryInput(
            purpose=demo_data.DESCRIPTION,
            data_used="Betalingsachterstanden bij huur, energie, water en zorgverzekering.",
            questions="Wat vindt u ervan dat de gemeente dit doet?\nWaar moeten wij op letten?",
            starts_on=today.isoformat(),
            ends_on=(today + timedelta(days=27)).isoformat(),
        )
        service.save_draft(session, assessment=a, actor=board, roles=BOARD, form=form)
        if draft:
            return a.id or 0
        service.correct_draft(
            session, assessment=a, actor=lead, roles=LEAD, form=form, confirm=True
        )
        consultation = service.publish(session, assessment=a, actor=chair, roles=CHAIR)
        _version, q = reading.questionnaire_of(session, a)
        first = None
        for n, (body, name, email) in enumerate(REACTIONS):
            reaction = responding.respond(
                session,
                consultation=consultation,
                assessment=a,
                form=responding.ReactionInput(
                    body=body, name=name, email=email, value_id=q.values[n % len(q.values)].id
                ),
                address=f"198.51.100.{n + 1}",
                settings=settings,
                locale="nl",
            )
            first = first or reaction
        assert first is not None
        moderating.moderate(
            session,
            assessment=a,
            reaction_id=first.id or 0,
            actor=board,
            roles=BOARD,
            decision="published",
            tags="bewaartermijn, privacy",
            public_summary="Een inwoner vraagt hoe lang de gegevens bewaard worden.",
        )
        if closed:
            # The period went by: four weeks later, as the days would have it.
            consultation.starts_on -= timedelta(days=28)
            consultation.ends_on -= timedelta(days=28)
            session.add(consultation)
        return a.id or 0


def sign(assessment_id: int, board_email: str, chair_email: str, password: str) -> str:
    """After a closed consultation: the rapporteur advises (saying how the reactions were
    weighed), the chair finalises and signs. Returns the reference and the consultation's id."""
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        board, chair = (get_user_by_email(session, e) for e in (board_email, chair_email))
        a = session.get(Assessment, assessment_id)
        assert board and chair and a
        advising.save_advice(
            session,
            assessment=a,
            actor=board,
            roles=BOARD,
            outcome="positive",
            summary="Positief: het plan mag door.",
            rationale={"consultation": WEIGHED},
            conditions=[],
            reassess_on="",
        )
        advising.finalise_advice(session, assessment=a, actor=chair, roles=CHAIR)
        chair_id, reference = chair.id or 0, a.reference
        consulted = service.consultation_of(session, a)
        assert consulted is not None
        consultation_id = consulted.id
    sign_and_archive(
        engine,
        assessment_id=assessment_id,
        actor_id=chair_id,
        roles=CHAIR,
        password=password,
        settings=settings,
    )
    return f"{reference} {consultation_id}"


WEIGHED = "De zorg over de bewaartermijn nam de commissie over in haar advies."


if __name__ == "__main__":
    flags = sys.argv[4:]
    signing = next((f.split("=", 1)[1] for f in flags if f.startswith("--signed=")), None)
    made = main(
        *sys.argv[1:4], closed="--closed" in flags or bool(signing), draft="--draft" in flags
    )
    if signing:
        print(sign(made, sys.argv[2], sys.argv[3], signing))
    print(made)
