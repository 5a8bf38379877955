"""Who a reminder goes to.

* a condition due soon: its owner — the owner's account, else the contact address named for an
  owner without one, else (neither) the assessment's lead;
* a condition overdue: the owner as above, and the rapporteur (the chair or chairs when the
  assessment has none);
* a re-assessment coming up: the lead and the committee.

Inactive accounts get nothing, and nor does a committee member who declared a conflict of
interest for the assessment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.assessments.models import Assessment, ConflictOfInterest
from app.reviews.models import AdviceCondition
from app.users.models import COMMITTEE_ROLES, Role, User
from app.users.service import normalise_email, users_with_roles

_CHUNK = 900  # ids per IN list, below SQLite's limit on parameters


@dataclass(frozen=True)
class Recipient:
    """An account (in the app and by e-mail) or a contact address (by e-mail only)."""

    key: str  # "user:<id>" or "mail:<address>": part of the reminder's unique key
    email: str
    locale: str
    user: User | None = None


def for_user(user: User) -> Recipient:
    return Recipient(f"user:{user.id}", user.email, user.locale, user)


def for_address(address: str, locale: str) -> Recipient:
    email = normalise_email(address)
    return Recipient(f"mail:{email}", email, locale)


class People:
    """The accounts a scan needs, read once per scan rather than once per reminder."""

    def __init__(
        self, session: Session, assessments: Iterable[Assessment], user_ids: Iterable[int | None]
    ) -> None:
        assessments = list(assessments)
        ids = {i for i in user_ids if i} | {a.lead_id for a in assessments}
        ids |= {a.rapporteur_id for a in assessments if a.rapporteur_id}
        self.users: dict[int, User] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            part = ordered[start : start + _CHUNK]
            for user in session.exec(select(User).where(col(User.id).in_(part))).all():
                self.users[user.id or 0] = user
        self.chairs = sorted(users_with_roles(session, frozenset({Role.chair})), key=_by_id)
        self.committee = sorted(users_with_roles(session, COMMITTEE_ROLES), key=_by_id)
        self.conflicts: dict[int, set[int]] = {}
        assessment_ids = sorted({a.id or 0 for a in assessments})
        for start in range(0, len(assessment_ids), _CHUNK):
            part = assessment_ids[start : start + _CHUNK]
            rows = session.exec(
                select(ConflictOfInterest.assessment_id, ConflictOfInterest.user_id).where(
                    col(ConflictOfInterest.assessment_id).in_(part)
                )
            ).all()
            for assessment_id, user_id in rows:
                self.conflicts.setdefault(assessment_id, set()).add(user_id)

    def active(self, user_id: int | None) -> User | None:
        user = self.users.get(user_id or 0)
        return user if user is not None and user.is_active else None

    def free(self, assessment: Assessment, users: Iterable[User]) -> list[User]:
        """The users without a declared conflict of interest for the assessment."""
        conflicted = self.conflicts.get(assessment.id or 0, set())
        return [u for u in users if u.id not in conflicted]


def _by_id(user: User) -> int:
    return user.id or 0


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for r in recipients:
        seen.setdefault(r.key, r)
    return list(seen.values())


def owner(
    people: People, condition: AdviceCondition, assessment: Assessment, default_locale: str
) -> list[Recipient]:
    account = people.active(condition.owner_user_id)
    if account is not None:
        return [for_user(account)]
    if condition.owner_email.strip():
        return [for_address(condition.owner_email, default_locale)]
    lead = people.active(assessment.lead_id)
    return [for_user(lead)] if lead is not None else []


def overdue(
    people: People, condition: AdviceCondition, assessment: Assessment, default_locale: str
) -> list[Recipient]:
    rapporteur = people.active(assessment.rapporteur_id)
    reviewers = people.free(assessment, [rapporteur] if rapporteur else people.chairs)
    return _unique(
        [*owner(people, condition, assessment, default_locale), *map(for_user, reviewers)]
    )


def reassessment(people: People, assessment: Assessment) -> list[Recipient]:
    lead = people.active(assessment.lead_id)
    return _unique(
        [
            *([for_user(lead)] if lead else []),
            *map(for_user, people.free(assessment, people.committee)),
        ]
    )
