"""`datawaarden demo`: a complete example made through the real services, from the first answer
to the chair's signature."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from app import demo_data
from app.archive.service import sign_and_archive
from app.assessments import answering, lifecycle
from app.assessments.models import Assessment
from app.config import Settings
from app.db import session_scope
from app.errors import Conflict
from app.i18n import use_locale
from app.questionnaires.registry import find_version, sync_questionnaires
from app.reports.models import Report
from app.reviews import advising, commenting, intake, judging
from app.users.models import Role, User
from app.users.service import create_user, get_user_by_email

PEOPLE = {
    "lead": ("demo-lead@demo.datawaarden.nl", "Lotte de Leider (demo)", {Role.lead}),
    "board": ("demo-lid@demo.datawaarden.nl", "Bram Commissielid (demo)", {Role.board}),
    "chair": (
        "demo-voorzitter@demo.datawaarden.nl",
        "Vera Voorzitter (demo)",
        {Role.chair, Role.board},
    ),
    "secretary": ("demo-secretaris@demo.datawaarden.nl", "Sam Secretaris (demo)", {Role.board}),
}


@dataclass(frozen=True)
class DemoResult:
    reference: str
    report: bytes
    sha256: str


def has_real_data(session: Session) -> bool:
    """True when the database holds accounts that are not demo accounts."""
    return (
        session.exec(
            select(func.count()).select_from(User).where(col(User.is_demo).is_(False))
        ).one()
        > 0
    )


def _person(session: Session, key: str) -> tuple[User, str]:
    email, name, roles = PEOPLE[key]
    password = "Demo-" + secrets.token_urlsafe(16)
    user = get_user_by_email(session, email)
    if user is None:
        user = create_user(
            session, email=email, name=name, password=password, roles=roles, is_demo=True
        )
    else:
        from app.users.passwords import hash_password

        user.password_hash = hash_password(password)
        session.add(user)
    session.flush()
    return user, password


def run_demo(engine: Engine, settings: Settings, *, force: bool = False) -> DemoResult:
    """Accounts, a filled-in assessment, a review with one change request, advice with
    conditions and opinions, the chair's signature. Returns the signed PDF."""
    with session_scope(engine) as session:
        if has_real_data(session) and not force:
            raise Conflict(
                "This database holds data that is not demo data; use --force to add the demo anyway."
            )
        sync_questionnaires(session, settings.questionnaires_dir)
        people = {key: _person(session, key) for key in PEOPLE}
        lead, board, chair = people["lead"][0], people["board"][0], people["chair"][0]
        version = find_version(session, settings.default_questionnaire)
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=demo_data.TITLE,
            department=demo_data.DEPARTMENT,
            description=demo_data.DESCRIPTION,
            questionnaire=version,
        )
        for qid, value in demo_data.ANSWERS.items():
            if qid == "bias_assessment":
                value = "unknown"  # the committee will ask about it
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        roles_board, roles_chair = {Role.board}, {Role.chair, Role.board}
        with use_locale("nl"):
            intake.claim_rapporteur(session, assessment=a, actor=board, roles=roles_board)
            comment = commenting.add_comment(
                session,
                assessment=a,
                actor=board,
                roles=roles_board,
                question_id="bias_assessment",
                body="Is het model getoetst op ongelijke uitkomsten voor groepen huishoudens?",
            )
            judging.request_changes(
                session,
                assessment=a,
                actor=board,
                roles=roles_board,
                note="Zie de opmerking over bias.",
            )
            commenting.add_comment(
                session,
                assessment=a,
                actor=lead,
                roles={Role.lead},
                parent_id=comment.id,
                body="Ja, de toets is uitgevoerd en het antwoord is aangevuld.",
            )
            if "bias_assessment" in demo_data.ANSWERS:
                answering.save_answer(
                    session,
                    assessment=a,
                    question_id="bias_assessment",
                    raw=demo_data.ANSWERS["bias_assessment"],
                    base_version=None,
                    actor=lead,
                )
            lifecycle.submit_assessment(session, assessment=a, actor=lead)
            commenting.resolve_comment(
                session, assessment=a, comment_id=comment.id or 0, actor=board, roles=roles_board
            )
            for section in ("profile", "transparent", "value_creating", "reliable", "responsible"):
                judging.set_verdict(
                    session,
                    assessment=a,
                    actor=board,
                    roles=roles_board,
                    section_id=section,
                    verdict="needs_improvement" if section == "responsible" else "acceptable",
                )
            advising.save_advice(
                session,
                assessment=a,
                actor=board,
                roles=roles_board,
                outcome="conditional",
                summary="De commissie adviseert positief, onder voorwaarden: het model mag alleen een gesprek "
                "voorstellen, nooit een besluit nemen, en moet jaarlijks op ongelijke uitkomsten worden getoetst.",
                rationale={
                    "transparent": "Publicatie in het algoritmeregister is voorzien.",
                    "responsible": "Kwetsbare huishoudens: menselijke tussenkomst is essentieel.",
                },
                conditions=[
                    advising.ConditionInput(
                        "Voer een IAMA uit vóór ingebruikname.", "Team Schuldhulp", "2026-12-31"
                    ),
                    advising.ConditionInput(
                        "Publiceer het algoritme in het algoritmeregister.",
                        "Datateam",
                        "2027-02-28",
                    ),
                    advising.ConditionInput(
                        "Toets het model jaarlijks op bias en rapporteer aan de commissie.",
                        "Datateam",
                        "",
                    ),
                ],
                reassess_on="2027-12-01",
            )
            advising.record_opinion(
                session, assessment=a, actor=board, roles=roles_board, stance="agree", note=""
            )
            advising.record_opinion(
                session,
                assessment=a,
                actor=people["secretary"][0],
                roles=roles_board,
                stance="disagree",
                note="Ik zou eerst een kleinschalige pilot willen zien.",
            )
            advising.finalise_advice(session, assessment=a, actor=chair, roles=roles_chair)
        assessment_id, chair_id, chair_password = a.id or 0, chair.id or 0, people["chair"][1]
    report = sign_and_archive(
        engine,
        assessment_id=assessment_id,
        actor_id=chair_id,
        roles={Role.chair, Role.board},
        password=chair_password,
        settings=settings,
    )
    with session_scope(engine) as session:
        assessment = session.get(Assessment, assessment_id)
        stored = session.get(Report, report.id)
        assert assessment is not None and stored is not None
        return DemoResult(assessment.reference, stored.pdf, stored.sha256)


CONSULTATION_TITLE = "Vroegsignalering schulden, tweede fase: ook signalen van energiebedrijven"


def open_demo_consultation(engine: Engine, settings: Settings) -> int:
    """A second demo assessment, in review, with a consultation of residents that is open
    today and has two reactions, one of them summarised by the committee. Returns the
    consultation's id (its public page is /consultations/{id})."""
    from datetime import timedelta

    from app.consultations import moderating, responding, service
    from app.timeutil import amsterdam_today

    with session_scope(engine) as session:
        sync_questionnaires(session, settings.questionnaires_dir)
        lead, board, chair = (_person(session, key)[0] for key in ("lead", "board", "chair"))
        roles_board, roles_chair = {Role.board}, {Role.chair, Role.board}
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=CONSULTATION_TITLE,
            department=demo_data.DEPARTMENT,
            description=demo_data.DESCRIPTION,
            questionnaire=find_version(session, settings.default_questionnaire),
        )
        for qid, value in demo_data.ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        today = amsterdam_today()
        summary = service.SummaryInput(
            purpose="De gemeente wil huishoudens met geldzorgen eerder hulp aanbieden. Een "
            "computermodel zet signalen van betaalachterstanden op een rij. Een "
            "schuldhulpverlener beslist of iemand een aanbod krijgt.",
            data_used="Achterstanden bij huur, water, zorgverzekering en nu ook energie. "
            "Gegevens uit dossiers van het Sociaal Domein. Geen gegevens over inkomen of afkomst.",
            questions="Wat vindt u ervan dat de gemeente u benadert als u achterloopt met betalen?\n"
            "Wat moet de gemeente zeker niet doen?",
            starts_on=today.isoformat(),
            ends_on=(today + timedelta(days=27)).isoformat(),
        )
        with use_locale("nl"):
            intake.claim_rapporteur(session, assessment=a, actor=board, roles=roles_board)
            consultation = service.save_draft(
                session, assessment=a, actor=board, roles=roles_board, form=summary
            )
            service.correct_draft(
                session, assessment=a, actor=lead, roles={Role.lead}, form=summary, confirm=True
            )
            service.publish(session, assessment=a, actor=chair, roles=roles_chair)
            reactions = [
                responding.respond(
                    session,
                    consultation=consultation,
                    assessment=a,
                    form=responding.ReactionInput(body=body, value_id=value),
                    address=address,
                    settings=settings,
                    locale="nl",
                )
                for body, value, address in (
                    (
                        "Ik schaam me als de gemeente belt. Een brief vind ik prettiger.",
                        "responsible",
                        "192.0.2.10",
                    ),
                    ("Hoe lang bewaart u mijn gegevens?", "transparent", "192.0.2.11"),
                )
            ]
            first = reactions[0]
            assert first is not None
            moderating.moderate(
                session,
                assessment=a,
                reaction_id=first.id or 0,
                actor=chair,
                roles=roles_chair,
                decision="published",
                tags="contact, schaamte",
                public_summary="Een inwoner vraagt om eerst een brief te sturen, niet te bellen.",
            )
        return consultation.id or 0
