"""What the committee says about an assessment, as its authors see it: the comments next to
their answers, the verdict on each section, the message sent with a request for changes and
the final advice.

The committee's package provides the comments, verdicts and advice (connected in app.wiring);
the assessments' pages ask for them here, so that the guided form does not depend on the
review. The messages with a request for changes are the notes of the lifecycle moves, which
this package keeps itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.models import Assessment, State, StateChange
from app.users.models import User

Comments = dict[str, list[dict[str, Any]]]
CommentsProvider = Callable[[Session, Assessment], Comments]
# Per section id: {"verdict": the value, "label": its name, "submission": its number}.
Verdicts = dict[str, dict[str, Any]]
VerdictsProvider = Callable[[Session, Assessment], Verdicts]
# The final advice: outcome (value and label), summary, round, reassess_on and conditions
# (number, text, owner, due_on).
AdviceView = dict[str, Any]
AdviceProvider = Callable[[Session, Assessment], AdviceView | None]
_PROVIDERS: list[CommentsProvider] = []
_VERDICTS: list[VerdictsProvider] = []
_ADVICE: list[AdviceProvider] = []


def provide(provider: CommentsProvider) -> None:
    """Register where the comments per question come from (once)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def provide_verdicts(provider: VerdictsProvider) -> None:
    """Register where the verdicts per section come from (once)."""
    if provider not in _VERDICTS:
        _VERDICTS.append(provider)


def provide_advice(provider: AdviceProvider) -> None:
    """Register where the final advice comes from (once)."""
    if provider not in _ADVICE:
        _ADVICE.append(provider)


def comments_by_question(session: Session, assessment: Assessment) -> Comments:
    """The committee's comments on each question: author, text and whether resolved."""
    found: Comments = {}
    for provider in _PROVIDERS:
        for question, comments in provider(session, assessment).items():
            found.setdefault(question, []).extend(comments)
    return found


def verdicts_by_section(session: Session, assessment: Assessment) -> Verdicts:
    """The committee's verdict on each section of the latest submission it judged."""
    found: Verdicts = {}
    for provider in _VERDICTS:
        found.update(provider(session, assessment))
    return found


def final_advice(session: Session, assessment: Assessment) -> AdviceView | None:
    """The committee's final advice that is in force, or None while there is none."""
    for provider in _ADVICE:
        advice = provider(session, assessment)
        if advice is not None:
            return advice
    return None


@dataclass(frozen=True)
class ChangeRequest:
    """The committee sent the assessment back: when, by whom, with which message."""

    at: datetime
    by: str
    note: str


def change_requests(session: Session, assessment: Assessment) -> list[ChangeRequest]:
    """Every time the committee asked for changes, newest first."""
    rows = session.exec(
        select(StateChange, User.name)
        .join(User, col(User.id) == StateChange.actor_id)
        .where(
            StateChange.assessment_id == assessment.id,
            StateChange.to_state == State.changes_requested.value,
        )
        .order_by(col(StateChange.id).desc())
    ).all()
    return [ChangeRequest(change.created_at, name, change.note) for change, name in rows]


def as_the_authors_see_it(session: Session, assessment: Assessment) -> dict[str, Any]:
    """For the authors' pages: the request for changes while the assessment is back with its
    authors, the earlier requests, and the verdicts per section."""
    requests = change_requests(session, assessment)
    back_with_authors = assessment.state == State.changes_requested and bool(requests)
    return {
        "change_request": requests[0] if back_with_authors else None,
        "earlier_requests": requests[1:] if back_with_authors else requests,
        "verdicts": verdicts_by_section(session, assessment),
    }
