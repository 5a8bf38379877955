"""The fingerprint of what a section page shows (steps and decision-support panel): the same
for the same view, different as soon as anything shown differs."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from app.pages.fingerprint import shown_digest

STEPS = [
    {"id": "profile", "title": "Profiel", "complete": True, "required": 4, "missing": 0},
    {"id": "transparency", "title": "Transparant", "complete": False, "required": 6, "missing": 2},
]
SUPPORT = {
    "overall": "medium",
    "values": [{"id": "transparent", "level": "medium", "inherent": 12, "residual": 8}],
    "obligations": [{"id": "dpia_required", "title": "DPIA"}],
}


def test_it_is_the_same_for_the_same_view():
    assert shown_digest(STEPS, SUPPORT) == shown_digest(
        copy.deepcopy(STEPS), copy.deepcopy(SUPPORT)
    )
    assert len(shown_digest(STEPS, SUPPORT)) == 24


def test_it_changes_when_a_step_or_the_panel_changes():
    base = shown_digest(STEPS, SUPPORT)
    steps = copy.deepcopy(STEPS)
    steps[1]["missing"] = 1
    support = copy.deepcopy(SUPPORT)
    support["obligations"].append({"id": "consult_dpo", "title": "FG"})
    level = copy.deepcopy(SUPPORT)
    level["values"][0]["level"] = "high"
    assert (
        len(
            {
                base,
                shown_digest(steps, SUPPORT),
                shown_digest(STEPS, support),
                shown_digest(STEPS, level),
            }
        )
        == 4
    )


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_it_tells_any_two_different_counts_apart(a, b):
    one, other = copy.deepcopy(STEPS), copy.deepcopy(STEPS)
    one[0]["missing"], other[0]["missing"] = a, b
    assert (shown_digest(one, SUPPORT) == shown_digest(other, SUPPORT)) == (a == b)
