"""Lifecycle events: packages that care about an assessment's moves subscribe to them, instead
of the lifecycle calling into those packages (notifications subscribe; see
app.notifications.lifecycle). Subscribers run in the mover's transaction, after the move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from app.assessments.models import Assessment
from app.assessments.transitions import Action, State
from app.users.models import User


@dataclass(frozen=True)
class Moved:
    """An assessment made one move in its lifecycle."""

    session: Session
    assessment: Assessment
    action: Action
    actor: User | None
    source: State
    target: State


Subscriber = Callable[[Moved], None]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Call `subscriber` after every move (usable as a decorator; subscribing twice is once)."""
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)
    return subscriber


def publish(event: Moved) -> None:
    for subscriber in list(_SUBSCRIBERS):
        subscriber(event)
