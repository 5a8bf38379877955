"""Notifications that follow an assessment's lifecycle moves (subscribed to
app.assessments.events in app.wiring, so the lifecycle does not call into this package)."""

from __future__ import annotations

from app.assessments import events
from app.assessments.permissions import authors_of
from app.assessments.transitions import Action
from app.notifications.service import notify
from app.users.service import COMMITTEE_ROLES, users_with_roles


def tell_the_committee_of_a_submission(event: events.Moved) -> None:
    """The committee (without the authors) hears that an assessment was (re)submitted."""
    if event.action not in (Action.submit, Action.resubmit):
        return
    assessment, actor = event.assessment, event.actor
    authors = {u.id for u in authors_of(event.session, assessment)}
    notify(
        event.session,
        recipients=[
            u for u in users_with_roles(event.session, COMMITTEE_ROLES) if u.id not in authors
        ],
        kind="resubmitted" if event.action == Action.resubmit else "submitted",
        assessment_id=assessment.id,
        params={
            "ref": assessment.reference,
            "title": assessment.title,
            "actor": actor.name if actor else "",
        },
    )


def tell_the_new_coauthor(event: events.CoauthorAdded) -> None:
    """The person added as co-author hears it (the lead's form says nothing about accounts)."""
    assessment = event.assessment
    notify(
        event.session,
        recipients=[event.coauthor],
        kind="coauthor_added",
        assessment_id=assessment.id,
        params={"ref": assessment.reference, "title": assessment.title, "actor": event.actor.name},
    )
