"""Following up the conditions of a signed advice: who acts, the moves, and what each page,
the API and the reminders read. The signed advice and its conditions stay as they were
signed; only their follow-up (ConditionFollowUp) moves, each move a ConditionUpdate row and an
audit event."""

from __future__ import annotations

from collections.abc import Collection, Set
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.assessments import events
from app.assessments.models import Assessment, AssessmentEditor, ConflictOfInterest, State
from app.assessments.permissions import (
    authors_of,
    ensure_can_view,
    has_declared_conflict,
    is_author,
)
from app.assessments.transitions import Action as LifecycleAction
from app.attachments.models import Attachment
from app.attachments.service import add_attachment, attachments_of_conditions
from app.audit.service import record_event
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.followup.transitions import (
    OUTSTANDING,
    Action,
    Party,
    Status,
    allowed_actions,
    check_move,
    status_label,
)
from app.i18n import _
from app.notifications.service import notify
from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp, ConditionUpdate
from app.text import tidy
from app.timeutil import amsterdam_today, utcnow
from app.users.models import Role, User
from app.users.service import users_with_roles

NOTE_MAX = 5000
SIGNED_STATES = frozenset({State.signed, State.archived})


@dataclass
class FollowedCondition:
    """A condition of the signed advice with where it stands, for one reader."""

    condition: AdviceCondition
    follow_up: ConditionFollowUp
    owner_account: User | None
    updates: list[tuple[ConditionUpdate, str]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    overdue: bool = False
    evidence: list[Attachment] = field(default_factory=list)
    may_add_evidence: bool = False


def signed_advice(session: Session, assessment: Assessment) -> Advice | None:
    """The advice that was signed: final, not superseded, of a signed or archived assessment."""
    if assessment.state not in SIGNED_STATES:
        return None
    return session.exec(
        select(Advice)
        .where(
            Advice.assessment_id == assessment.id,
            col(Advice.finalised_at).is_not(None),
            col(Advice.superseded_at).is_(None),
        )
        .order_by(col(Advice.round).desc())
    ).first()


def start_following_up(event: events.Moved) -> None:
    """At signing, every condition of the signed advice starts open (subscribed in app.wiring)."""
    if event.action != LifecycleAction.sign:
        return
    session, assessment = event.session, event.assessment
    advice = signed_advice(session, assessment)
    if advice is None:
        return
    conditions = session.exec(
        select(AdviceCondition).where(AdviceCondition.advice_id == advice.id)
    ).all()
    for condition in conditions:
        if session.get(ConditionFollowUp, condition.id) is None:
            session.add(
                ConditionFollowUp(condition_id=condition.id or 0, assessment_id=assessment.id or 0)
            )
    session.flush()


def is_owner(session: Session, user: User, assessment: Assessment, c: AdviceCondition) -> bool:
    """The owner's account; for an owner without one, the assessment's lead and co-authors."""
    if c.owner_user_id is not None:
        return c.owner_user_id == user.id
    return is_author(session, user, assessment)


def condition_parties(
    session: Session, user: User, roles: Set[Role], assessment: Assessment, c: AdviceCondition
) -> set[Party]:
    """The capacities in which a user acts on a condition. The authors never judge their own
    conditions, nor does a member who declared a conflict of interest."""
    parties: set[Party] = set()
    if is_owner(session, user, assessment, c):
        parties.add(Party.owner)
    if is_author(session, user, assessment) or has_declared_conflict(session, user, assessment):
        return parties
    if Role.chair in roles:
        parties.add(Party.chair)
    if assessment.rapporteur_id == user.id and roles & {Role.board, Role.chair}:
        parties.add(Party.reviewer)
    return parties


def owns_a_condition(session: Session, user: User, assessment: Assessment) -> bool:
    advice = signed_advice(session, assessment)
    if advice is None:
        return False
    return (
        session.exec(
            select(AdviceCondition.id).where(
                AdviceCondition.advice_id == advice.id,
                AdviceCondition.owner_user_id == user.id,
            )
        ).first()
        is not None
    )


def ensure_can_follow(
    session: Session, user: User, roles: Set[Role], assessment: Assessment
) -> None:
    """Who may see the follow-up: whoever may read the assessment, and the owners of its
    conditions (a data protection officer named as owner need not read the whole file)."""
    try:
        ensure_can_view(session, user, roles, assessment)
    except PermissionDenied:
        if not owns_a_condition(session, user, assessment):
            raise


def follow_up(
    session: Session,
    assessment: Assessment,
    *,
    reader: User | None = None,
    roles: Set[Role] = frozenset(),
    today: date | None = None,
) -> list[FollowedCondition]:
    """The conditions of the signed advice in their order, with their status and history; for
    a reader, also the moves they may make."""
    advice = signed_advice(session, assessment)
    if advice is None:
        return []
    today = today or amsterdam_today()
    rows = session.exec(
        select(AdviceCondition, ConditionFollowUp)
        .join(ConditionFollowUp, col(ConditionFollowUp.condition_id) == AdviceCondition.id)
        .where(AdviceCondition.advice_id == advice.id)
        .order_by(col(AdviceCondition.number))
    ).all()
    ids = [c.id or 0 for c, _f in rows]
    history = _history(session, ids)
    evidence = attachments_of_conditions(session, ids)
    owners = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({c.owner_user_id for c, _f in rows}))
        ).all()
    }
    found = []
    for condition, state in rows:
        item = FollowedCondition(
            condition=condition,
            follow_up=state,
            owner_account=owners.get(condition.owner_user_id),
            updates=history.get(condition.id or 0, []),
            overdue=bool(
                condition.due_on and condition.due_on < today and state.status in OUTSTANDING
            ),
            evidence=evidence.get(condition.id or 0, []),
        )
        if reader is not None:
            parties = condition_parties(session, reader, roles, assessment, condition)
            item.actions = allowed_actions(state.status, parties)
            item.may_add_evidence = Party.owner in parties and state.status in OUTSTANDING
        found.append(item)
    return found


def _history(
    session: Session, condition_ids: Collection[int]
) -> dict[int, list[tuple[ConditionUpdate, str]]]:
    found: dict[int, list[tuple[ConditionUpdate, str]]] = {}
    if not condition_ids:
        return found
    for row, name in session.exec(
        select(ConditionUpdate, User.name)
        .join(User, col(User.id) == ConditionUpdate.actor_id)
        .where(col(ConditionUpdate.condition_id).in_(condition_ids))
        .order_by(col(ConditionUpdate.id))
    ).all():
        found.setdefault(row.condition_id, []).append((row, name))
    return found


def parse_action(value: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise InvalidInput(
            _("Choose one of the actions given."),
            fields={"action": _("Choose one of the actions given.")},
        ) from None


def move_condition(
    session: Session,
    *,
    assessment: Assessment,
    condition_id: int,
    actor: User,
    roles: Set[Role],
    action: Action,
    note: str = "",
    version: int | None = None,
) -> ConditionFollowUp:
    """Move a condition's follow-up by the table in app.followup.transitions. `version` is the
    follow-up's version the actor saw: a move made meanwhile by someone else refuses this one
    (409) instead of being overwritten. Every move is a history row and an audit event."""
    condition = session.get(AdviceCondition, condition_id)
    advice = signed_advice(session, assessment)
    if condition is None or advice is None or condition.advice_id != advice.id:
        raise NotFound(_("This condition does not exist."))
    state = session.get(ConditionFollowUp, condition_id)
    if state is None:
        raise Conflict(_("This condition is not followed up."))
    parties = condition_parties(session, actor, roles, assessment, condition)
    if not parties:
        ensure_can_follow(session, actor, roles, assessment)
        raise PermissionDenied(
            _("Only the owner, the rapporteur and the chair act on the conditions.")
        )
    move = check_move(state.status, action, parties)
    text = tidy(note or "")
    if move.needs_note and not text:
        message = _("Write a short explanation first.")
        raise InvalidInput(message, fields={"note": message})
    if len(text) > NOTE_MAX:
        message = _("Use at most %(max)s characters (now %(n)s).", max=NOTE_MAX, n=len(text))
        raise InvalidInput(message, fields={"note": message})
    if action == Action.accept and _reported_by(session, condition_id) == actor.id:
        raise PermissionDenied(_("Someone other than the person who reported it must accept it."))
    if version is not None and version != state.version:
        raise Conflict(_("Someone changed this condition meanwhile. Look at it again."))
    source = state.status
    changed = session.execute(
        update(ConditionFollowUp)
        .where(
            col(ConditionFollowUp.condition_id) == condition_id,
            col(ConditionFollowUp.version) == state.version,
        )
        .values(status=move.target.value, version=state.version + 1, changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone changed this condition meanwhile. Look at it again."))
    session.add(
        ConditionUpdate(
            condition_id=condition_id,
            from_status=source,
            to_status=move.target.value,
            action=action.value,
            note=text,
            actor_id=actor.id or 0,
        )
    )
    session.flush()
    session.refresh(state)
    record_event(
        session,
        action=f"condition.{action.value}",
        actor_id=actor.id,
        object_type="condition",
        object_id=condition_id,
        assessment_id=assessment.id,
        details={"number": condition.number, "from": source, "to": move.target.value},
    )
    _tell(session, assessment, condition, action, actor)
    return state


def add_evidence(
    session: Session,
    *,
    assessment: Assessment,
    condition_id: int,
    actor: User,
    roles: Set[Role],
    filename: str,
    data: bytes,
) -> Attachment:
    """The owner attaches a file as evidence to a condition that is not yet reported done (or
    was reopened); the attachment itself is checked, stored and audited by app.attachments."""
    condition = session.get(AdviceCondition, condition_id)
    advice = signed_advice(session, assessment)
    if condition is None or advice is None or condition.advice_id != advice.id:
        raise NotFound(_("This condition does not exist."))
    state = session.get(ConditionFollowUp, condition_id)
    if state is None:
        raise Conflict(_("This condition is not followed up."))
    if Party.owner not in condition_parties(session, actor, roles, assessment, condition):
        ensure_can_follow(session, actor, roles, assessment)
        raise PermissionDenied(_("Only the owner of the condition adds evidence to it."))
    if state.status not in OUTSTANDING:
        raise Conflict(
            _(
                "Evidence is added before the condition is reported done; it is “%(status)s”.",
                status=status_label(state.status).lower(),
            )
        )
    return add_attachment(
        session,
        assessment=assessment,
        actor=actor,
        roles=roles,
        filename=filename,
        data=data,
        condition_id=condition_id,
        permitted=True,
    )


def _reported_by(session: Session, condition_id: int) -> int | None:
    last = session.exec(
        select(ConditionUpdate.actor_id)
        .where(
            ConditionUpdate.condition_id == condition_id,
            ConditionUpdate.action == Action.report.value,
        )
        .order_by(col(ConditionUpdate.id).desc())
    ).first()
    return last


def _tell(
    session: Session,
    assessment: Assessment,
    condition: AdviceCondition,
    action: Action,
    actor: User,
) -> None:
    """A report goes to who judges it (the rapporteur, or the chairs when there is none); a
    judgement goes to the owner and the authors."""
    if action == Action.start:
        return
    if action == Action.report:
        rapporteur = (
            session.get(User, assessment.rapporteur_id) if assessment.rapporteur_id else None
        )
        judges = [rapporteur] if rapporteur else users_with_roles(session, frozenset({Role.chair}))
        # Who stepped aside for a conflict of interest does not judge, so is not asked to.
        recipients = [u for u in judges if not has_declared_conflict(session, u, assessment)]
        kind = "condition_reported"
    else:
        owner = session.get(User, condition.owner_user_id) if condition.owner_user_id else None
        recipients = [*([owner] if owner else []), *authors_of(session, assessment)]
        kind = {
            Action.accept: "condition_accepted",
            Action.reopen: "condition_reopened",
            Action.waive: "condition_waived",
        }[action]
    notify(
        session,
        recipients=[u for u in recipients if u.id != actor.id],
        kind=kind,
        assessment_id=assessment.id,
        params={
            "ref": assessment.reference,
            "title": assessment.title,
            "actor": actor.name,
            "number": condition.number,
        },
    )


@dataclass(frozen=True)
class Task:
    """A condition that waits for this user: to report on, or to judge."""

    assessment: Assessment
    condition: AdviceCondition
    follow_up: ConditionFollowUp
    judge: bool  # True: reported done, waiting for this reviewer's judgement


def tasks_of(session: Session, user: User, roles: Set[Role], *, limit: int = 200) -> list[Task]:
    """The conditions that wait for a user: outstanding ones they own (their account, or as
    lead or co-author of an owner without one), and reported ones they judge (as rapporteur,
    or as chair), soonest due first."""
    authored = select(AssessmentEditor.assessment_id).where(AssessmentEditor.user_id == user.id)
    base = (
        select(Assessment, AdviceCondition, ConditionFollowUp)
        .join(AdviceCondition, col(AdviceCondition.id) == ConditionFollowUp.condition_id)
        .join(Assessment, col(Assessment.id) == ConditionFollowUp.assessment_id)
    )
    owned = base.where(
        col(ConditionFollowUp.status).in_([s.value for s in OUTSTANDING]),
        (col(AdviceCondition.owner_user_id) == user.id)
        | (
            col(AdviceCondition.owner_user_id).is_(None)
            & ((col(Assessment.lead_id) == user.id) | col(Assessment.id).in_(authored))
        ),
    )
    found = [Task(a, c, f, judge=False) for a, c, f in session.exec(owned.limit(limit)).all()]
    if roles & {Role.board, Role.chair}:
        conflicted = select(ConflictOfInterest.assessment_id).where(
            ConflictOfInterest.user_id == user.id
        )
        judging = base.where(
            col(ConditionFollowUp.status) == Status.done.value,
            col(Assessment.lead_id) != user.id,
            col(Assessment.id).not_in(authored),
            col(Assessment.id).not_in(conflicted),
        )
        if Role.chair not in roles:
            judging = judging.where(col(Assessment.rapporteur_id) == user.id)
        found += [Task(a, c, f, judge=True) for a, c, f in session.exec(judging.limit(limit)).all()]
    return sorted(found, key=lambda t: (t.condition.due_on or date.max, t.assessment.id or 0))
