"""Moving a draft to a newer questionnaire version: what differs, which answers are carried over
by question id, which are not and why, the history that stays, and who and when may move."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from app.assessments import answering, lifecycle
from app.assessments.models import AnswerRevision, Assessment, State
from app.assessments.reading import get_assessment, questionnaire_of
from app.assessments.upgrading import (
    UPGRADE_KIND,
    move_to_version,
    newer_version,
    plan_move,
    version_changes,
)
from app.audit.models import AuditEvent
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.i18n import use_locale
from app.questionnaires.registry import definition_of
from tests.assessments.sample_v2 import (
    CARRIED,
    DROPPED,
    INVALID,
    V1_ANSWERS,
    store_sample_v2,
)
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, on_both_databases

engine = on_both_databases()


@pytest.fixture(autouse=True)
def in_english():  # type: ignore[no-untyped-def]
    """The messages are checked in English (Dutch is the default)."""
    with use_locale("en"):
        yield


@pytest.fixture
def v2(db, tmp_path):  # type: ignore[no-untyped-def]
    return store_sample_v2(db, tmp_path / "questionnaires")


@pytest.fixture
def answered(db, make_assessment, personas):  # type: ignore[no-untyped-def]
    """A draft of version 1 with V1_ANSWERS, some of them changed once (so they have history)."""
    a = make_assessment()
    lead = personas["lead"]
    for qid, value in {**V1_ANSWERS, "name": "Tellingen", "personal": "ordinary"}.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
        )
    for qid in ("name", "personal"):
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=V1_ANSWERS[qid], base_version=None, actor=lead
        )
    db.commit()
    return a


def _revisions(db, assessment):  # type: ignore[no-untyped-def]
    return list(
        db.exec(
            select(AnswerRevision)
            .where(AnswerRevision.assessment_id == assessment.id)
            .order_by(col(AnswerRevision.id))
        ).all()
    )


def test_it_lists_new_changed_and_dropped_questions_by_id_and_says_what_changed(sample_version, v2):
    with use_locale("en"):
        changes = version_changes(definition_of(sample_version), definition_of(v2))
    assert [c.question_id for c in changes.new] == ["goal"]
    assert [c.question_id for c in changes.dropped] == ["site"]
    changed = {c.question_id: c for c in changes.changed}
    assert set(changed) == {"personal", "people", "published", "confidence"}
    assert changed["personal"].aspects == ("options",)
    assert changed["personal"].words == (
        "Options added: “Sensitive”.",
        "Options removed: “Special”.",
        "Options renamed: “Ordinary” → “Ordinary personal data”.",
    )
    assert changed["confidence"].aspects == ("type", "options")
    assert changed["confidence"].words[0] == (
        "The answer is now one choice instead of a scale from 1 to 5."
    )
    assert changed["published"].aspects == ("label", "required")
    assert "An answer is no longer required." in changed["published"].words
    assert changed["people"].aspects == ("show_if",)
    assert changed["people"].words == ("The cases in which it is asked changed.",)


def test_it_finds_no_differences_between_a_version_and_itself(sample_version):
    q = definition_of(sample_version)
    assert not version_changes(q, q).any


def test_it_offers_the_newer_version_only_while_there_is_one(db, make_assessment, v2, personas):
    a = make_assessment()
    assert newer_version(db, a) == v2
    move_to_version(db, a, v2, personas["lead"])
    assert newer_version(db, a) is None


def test_it_carries_answers_over_by_question_id_and_lists_those_it_cannot(
    db, answered, v2, personas
):
    plan = plan_move(db, answered, v2)
    assert set(plan.carried) == CARRIED
    assert {x.question_id: x.reason for x in plan.lost} == {
        **dict.fromkeys(INVALID, "invalid"),
        **dict.fromkeys(DROPPED, "dropped"),
    }
    assert all(x.message for x in plan.lost if x.reason == "invalid")

    move_to_version(db, answered, v2, personas["lead"])
    db.commit()

    moved = get_assessment(db, answered.id)
    version, _q = questionnaire_of(db, moved)
    assert (version.key, version.version) == ("sample", 2)
    assert answering.answer_values(db, moved) == {q: V1_ANSWERS[q] for q in CARRIED}


def test_it_keeps_the_history_of_every_answer_and_records_the_move(db, answered, v2, personas):
    before = _revisions(db, answered)
    carried_rows = answering.stored_answers(db, answered)

    move_to_version(db, answered, v2, personas["lead"])
    db.commit()

    after = _revisions(db, answered)
    assert [r.id for r in after[: len(before)]] == [r.id for r in before]  # nothing deleted
    added = after[len(before) :]
    assert {r.question_id for r in added} == INVALID | DROPPED
    assert all(r.kind == UPGRADE_KIND and r.new_value_json == "null" for r in added)
    assert {r.question_id: json.loads(r.old_value_json) for r in added} == {
        q: V1_ANSWERS[q] for q in INVALID | DROPPED
    }
    # The carried answers are the same rows, with the same versions (no conflict for anyone).
    now = answering.stored_answers(db, answered)
    assert {q: now[q].version for q in CARRIED} == {q: carried_rows[q].version for q in CARRIED}
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.assessment_id == answered.id,
            AuditEvent.action == "assessment.questionnaire_moved",
        )
    ).one()
    details = json.loads(event.details_json)
    assert (details["from_version"], details["to_version"]) == (1, 2)
    assert set(details["carried"]) == CARRIED
    assert details["not_carried"] == {
        **dict.fromkeys(INVALID, "invalid"),
        **dict.fromkeys(DROPPED, "dropped"),
    }


def test_it_lets_a_co_author_move_and_refuses_anyone_else(db, answered, v2, personas):
    from app.assessments import coauthoring

    with pytest.raises(PermissionDenied):
        move_to_version(db, answered, v2, personas["lead2"])
    db.rollback()
    coauthoring.add_coauthor(
        db, assessment=answered, email=personas["lead2"].email, actor=personas["lead"]
    )
    move_to_version(db, answered, v2, personas["lead2"])
    assert get_assessment(db, answered.id).questionnaire_version_id == v2.id


def test_it_refuses_a_submitted_assessment_and_changes_nothing(db, submitted, v2, personas):
    answers = answering.answer_values(db, submitted)
    with pytest.raises(Conflict):
        move_to_version(db, submitted, v2, personas["lead"])
    db.rollback()
    again = get_assessment(db, submitted.id)
    assert again.state == State.submitted
    assert again.questionnaire_version_id != v2.id
    assert answering.answer_values(db, again) == answers


def test_it_moves_an_assessment_sent_back_for_changes(db, submitted, v2, personas):
    """Answering is allowed while changes are requested, so moving is too."""
    from app.assessments.transitions import Action, Party

    for action in (Action.start_review, Action.request_changes):
        lifecycle.move(
            db, assessment=submitted, action=action, actor=personas["chair"], parties={Party.chair}
        )
    move_to_version(db, submitted, v2, personas["lead"])
    assert get_assessment(db, submitted.id).questionnaire_version_id == v2.id


def test_it_refuses_to_move_when_already_on_the_newest_or_backwards(
    db, make_assessment, sample_version, v2, personas
):
    a = make_assessment()
    move_to_version(db, a, v2, personas["lead"])
    db.commit()
    for target in (v2, sample_version):
        with pytest.raises(Conflict, match="already uses version 2"):
            move_to_version(db, a, target, personas["lead"])
        db.rollback()
    assert get_assessment(db, a.id).questionnaire_version_id == v2.id


def test_it_refuses_a_move_confirmed_on_an_outdated_page_and_saves_nothing(
    db, answered, v2, personas
):
    seen = answered.version
    answering.save_answer(
        db, assessment=answered, question_id="name", raw="Nieuw", base_version=None,
        actor=personas["lead"],
    )  # fmt: skip
    db.commit()
    revisions = len(_revisions(db, answered))
    with pytest.raises(Conflict, match="changed after you opened"):
        move_to_version(db, answered, v2, personas["lead"], seen_version=seen)
    db.rollback()
    again = get_assessment(db, answered.id)
    assert again.questionnaire_version_id != v2.id
    assert len(_revisions(db, again)) == revisions
    assert answering.answer_values(db, again)["site"] == V1_ANSWERS["site"]


def test_it_refuses_a_save_checked_against_the_version_the_assessment_just_left(
    db, answered, v2, personas
):
    """A co-author's tab still on version 1: its save must not land in version 2."""
    stale = Assessment(**answered.model_dump())  # what the other request read before the move
    move_to_version(db, answered, v2, personas["lead"])
    db.commit()
    with pytest.raises(Conflict, match="moved to another version"):
        answering.save_answer(
            db, assessment=stale, question_id="name", raw="Oud tabblad", base_version=None,
            actor=personas["lead"],
        )  # fmt: skip
    db.rollback()
    assert answering.answer_values(db, answered) == {q: V1_ANSWERS[q] for q in CARRIED}


def test_it_keeps_a_complete_sample_complete_when_nothing_it_needs_changed(
    db, make_assessment, v2, personas
):
    a = make_assessment()
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    plan = move_to_version(db, a, v2, personas["lead"])
    assert plan.lost == []
    assert answering.answer_values(db, a) == COMPLETE_SAMPLE_ANSWERS
    with pytest.raises(InvalidInput):  # the new required question is not answered yet
        lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
