"""Who may change an assessment, and what a refused person is told: the refusal names the rule
(only authors, not in this state, not this move) in the user's language."""

from __future__ import annotations

import pytest

from app.assessments.models import Assessment, AssessmentEditor, State
from app.assessments.permissions import authors_of, ensure_can_edit, ensure_is_lead
from app.assessments.transitions import (
    Action,
    IllegalTransition,
    Party,
    check_transition,
)
from app.errors import Conflict, PermissionDenied
from app.i18n import use_locale


@pytest.fixture
def english():  # type: ignore[no-untyped-def]
    with use_locale("en"):
        yield


def _add_coauthor(db, assessment, user) -> None:  # type: ignore[no-untyped-def]
    db.add(AssessmentEditor(assessment_id=assessment.id, user_id=user.id))
    db.flush()


# --- ensure_can_edit / ensure_is_lead -----------------------------------------------------------


def test_it_tells_someone_who_is_no_author_that_only_authors_can_change_it(
    english, db, make_assessment, personas
):
    assessment = make_assessment("lead")
    with pytest.raises(PermissionDenied) as refused:
        ensure_can_edit(db, personas["lead2"], assessment)
    assert (
        refused.value.detail == "Only the project lead and co-authors can change this assessment."
    )


def test_it_lets_the_lead_and_a_coauthor_edit_a_draft(db, make_assessment, personas):
    assessment = make_assessment("lead")
    _add_coauthor(db, assessment, personas["lead2"])
    ensure_can_edit(db, personas["lead"], assessment)
    ensure_can_edit(db, personas["lead2"], assessment)


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (State.submitted, "submitted"),
        (State.in_review, "in review"),
        (State.advice_drafted, "advice drafted"),
        (State.signed, "signed"),
    ],
)
def test_it_tells_an_author_in_which_state_the_assessment_can_no_longer_change(
    english, db, make_assessment, personas, state, shown
):
    assessment = make_assessment("lead")
    db.expunge(assessment)  # the state below is only this object's, never written
    assessment.state = state
    with pytest.raises(Conflict) as refused:
        ensure_can_edit(db, personas["lead"], assessment)
    assert refused.value.detail == f"This assessment is {shown} and can no longer be changed."


def test_it_names_the_state_in_dutch_by_default(db, make_assessment, personas):
    assessment = make_assessment("lead")
    db.expunge(assessment)
    assessment.state = State.in_review
    with pytest.raises(Conflict) as refused:
        ensure_can_edit(db, personas["lead"], assessment)
    assert refused.value.detail == (
        "Deze beoordeling heeft status in behandeling en kan niet meer worden gewijzigd."
    )


def test_it_tells_a_coauthor_that_only_the_lead_can_do_this(english, db, make_assessment, personas):
    assessment = make_assessment("lead")
    _add_coauthor(db, assessment, personas["lead2"])
    ensure_is_lead(personas["lead"], assessment)
    with pytest.raises(PermissionDenied) as refused:
        ensure_is_lead(personas["lead2"], assessment)
    assert refused.value.detail == "Only the project lead can do this."


# --- authors_of ---------------------------------------------------------------------------------


def test_it_lists_the_lead_first_and_then_only_this_assessments_coauthors(
    db, make_assessment, personas
):
    mine = make_assessment("lead", title="Mijn project")
    other = make_assessment("lead", title="Ander project")
    _add_coauthor(db, mine, personas["lead2"])
    _add_coauthor(db, other, personas["auditor"])
    assert [u.email for u in authors_of(db, mine)] == [
        personas["lead"].email,
        personas["lead2"].email,
    ]
    assert [u.email for u in authors_of(db, other)] == [
        personas["lead"].email,
        personas["auditor"].email,
    ]


def test_it_lists_only_the_lead_when_there_are_no_coauthors(db, make_assessment, personas):
    assessment = make_assessment("lead")
    assert authors_of(db, assessment) == [personas["lead"]]


def test_it_leaves_out_a_lead_without_an_account(db, make_assessment, personas):
    assessment = make_assessment("lead")
    _add_coauthor(db, assessment, personas["lead2"])
    ghost = Assessment.model_validate({**assessment.model_dump(), "lead_id": 987_654})
    assert authors_of(db, ghost) == [personas["lead2"]]


# --- check_transition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        (
            State.draft,
            Action.sign,
            "This is not possible while the assessment's state is “draft”: sign.",
        ),
        (
            State.changes_requested,
            Action.start_review,
            "This is not possible while the assessment's state is “changes requested”: start the review.",
        ),
        (
            State.archived,
            Action.withdraw,
            "This is not possible while the assessment's state is “archived”: withdraw.",
        ),
    ],
)
def test_it_names_the_move_and_the_state_when_a_move_does_not_exist(
    english, state, action, message
):
    with pytest.raises(IllegalTransition) as refused:
        check_transition(state, action, {Party.author, Party.committee, Party.chair})
    assert refused.value.detail == message


@pytest.mark.parametrize(
    ("state", "action", "parties", "message"),
    [
        (
            State.advice_drafted,
            Action.sign,
            {Party.committee},
            "You are not allowed to do this on this assessment: sign.",
        ),
        (
            State.submitted,
            Action.start_review,
            {Party.author},
            "You are not allowed to do this on this assessment: start the review.",
        ),
        (
            State.draft,
            Action.submit,
            set(),
            "You are not allowed to do this on this assessment: submit.",
        ),
    ],
)
def test_it_names_the_move_when_the_wrong_person_tries_it(english, state, action, parties, message):
    with pytest.raises(PermissionDenied) as refused:
        check_transition(state, action, parties)
    assert not isinstance(refused.value, IllegalTransition)
    assert refused.value.detail == message


def test_it_refuses_in_dutch_by_default():
    with pytest.raises(IllegalTransition) as illegal:
        check_transition(State.draft, Action.request_changes, {Party.committee})
    assert illegal.value.detail == (
        "Bij een beoordeling met status concept kunt u niet: aanpassingen vragen."
    )
    with pytest.raises(PermissionDenied) as denied:
        check_transition(State.in_review, Action.request_changes, {Party.author})
    assert denied.value.detail == "U mag bij deze beoordeling niet: aanpassingen vragen."
