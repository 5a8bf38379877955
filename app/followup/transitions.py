"""The follow-up of a condition: one table of allowed moves and who may make them.

Like the assessment's lifecycle (app.assessments.transitions), a move is checked by a pure
function: a move that the table does not allow raises IllegalMove (409), a move by the wrong
person PermissionDenied (403). Pages, API and CLI show the buttons from `allowed_actions`, so
the table is the only copy of the rule."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.errors import Conflict, PermissionDenied
from app.i18n import N_, LazyString, _


class Status(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"  # reported done by the owner, with an explanation
    accepted = "accepted"  # the rapporteur or the chair agrees it is done
    reopened = "reopened"  # not done after all, with a reason
    waived = "waived"  # no longer required, with the chair's reason


class Action(enum.StrEnum):
    start = "start"
    report = "report"
    accept = "accept"
    reopen = "reopen"
    waive = "waive"


class Party(enum.StrEnum):
    """Who is acting, relative to the condition."""

    owner = "owner"  # the owner's account; for an owner without one, the assessment's authors
    reviewer = "reviewer"  # the assessment's rapporteur
    chair = "chair"  # the chair of the committee
    # Nobody with a conflict of interest for the assessment is a reviewer or chair of it.


@dataclass(frozen=True)
class Move:
    sources: frozenset[Status]
    action: Action
    target: Status
    parties: frozenset[Party]
    needs_note: bool


_WORKING = frozenset({Status.open, Status.in_progress, Status.reopened})
MOVES: tuple[Move, ...] = (
    Move(
        frozenset({Status.open, Status.reopened}),
        Action.start,
        Status.in_progress,
        frozenset({Party.owner}),
        needs_note=False,
    ),
    Move(_WORKING, Action.report, Status.done, frozenset({Party.owner}), needs_note=True),
    Move(
        frozenset({Status.done}),
        Action.accept,
        Status.accepted,
        frozenset({Party.reviewer, Party.chair}),
        needs_note=False,
    ),
    Move(
        frozenset({Status.done}),
        Action.reopen,
        Status.reopened,
        frozenset({Party.reviewer, Party.chair}),
        needs_note=True,
    ),
    Move(
        frozenset({Status.accepted}),
        Action.reopen,
        Status.reopened,
        frozenset({Party.chair}),
        needs_note=True,
    ),
    Move(
        _WORKING | {Status.done},
        Action.waive,
        Status.waived,
        frozenset({Party.chair}),
        needs_note=True,
    ),
)

# Conditions that still ask something of their owner (reminders go out for these).
OUTSTANDING = _WORKING
# Conditions that are finished, for now.
SETTLED = frozenset({Status.accepted, Status.waived})

STATUS_LABELS: dict[Status, LazyString] = {
    Status.open: N_("Open"),
    Status.in_progress: N_("In progress"),
    Status.done: N_("Reported done"),
    Status.accepted: N_("Accepted"),
    Status.reopened: N_("Reopened"),
    Status.waived: N_("Waived"),
}

ACTION_LABELS: dict[Action, LazyString] = {
    Action.start: N_("Start working on it"),
    Action.report: N_("Report as done"),
    Action.accept: N_("Accept"),
    Action.reopen: N_("Reopen"),
    Action.waive: N_("Waive"),
}

# What the note is called on the form of each move.
NOTE_LABELS: dict[Action, LazyString] = {
    Action.start: N_("Note (optional)"),
    Action.report: N_("What was done, and where the evidence is"),
    Action.accept: N_("Note (optional)"),
    Action.reopen: N_("Why it is not done yet"),
    Action.waive: N_("Why the condition no longer applies"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS[Status(status)])


class IllegalMove(Conflict):
    """A move that the follow-up does not allow from the current status."""


def find_move(status: Status | str, action: Action) -> Move | None:
    current = Status(status)
    return next((m for m in MOVES if m.action == action and current in m.sources), None)


def check_move(
    status: Status | str, action: Action, parties: set[Party] | frozenset[Party]
) -> Move:
    """The move, or IllegalMove / PermissionDenied."""
    move = find_move(status, action)
    if move is None:
        raise IllegalMove(
            _(
                "This condition is “%(status)s”; “%(action)s” is not possible now.",
                status=status_label(status).lower(),
                action=str(ACTION_LABELS[action]).lower(),
            )
        )
    if not move.parties & set(parties):
        raise PermissionDenied(
            _(
                "You may not do this with this condition: %(action)s.",
                action=str(ACTION_LABELS[action]).lower(),
            )
        )
    return move


def allowed_actions(status: Status | str, parties: set[Party] | frozenset[Party]) -> list[Action]:
    """The moves these parties can make from this status, in the table's order."""
    current = Status(status)
    seen: list[Action] = []
    for m in MOVES:
        if current in m.sources and m.parties & set(parties) and m.action not in seen:
            seen.append(m.action)
    return seen
