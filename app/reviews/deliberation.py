"""One rule for the committee's private deliberation, used by the advice page, the audit pages
and the API alike: a draft advice and the members' opinions on it stay among the committee
until the advice is final. Outside the committee such an audit event is still listed (the trail
stays complete and its hashes can be checked) but its details and, for an opinion, who gave
it are withheld."""

from __future__ import annotations

import json
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.models import Assessment
from app.assessments.permissions import parties_for
from app.assessments.transitions import Party
from app.audit.models import AuditEvent
from app.reviews.models import Advice
from app.users.models import Role, User

# Events whose details are the deliberation itself, keyed to the advice they belong to.
DELIBERATION_ACTIONS = frozenset({"advice.saved", "advice.opinion"})
# Events whose actor is part of the deliberation (who voted, before the advice is final).
ANONYMOUS_WHILE_PRIVATE = frozenset({"advice.opinion"})


def sees_deliberation(parties: Set[Party]) -> bool:
    """Whether someone acting in these capacities takes part in the committee's deliberation."""
    return bool(parties & {Party.committee, Party.chair})


def is_private(advice: Advice) -> bool:
    return advice.finalised_at is None


@dataclass(frozen=True)
class EventView:
    """An audit event as one reader may see it."""

    event: AuditEvent
    actor_id: int | None
    details: dict[str, Any]
    withheld: bool


def _final_advice_ids(session: Session, events: list[AuditEvent]) -> set[str]:
    ids = {
        int(e.object_id)
        for e in events
        if e.action in DELIBERATION_ACTIONS and e.object_type == "advice" and e.object_id.isdigit()
    }
    if not ids:
        return set()
    rows = session.exec(
        select(Advice.id).where(col(Advice.id).in_(ids), col(Advice.finalised_at).is_not(None))
    ).all()
    return {str(i) for i in rows}


def visible_events(
    session: Session, user: User, roles: Set[Role], events: Iterable[AuditEvent]
) -> list[EventView]:
    """The events as this user may see them: deliberation on an advice that is not final yet
    is withheld unless the user takes part in it for that assessment."""
    events = list(events)
    final = _final_advice_ids(session, events)
    takes_part: dict[int, bool] = {}

    def part_of(assessment_id: int | None) -> bool:
        if assessment_id is None:
            return False
        if assessment_id not in takes_part:
            assessment = session.get(Assessment, assessment_id)
            takes_part[assessment_id] = assessment is not None and sees_deliberation(
                parties_for(session, user, roles, assessment)
            )
        return takes_part[assessment_id]

    views = []
    for e in events:
        private = (
            e.action in DELIBERATION_ACTIONS
            and e.object_id not in final
            and not part_of(e.assessment_id)
        )
        if private:
            actor = None if e.action in ANONYMOUS_WHILE_PRIVATE else e.actor_id
            views.append(EventView(e, actor, {}, True))
        else:
            views.append(EventView(e, e.actor_id, json.loads(e.details_json), False))
    return views
