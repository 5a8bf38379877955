"""The lifecycle table, exhaustively: every move for every state and every party."""

from __future__ import annotations

import itertools

import pytest

from app.assessments.models import State
from app.assessments.transitions import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Party,
    allowed_actions,
    check_transition,
)
from app.errors import PermissionDenied

EXPECTED = {
    (State.draft, Action.submit): (State.submitted, {Party.author}),
    (State.submitted, Action.withdraw): (State.withdrawn, {Party.author}),
    (State.withdrawn, Action.reopen): (State.draft, {Party.author}),
    (State.submitted, Action.start_review): (State.in_review, {Party.committee, Party.chair}),
    (State.in_review, Action.request_changes): (
        State.changes_requested,
        {Party.committee, Party.chair},
    ),
    (State.changes_requested, Action.resubmit): (State.submitted, {Party.author}),
    (State.in_review, Action.draft_advice): (State.advice_drafted, {Party.committee, Party.chair}),
    (State.advice_drafted, Action.revise_advice): (State.in_review, {Party.committee, Party.chair}),
    (State.advice_drafted, Action.sign): (State.signed, {Party.chair}),
    (State.signed, Action.archive): (State.archived, {Party.chair, Party.system}),
}


def test_it_has_exactly_the_documented_moves():
    table = {(m.source, m.action): (m.target, set(m.parties)) for m in TRANSITIONS}
    assert table == EXPECTED


@pytest.mark.parametrize(
    ("state", "action", "party"), list(itertools.product(State, Action, Party))
)
def test_it_allows_or_refuses_every_move_for_every_party(state, action, party):
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(IllegalTransition) as excinfo:
            check_transition(state, action, {party})
        assert excinfo.value.status_code == 409
        assert excinfo.value.detail  # a clear message, never empty
    elif party in expected[1]:
        assert check_transition(state, action, {party}) == expected[0]
    else:
        with pytest.raises(PermissionDenied) as excinfo:
            check_transition(state, action, {party})
        assert excinfo.value.status_code == 403


def test_it_refuses_everything_to_someone_without_a_part():
    for state, action in EXPECTED:
        with pytest.raises(PermissionDenied):
            check_transition(state, action, set())


def test_it_lists_the_moves_a_party_can_make():
    assert allowed_actions(State.submitted, {Party.author}) == [Action.withdraw]
    assert set(allowed_actions(State.in_review, {Party.committee})) == {
        Action.request_changes,
        Action.draft_advice,
    }
    assert allowed_actions(State.archived, {Party.chair, Party.committee, Party.author}) == []
