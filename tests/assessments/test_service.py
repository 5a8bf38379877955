"""The assessment service: save, conflict, restore, completeness, submit, withdraw."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.assessments import answering, coauthoring, lifecycle, reading
from app.assessments.models import AnswerRevision, State, StateChange, Submission
from app.assessments.transitions import IllegalTransition
from app.audit.models import AuditEvent
from app.canonical import sha256_hex
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.i18n import use_locale
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, statements_run


def _fill(db, assessment, user, answers):
    for qid, value in answers.items():
        answering.save_answer(
            db, assessment=assessment, question_id=qid, raw=value, base_version=None, actor=user
        )


def test_it_gives_each_assessment_a_readable_reference(make_assessment):
    first, second = make_assessment(), make_assessment()
    assert first.reference.startswith("DW-") and len(first.reference) == len("DW-2026-0001")
    assert int(second.reference[-4:]) == int(first.reference[-4:]) + 1


def test_it_saves_an_answer_with_a_revision_and_an_audit_event(db, make_assessment, personas):
    a = make_assessment()
    result = answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw="  Tellingen ",
        base_version=0,
        actor=personas["lead"],
    )
    assert result.value == "Tellingen" and result.version == 1 and result.changed
    revisions = db.exec(select(AnswerRevision).where(AnswerRevision.assessment_id == a.id)).all()
    assert [json.loads(r.new_value_json) for r in revisions] == ["Tellingen"]
    event = db.exec(
        select(AuditEvent).where(
            AuditEvent.assessment_id == a.id, AuditEvent.action == "answer.saved"
        )
    ).one()
    assert "Tellingen" not in event.details_json  # the audit trail never holds answer text


def test_it_refuses_a_save_based_on_an_outdated_version_and_shows_the_newer_value(
    db, make_assessment, personas
):
    a = make_assessment()
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Eerste", base_version=0, actor=personas["lead"]
    )
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Tweede", base_version=1, actor=personas["lead"]
    )
    with pytest.raises(answering.AnswerConflict) as excinfo:
        answering.save_answer(
            db,
            assessment=a,
            question_id="name",
            raw="Derde",
            base_version=1,
            actor=personas["lead"],
        )
    assert excinfo.value.status_code == 409
    assert excinfo.value.extra["current_value"] == "Tweede"
    assert answering.answer_values(db, a)["name"] == "Tweede"


def test_it_overwrites_a_newer_answer_only_when_asked(db, make_assessment, personas):
    a = make_assessment()
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Eerste", base_version=0, actor=personas["lead"]
    )
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Tweede", base_version=1, actor=personas["lead"]
    )
    result = answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw="Mijn versie",
        base_version=1,
        actor=personas["lead"],
        force=True,
    )
    assert result.version == 3
    assert answering.answer_values(db, a)["name"] == "Mijn versie"


def test_it_refuses_bad_input_with_a_message_and_saves_nothing(db, make_assessment, personas):
    a = make_assessment()
    cases = [
        ("personal", "plenty", "Kies een van de gegeven mogelijkheden."),
        ("people", "-5", "Vul een getal van 0 tot en met 10000000 in."),
        ("start", "2026-13-01", "Vul een geldige datum in (jjjj-mm-dd)."),
        ("site", "javascript:alert(1)", "Vul een webadres in dat begint met https:// of http://."),
        ("name", "x" * 501, "Gebruik hoogstens 500 tekens (nu 501)."),
    ]
    for qid, raw, message in cases:
        with pytest.raises(InvalidInput) as excinfo:
            answering.save_answer(
                db, assessment=a, question_id=qid, raw=raw, base_version=0, actor=personas["lead"]
            )
        assert excinfo.value.fields[qid] == message
    with pytest.raises(InvalidInput):
        answering.save_answer(
            db,
            assessment=a,
            question_id="no_such_question",
            raw="x",
            base_version=0,
            actor=personas["lead"],
        )
    assert answering.answer_values(db, a) == {}


def test_it_speaks_english_to_an_english_user(db, make_assessment, personas):
    a = make_assessment()
    with use_locale("en"), pytest.raises(InvalidInput) as excinfo:
        answering.save_answer(
            db,
            assessment=a,
            question_id="personal",
            raw="plenty",
            base_version=0,
            actor=personas["lead"],
        )
    assert excinfo.value.fields["personal"] == "Choose one of the options given."


def test_it_lets_only_the_lead_and_coauthors_edit(db, make_assessment, personas):
    a = make_assessment()
    for other in ("lead2", "board", "chair", "auditor", "admin"):
        with pytest.raises(PermissionDenied):
            answering.save_answer(
                db, assessment=a, question_id="name", raw="x", base_version=0, actor=personas[other]
            )
    coauthoring.add_coauthor(db, assessment=a, email="lead2@example.org", actor=personas["lead"])
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Samen", base_version=0, actor=personas["lead2"]
    )
    with pytest.raises(PermissionDenied):
        coauthoring.add_coauthor(
            db, assessment=a, email="board@example.org", actor=personas["lead2"]
        )


def test_it_restores_an_earlier_value_as_a_new_revision(db, make_assessment, personas):
    a = make_assessment()
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Eerste", base_version=0, actor=personas["lead"]
    )
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Tweede", base_version=1, actor=personas["lead"]
    )
    first = answering.answer_history(db, a, "name")[-1]
    answering.restore_answer(
        db, assessment=a, revision_id=first.id, actor=personas["lead"], base_version=2
    )
    assert answering.answer_values(db, a)["name"] == "Eerste"
    history = answering.answer_history(db, a, "name")
    assert [h.kind for h in history] == ["restore", "save", "save"]


def test_it_refuses_a_restore_over_a_newer_change_by_a_coauthor(db, make_assessment, personas):
    a = make_assessment()
    coauthoring.add_coauthor(db, assessment=a, email="lead2@example.org", actor=personas["lead"])
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Eerste", base_version=0, actor=personas["lead"]
    )
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Tweede", base_version=1, actor=personas["lead"]
    )
    first = answering.answer_history(db, a, "name")[-1]
    # The lead opened the history at version 2; the co-author then saved version 3.
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Derde", base_version=2, actor=personas["lead2"]
    )
    with pytest.raises(answering.AnswerConflict) as refused:
        answering.restore_answer(
            db, assessment=a, revision_id=first.id, actor=personas["lead"], base_version=2
        )
    assert "Lars Otherlead" in refused.value.detail
    assert refused.value.extra["current_value"] == "Derde"
    assert answering.answer_values(db, a)["name"] == "Derde"
    with pytest.raises(InvalidInput):  # a restore without the version seen is not guessed
        answering.restore_answer(
            db, assessment=a, revision_id=first.id, actor=personas["lead"], base_version=None
        )


def test_it_keeps_hidden_answers_but_leaves_them_out_of_completeness_and_the_snapshot(
    db, make_assessment, personas
):
    a = make_assessment()
    _fill(db, a, personas["lead"], {**COMPLETE_SAMPLE_ANSWERS, "personal": "special", "people": 50})
    _fill(db, a, personas["lead"], {"personal": "none"})  # hides "people"
    assert answering.answer_values(db, a)["people"] == 50
    ds = answering.decision_support_for(db, a)
    assert "people" in ds.hidden and ds.completeness.complete
    submission = lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    assert "people" not in json.loads(submission.snapshot_json)["answers"]


def test_it_refuses_to_submit_an_incomplete_assessment_with_what_is_missing(
    db, make_assessment, personas
):
    a = make_assessment()
    _fill(db, a, personas["lead"], {"name": "Alleen een naam"})
    with pytest.raises(InvalidInput) as excinfo:
        lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    assert set(excinfo.value.fields) == {"personal", "published"}
    assert a.state == State.draft
    assert db.exec(select(Submission).where(Submission.assessment_id == a.id)).first() is None


def test_it_freezes_a_snapshot_with_its_hash_when_submitting(
    db, make_assessment, personas, sample_version
):
    a = make_assessment()
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    submission = lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    assert a.state == State.submitted
    assert submission.sha256 == sha256_hex(submission.snapshot_json)
    snapshot = json.loads(submission.snapshot_json)
    assert snapshot["questionnaire"] == {
        "key": "sample",
        "version": 1,
        "sha256": sample_version.sha256,
    }
    assert snapshot["answers"] == COMPLETE_SAMPLE_ANSWERS
    assert snapshot["decision_support"]["overall_level"] in ("low", "medium", "high")
    assert snapshot["submitted_by"]["id"] == personas["lead"].id
    history = db.exec(select(StateChange).where(StateChange.assessment_id == a.id)).all()
    assert [(h.from_state, h.to_state) for h in history] == [("draft", "submitted")]


def test_it_keeps_a_submitted_assessment_read_only_for_the_lead(db, make_assessment, personas):
    a = make_assessment()
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    with pytest.raises(Conflict):
        answering.save_answer(
            db,
            assessment=a,
            question_id="name",
            raw="later",
            base_version=None,
            actor=personas["lead"],
        )
    with pytest.raises(IllegalTransition):
        lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])


def test_it_lets_the_lead_withdraw_before_review_and_continue_as_a_draft(
    db, make_assessment, personas
):
    a = make_assessment()
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    with pytest.raises(PermissionDenied):
        lifecycle.withdraw_assessment(db, assessment=a, actor=personas["board"])
    lifecycle.withdraw_assessment(db, assessment=a, actor=personas["lead"])
    assert a.state == State.withdrawn
    lifecycle.reopen_assessment(db, assessment=a, actor=personas["lead"])
    assert a.state == State.draft
    answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw="Aangepast",
        base_version=None,
        actor=personas["lead"],
    )
    second = lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    assert second.number == 2


def test_it_saves_a_whole_section_or_nothing(db, make_assessment, personas):
    a = make_assessment()
    with pytest.raises(InvalidInput):
        answering.save_answers(
            db,
            assessment=a,
            raw_values={"name": "Goed", "personal": "fout"},
            base_versions={},
            actor=personas["lead"],
        )
    assert answering.answer_values(db, a) == {}
    answering.save_answers(
        db,
        assessment=a,
        raw_values={"name": "Goed", "personal": "none"},
        base_versions={},
        actor=personas["lead"],
    )
    assert answering.answer_values(db, a) == {"name": "Goed", "personal": "none"}


def test_it_reads_an_assessment_and_its_questionnaire_in_one_statement(db, make_assessment):
    from app.questionnaires.registry import definition_by_id

    made = make_assessment()
    definition_by_id(db, made.questionnaire_version_id)  # parsed once per process
    db.expunge_all()
    db.info.clear()  # a new request's session: nothing remembered
    with statements_run(db) as seen:
        assessment = reading.get_assessment(db, made.id)
        q = reading.definition_for(db, assessment)
    assert assessment.id == made.id and q.key == "sample"
    assert len(seen) == 1, seen


def test_it_refuses_a_save_whose_version_was_overtaken_between_its_read_and_its_write(
    db, make_assessment, personas
):
    """Two requests read version 1, one saves first: the compare-and-set on the version (not
    the check in Python, which both pass) refuses the second. On SQLite writes queue one at a
    time, so the interleaving is made by hand: a save that read the answers before another
    save."""
    from app.assessments.answering import AnswerConflict

    a = make_assessment()
    lead = personas["lead"]
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Een", base_version=None, actor=lead
    )
    read_before = answering.stored_answers(db, a)  # what the slower request saw: version 1
    answering.save_answer(
        db, assessment=a, question_id="name", raw="Twee", base_version=1, actor=lead
    )
    db.commit()
    with pytest.raises(AnswerConflict):
        answering.save_answer(
            db,
            assessment=a,
            question_id="name",
            raw="Drie",
            base_version=1,
            actor=lead,
            known=read_before,
        )
    db.rollback()
    assert answering.answer_values(db, a)["name"] == "Twee"
