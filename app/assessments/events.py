"""Lifecycle events: packages that care about an assessment's moves subscribe to them, instead
of the lifecycle calling into those packages (notifications subscribe; see
app.notifications.lifecycle). Subscribers run in the mover's transaction, after the move."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class CoauthorAdded:
    """The lead let another person edit an assessment."""

    session: Session
    assessment: Assessment
    coauthor: User
    actor: User


Event = Moved | CoauthorAdded
Subscriber = Callable[[Any], None]
_SUBSCRIBERS: dict[type, list[Subscriber]] = {}


def subscribe(subscriber: Subscriber, *, to: type = Moved) -> Subscriber:
    """Call `subscriber` after every event of a kind (moves unless told otherwise); subscribing
    twice is once."""
    listeners = _SUBSCRIBERS.setdefault(to, [])
    if subscriber not in listeners:
        listeners.append(subscriber)
    return subscriber


def publish(event: Event) -> None:
    for subscriber in list(_SUBSCRIBERS.get(type(event), [])):
        subscriber(event)
