"""The consultation's lifecycle: the committee drafts the public summary, the lead checks and
corrects it, the committee publishes it for a period. Who may do what is decided here, for the
pages, the API and the CLI alike."""

from __future__ import annotations

import enum
from collections.abc import Set
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, State
from app.assessments.permissions import authors_of, is_author, parties_for
from app.assessments.transitions import Party
from app.audit.service import record_event
from app.consultations.models import Consultation
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import _
from app.notifications.service import notify
from app.text import tidy
from app.timeutil import amsterdam_today, utcnow
from app.users.models import Role, User
from app.users.service import users_with_roles

PURPOSE_MAX = 3000
DATA_MAX = 3000
QUESTIONS_MAX = 2000
QUESTION_LINES_MAX = 10
PERIOD_MAX_DAYS = 90
# While the committee reviews: a consultation comes before the advice.
CONSULTABLE_STATES = frozenset(
    {State.submitted, State.in_review, State.changes_requested, State.advice_drafted}
)


class Phase(enum.StrEnum):
    """Where a consultation stands on a given day."""

    draft = "draft"  # not public; the committee and the lead work on the summary
    announced = "announced"  # public, reactions from `starts_on`
    open = "open"  # public, reactions welcome
    closed = "closed"  # public, the period is over


def phase_of(consultation: Consultation, today: date | None = None) -> Phase:
    today = today or amsterdam_today()
    if consultation.published_at is None:
        return Phase.draft
    if today < consultation.starts_on:
        return Phase.announced
    if today <= consultation.ends_on:
        return Phase.open
    return Phase.closed


def has_run(consultation: Consultation | None, today: date | None = None) -> bool:
    """True once residents could react: the advice must then say how it weighed them."""
    return consultation is not None and phase_of(consultation, today) in {Phase.open, Phase.closed}


def question_lines(consultation: Consultation) -> list[str]:
    return [line for line in consultation.questions.splitlines() if line.strip()]


@dataclass(frozen=True)
class SummaryInput:
    """The public summary as a form gives it."""

    purpose: str
    data_used: str
    questions: str
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class Capacities:
    """What one reader may do with an assessment's consultation."""

    manage: bool = False  # the rapporteur or the chair: draft, publish, moderate
    read_reactions: bool = False  # every committee member without a conflict of interest
    correct: bool = False  # the lead and co-authors: check and correct the draft

    @property
    def any(self) -> bool:
        return self.manage or self.read_reactions or self.correct


def capacities(
    session: Session, user: User, roles: Set[Role], assessment: Assessment
) -> Capacities:
    if is_author(session, user, assessment):
        return Capacities(correct=True)
    parties = parties_for(session, user, roles, assessment)
    committee = bool(parties & {Party.committee, Party.chair})
    manage = Party.chair in parties or (
        committee and assessment.rapporteur_id is not None and assessment.rapporteur_id == user.id
    )
    return Capacities(manage=manage, read_reactions=committee)


def ensure_capacity(
    session: Session, user: User, roles: Set[Role], assessment: Assessment, *, need: str
) -> Capacities:
    can = capacities(session, user, roles, assessment)
    if not getattr(can, need):
        if need == "manage":
            raise PermissionDenied(_("Only the rapporteur or the chair can do this."))
        if need == "correct":
            raise PermissionDenied(_("Only the lead and co-authors can check the summary."))
        raise PermissionDenied(_("Only members of the ethics committee can read the reactions."))
    return can


def consultation_of(session: Session, assessment: Assessment) -> Consultation | None:
    return session.exec(
        select(Consultation).where(Consultation.assessment_id == assessment.id)
    ).first()


def get_consultation_or_404(session: Session, assessment: Assessment) -> Consultation:
    found = consultation_of(session, assessment)
    if found is None:
        raise NotFound(_("There is no consultation for this assessment."))
    return found


def suggested_summary(assessment: Assessment, today: date | None = None) -> SummaryInput:
    """A first draft: the assessment's description as the purpose, a period of four weeks
    from a week from now."""
    start = (today or amsterdam_today()) + timedelta(days=7)
    return SummaryInput(
        purpose=assessment.description,
        data_used="",
        questions="",
        starts_on=start.isoformat(),
        ends_on=(start + timedelta(days=27)).isoformat(),
    )


def _text(value: str, limit: int, field: str, fields: dict[str, str], empty: str) -> str:
    text = tidy(value or "")
    if not text:
        fields[field] = empty
    elif len(text) > limit:
        fields[field] = _("Use at most %(max)s characters (now %(n)s).", max=limit, n=len(text))
    return text


def _day(value: str, field: str, fields: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        fields[field] = _("Enter a valid date (yyyy-mm-dd).")
        return None


def _clean(form: SummaryInput, today: date) -> tuple[str, str, str, date, date]:
    """The summary made safe, or InvalidInput with a message per field; nothing is saved."""
    fields: dict[str, str] = {}
    purpose = _text(
        form.purpose,
        PURPOSE_MAX,
        "purpose",
        fields,
        _("Say in plain words what the project is for."),
    )
    data_used = _text(
        form.data_used, DATA_MAX, "data_used", fields, _("Say which data the project uses.")
    )
    questions = _text(
        form.questions,
        QUESTIONS_MAX,
        "questions",
        fields,
        _("Put at least one question to residents."),
    )
    lines = [line.strip() for line in questions.splitlines() if line.strip()]
    if len(lines) > QUESTION_LINES_MAX:
        fields["questions"] = _(
            "Put at most %(max)s questions, one per line (now %(n)s).",
            max=QUESTION_LINES_MAX,
            n=len(lines),
        )
    starts = _day(form.starts_on, "starts_on", fields)
    ends = _day(form.ends_on, "ends_on", fields)
    if starts and starts < today:
        fields["starts_on"] = _("The consultation cannot start in the past.")
    if starts and ends:
        if ends < starts:
            fields["ends_on"] = _("The end date comes on or after the start date.")
        elif (ends - starts).days + 1 > PERIOD_MAX_DAYS:
            fields["ends_on"] = _(
                "A consultation runs for at most %(max)s days.", max=PERIOD_MAX_DAYS
            )
    if fields:
        raise InvalidInput(_("The summary has some problems. Nothing was saved."), fields=fields)
    assert starts is not None and ends is not None
    return purpose, data_used, "\n".join(lines), starts, ends


def _ensure_consultable(assessment: Assessment) -> None:
    if assessment.state not in CONSULTABLE_STATES:
        raise Conflict(
            _(
                "A consultation is possible while the committee reviews the assessment, before it is signed."
            )
        )


def _ensure_draft(consultation: Consultation) -> None:
    if consultation.published_at is not None:
        raise Conflict(_("The consultation is public; its summary can no longer be changed."))


def _write(
    session: Session, consultation: Consultation, version: int | None, values: dict[str, object]
) -> None:
    """Compare-and-set: the change applies to the version the writer read, or it is a 409."""
    expected = consultation.version if version is None else version
    result = session.execute(
        update(Consultation)
        .where(col(Consultation.id) == consultation.id, col(Consultation.version) == expected)
        .values(**values, version=expected + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _(
                "Someone else changed the consultation in the meantime. Reload the page and try again."
            )
        )
    session.refresh(consultation)


def save_draft(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    form: SummaryInput,
    version: int | None = None,
) -> Consultation:
    """The rapporteur or chair writes or rewrites the draft; the lead is asked to check it
    (again when the change clears the lead's confirmation)."""
    ensure_capacity(session, actor, roles, assessment, need="manage")
    _ensure_consultable(assessment)
    purpose, data_used, questions, starts, ends = _clean(form, amsterdam_today())
    consultation = consultation_of(session, assessment)
    # The lead is asked to check a new draft, and again when a change undoes their
    # confirmation; saving an unconfirmed draft again asks nobody twice.
    ask_the_lead = consultation is None or consultation.lead_confirmed_at is not None
    values: dict[str, Any] = {
        "purpose": purpose,
        "data_used": data_used,
        "questions": questions,
        "starts_on": starts,
        "ends_on": ends,
        "lead_confirmed_at": None,
        "lead_confirmed_by_id": None,
    }
    if consultation is None:
        consultation = Consultation(
            assessment_id=assessment.id or 0, created_by_id=actor.id or 0, **values
        )
        session.add(consultation)
        session.flush()
        action = "consultation.drafted"
    else:
        _ensure_draft(consultation)
        _write(session, consultation, version, values)
        action = "consultation.draft_changed"
    record_event(
        session,
        action=action,
        actor_id=actor.id,
        object_type="consultation",
        object_id=consultation.id or "",
        assessment_id=assessment.id,
        details={"starts_on": starts.isoformat(), "ends_on": ends.isoformat()},
    )
    if not ask_the_lead:
        return consultation
    notify(
        session,
        recipients=authors_of(session, assessment),
        kind="consultation_to_check",
        assessment_id=assessment.id,
        params={"ref": assessment.reference, "title": assessment.title, "actor": actor.name},
    )
    return consultation


def correct_draft(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    form: SummaryInput,
    version: int | None = None,
    confirm: bool,
) -> Consultation:
    """The lead (or a co-author) corrects the draft and, with `confirm`, says it is right; the
    committee can then publish it."""
    ensure_capacity(session, actor, roles, assessment, need="correct")
    _ensure_consultable(assessment)
    consultation = get_consultation_or_404(session, assessment)
    _ensure_draft(consultation)
    purpose, data_used, questions, starts, ends = _clean(form, amsterdam_today())
    changed = (purpose, data_used, questions, starts, ends) != (
        consultation.purpose,
        consultation.data_used,
        consultation.questions,
        consultation.starts_on,
        consultation.ends_on,
    )
    _write(
        session,
        consultation,
        version,
        {
            "purpose": purpose,
            "data_used": data_used,
            "questions": questions,
            "starts_on": starts,
            "ends_on": ends,
            "lead_confirmed_at": utcnow() if confirm else None,
            "lead_confirmed_by_id": actor.id if confirm else None,
        },
    )
    record_event(
        session,
        action="consultation.confirmed_by_lead" if confirm else "consultation.corrected_by_lead",
        actor_id=actor.id,
        object_type="consultation",
        object_id=consultation.id or "",
        assessment_id=assessment.id,
        details={"changed": changed},
    )
    if confirm:
        notify(
            session,
            recipients=_managers(session, assessment),
            kind="consultation_confirmed",
            assessment_id=assessment.id,
            params={"ref": assessment.reference, "title": assessment.title, "actor": actor.name},
        )
    return consultation


def _managers(session: Session, assessment: Assessment) -> list[User]:
    """Who publishes and moderates: the rapporteur, else the chairs."""
    if assessment.rapporteur_id is not None:
        rapporteur = session.get(User, assessment.rapporteur_id)
        if rapporteur is not None:
            return [rapporteur]
    return users_with_roles(session, frozenset({Role.chair}))


def publish(
    session: Session,
    *,
    assessment: Assessment,
    actor: User,
    roles: Set[Role],
    version: int | None = None,
) -> Consultation:
    """Make the consultation public, once the lead confirmed the summary."""
    ensure_capacity(session, actor, roles, assessment, need="manage")
    _ensure_consultable(assessment)
    consultation = get_consultation_or_404(session, assessment)
    _ensure_draft(consultation)
    if consultation.lead_confirmed_at is None:
        raise Conflict(_("The lead has not yet confirmed the summary. Ask them to check it first."))
    if consultation.ends_on < amsterdam_today():
        raise InvalidInput(
            _("The period is over before it starts. Choose new dates first."),
            fields={"ends_on": _("The end date has passed.")},
        )
    _write(session, consultation, version, {"published_at": utcnow(), "published_by_id": actor.id})
    record_event(
        session,
        action="consultation.published",
        actor_id=actor.id,
        object_type="consultation",
        object_id=consultation.id or "",
        assessment_id=assessment.id,
        details={
            "starts_on": consultation.starts_on.isoformat(),
            "ends_on": consultation.ends_on.isoformat(),
        },
    )
    return consultation


def public_consultations(
    session: Session, today: date | None = None
) -> list[tuple[Consultation, Assessment]]:
    """Every published consultation with its assessment, the newest period first."""
    rows = session.exec(
        select(Consultation, Assessment)
        .join(Assessment, col(Assessment.id) == Consultation.assessment_id)
        .where(col(Consultation.published_at).is_not(None))
        .where(col(Assessment.state) != State.withdrawn)
        .order_by(col(Consultation.starts_on).desc(), col(Consultation.id).desc())
    ).all()
    return [(c, a) for c, a in rows]


def public_consultation_or_404(
    session: Session, consultation_id: int
) -> tuple[Consultation, Assessment]:
    found = session.exec(
        select(Consultation, Assessment)
        .join(Assessment, col(Assessment.id) == Consultation.assessment_id)
        .where(col(Consultation.id) == consultation_id)
        .where(col(Consultation.published_at).is_not(None))
        .where(col(Assessment.state) != State.withdrawn)
    ).first()
    if found is None:
        raise NotFound(_("This consultation does not exist or is not public."))
    return found[0], found[1]
