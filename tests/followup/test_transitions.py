"""The follow-up's table of moves, checked against a table written out here by hand: every
status, every action, every party. A change to the rules must change both."""

from __future__ import annotations

import itertools

import pytest

from app.errors import PermissionDenied
from app.followup.transitions import (
    Action,
    IllegalMove,
    Party,
    Status,
    allowed_actions,
    check_move,
)

OWNER, REVIEWER, CHAIR = Party.owner, Party.reviewer, Party.chair
# (status, action): (target, who may)
EXPECTED = {
    (Status.open, Action.start): (Status.in_progress, {OWNER}),
    (Status.reopened, Action.start): (Status.in_progress, {OWNER}),
    (Status.open, Action.report): (Status.done, {OWNER}),
    (Status.in_progress, Action.report): (Status.done, {OWNER}),
    (Status.reopened, Action.report): (Status.done, {OWNER}),
    (Status.done, Action.accept): (Status.accepted, {REVIEWER, CHAIR}),
    (Status.done, Action.reopen): (Status.reopened, {REVIEWER, CHAIR}),
    (Status.accepted, Action.reopen): (Status.reopened, {CHAIR}),
    (Status.open, Action.waive): (Status.waived, {CHAIR}),
    (Status.in_progress, Action.waive): (Status.waived, {CHAIR}),
    (Status.reopened, Action.waive): (Status.waived, {CHAIR}),
    (Status.done, Action.waive): (Status.waived, {CHAIR}),
}
CASES = list(itertools.product(Status, Action, Party))


@pytest.mark.parametrize(("status", "action", "party"), CASES)
def test_it_allows_exactly_the_moves_of_the_table(status, action, party):
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(IllegalMove):
            check_move(status, action, {party})
    elif party in expected[1]:
        assert check_move(status, action, {party}).target == expected[0]
    else:
        with pytest.raises(PermissionDenied):
            check_move(status, action, {party})


def test_it_offers_the_buttons_the_table_allows():
    for status in Status:
        for party in Party:
            offered = allowed_actions(status, {party})
            assert offered == [
                a for a in Action if party in EXPECTED.get((status, a), (None, set()))[1]
            ]


def test_it_asks_a_reason_for_every_move_that_undoes_or_ends_the_work():
    for (status, action), _expected in EXPECTED.items():
        move = check_move(status, action, {OWNER, REVIEWER, CHAIR})
        assert move.needs_note == (action in (Action.report, Action.reopen, Action.waive))


def test_it_lets_nobody_move_a_waived_condition():
    assert all(allowed_actions(Status.waived, {p}) == [] for p in Party)
