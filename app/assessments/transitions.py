"""The lifecycle of an assessment: one table of allowed moves and who may make them.

A move is checked by a pure function; an illegal move raises IllegalTransition (409), a move by
the wrong person raises PermissionDenied (403). Services record every move as a StateChange row
and an audit event (see service.move)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.assessments.models import State
from app.errors import Conflict, PermissionDenied
from app.i18n import N_, LazyString, _


class Action(enum.StrEnum):
    submit = "submit"
    withdraw = "withdraw"
    reopen = "reopen"
    start_review = "start_review"
    request_changes = "request_changes"
    resubmit = "resubmit"
    draft_advice = "draft_advice"
    revise_advice = "revise_advice"
    sign = "sign"
    archive = "archive"


class Party(enum.StrEnum):
    """Who is acting, relative to the assessment."""

    author = "author"  # the lead or a co-author
    committee = "committee"  # a board member or chair without a conflict of interest
    chair = "chair"  # the chair without a conflict of interest
    system = "system"  # the application itself (automatic archiving)


@dataclass(frozen=True)
class Move:
    source: State
    action: Action
    target: State
    parties: frozenset[Party]


TRANSITIONS: tuple[Move, ...] = (
    Move(State.draft, Action.submit, State.submitted, frozenset({Party.author})),
    Move(State.submitted, Action.withdraw, State.withdrawn, frozenset({Party.author})),
    Move(State.withdrawn, Action.reopen, State.draft, frozenset({Party.author})),
    Move(
        State.submitted,
        Action.start_review,
        State.in_review,
        frozenset({Party.committee, Party.chair}),
    ),
    Move(
        State.in_review,
        Action.request_changes,
        State.changes_requested,
        frozenset({Party.committee, Party.chair}),
    ),
    Move(State.changes_requested, Action.resubmit, State.submitted, frozenset({Party.author})),
    Move(
        State.in_review,
        Action.draft_advice,
        State.advice_drafted,
        frozenset({Party.committee, Party.chair}),
    ),
    Move(
        State.advice_drafted,
        Action.revise_advice,
        State.in_review,
        frozenset({Party.committee, Party.chair}),
    ),
    Move(State.advice_drafted, Action.sign, State.signed, frozenset({Party.chair})),
    Move(State.signed, Action.archive, State.archived, frozenset({Party.chair, Party.system})),
)
_BY_KEY = {(m.source, m.action): m for m in TRANSITIONS}

# States in which the authors may change answers.
EDITABLE_STATES = frozenset({State.draft, State.changes_requested})

STATE_LABELS: dict[State, LazyString] = {
    State.draft: N_("Draft"),
    State.submitted: N_("Submitted"),
    State.in_review: N_("In review"),
    State.changes_requested: N_("Changes requested"),
    State.advice_drafted: N_("Advice drafted"),
    State.signed: N_("Signed"),
    State.archived: N_("Archived"),
    State.withdrawn: N_("Withdrawn"),
}

ACTION_LABELS: dict[Action, LazyString] = {
    Action.submit: N_("submit"),
    Action.withdraw: N_("withdraw"),
    Action.reopen: N_("reopen"),
    Action.start_review: N_("start the review"),
    Action.request_changes: N_("request changes"),
    Action.resubmit: N_("resubmit"),
    Action.draft_advice: N_("draft the advice"),
    Action.revise_advice: N_("revise the advice"),
    Action.sign: N_("sign"),
    Action.archive: N_("archive"),
}


def state_label(state: str) -> str:
    """The name of a state in the current language."""
    return str(STATE_LABELS[State(state)])


class IllegalTransition(Conflict):
    """A move that the lifecycle does not allow from the current state."""


def check_transition(
    state: State | str, action: Action, parties: set[Party] | frozenset[Party]
) -> State:
    """The target state of a move, or IllegalTransition / PermissionDenied."""
    current = State(state)
    move = _BY_KEY.get((current, action))
    if move is None:
        raise IllegalTransition(
            _(
                "This is not possible while the assessment's state is “%(state)s”: %(action)s.",
                action=str(ACTION_LABELS[action]),
                state=str(STATE_LABELS[current]).lower(),
            )
        )
    if not (move.parties & set(parties)):
        raise PermissionDenied(
            _(
                "You are not allowed to do this on this assessment: %(action)s.",
                action=str(ACTION_LABELS[action]),
            )
        )
    return move.target


def allowed_actions(state: State | str, parties: set[Party] | frozenset[Party]) -> list[Action]:
    """The moves these parties can make from this state (to show the right buttons)."""
    current = State(state)
    return [m.action for m in TRANSITIONS if m.source == current and m.parties & set(parties)]
