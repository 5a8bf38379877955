"""Asking the committee for its opinions: a draft advice tells each member whose opinion it
waits for, and the last opinion tells the chair and the rapporteur that every opinion is in.
Each happens once per need: a member is asked when a round's first draft is saved, and asked
again only when a changed draft cleared the opinion they had given."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from app.assessments.models import Assessment, ConflictOfInterest
from app.assessments.permissions import authors_of
from app.notifications.service import notify
from app.reviews.common import notice_params
from app.reviews.models import Advice, Opinion
from app.users.models import Role, User
from app.users.service import COMMITTEE_ROLES, users_with_roles


def members_asked(session: Session, assessment: Assessment) -> list[User]:
    """The members whose opinion an advice waits for: the committee, without the authors and
    without those who declared a conflict of interest."""
    authors = {u.id for u in authors_of(session, assessment)}
    conflicted = set(
        session.exec(
            select(ConflictOfInterest.user_id).where(
                ConflictOfInterest.assessment_id == assessment.id
            )
        ).all()
    )
    return [
        u
        for u in users_with_roles(session, COMMITTEE_ROLES)
        if u.id not in authors and u.id not in conflicted
    ]


def ask_for_opinions(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    only: Iterable[int] | None = None,
) -> None:
    """Tell the members (all of them, or `only` these) that a draft advice awaits their
    opinion. The member who saved the draft knows already."""
    wanted = set(only) if only is not None else None
    notify(
        session,
        recipients=[
            u
            for u in members_asked(session, assessment)
            if u.id != actor.id and (wanted is None or u.id in wanted)
        ],
        kind="opinion_requested",
        assessment_id=assessment.id,
        params=notice_params(assessment, actor),
    )


def tell_when_all_opinions_are_in(
    session: Session, *, assessment: Assessment, advice: Advice, actor: User
) -> None:
    """After a new opinion: when every member asked has given one, the chair and the
    rapporteur hear it (the member who gave the last one knows already)."""
    members = members_asked(session, assessment)
    given = set(session.exec(select(Opinion.member_id).where(Opinion.advice_id == advice.id)).all())
    if not members or any(m.id not in given for m in members):
        return
    eligible = {m.id for m in members}
    recipients = [u for u in users_with_roles(session, frozenset({Role.chair})) if u.id in eligible]
    if assessment.rapporteur_id is not None:
        rapporteur = session.get(User, assessment.rapporteur_id)
        if rapporteur is not None and rapporteur.id in eligible:
            recipients.append(rapporteur)
    notify(
        session,
        recipients=[u for u in recipients if u.id != actor.id],
        kind="opinions_complete",
        assessment_id=assessment.id,
        params=notice_params(assessment, actor),
    )
