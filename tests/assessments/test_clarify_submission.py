"""An assessment with a "don't know" that decides obligations cannot be submitted: the lead is
told at the question what to find out, and submits once it is answered."""

from __future__ import annotations

import pytest

from app.assessments import answering, lifecycle
from app.assessments.models import State
from app.errors import InvalidInput
from app.i18n import use_locale
from app.questionnaires.registry import find_version
from tests.conftest import on_both_databases

engine = on_both_databases()

ANSWERS = {"ai": "unknown", "kind": "rules", "hosting": "inside", "criteria": ["none"]}


@pytest.fixture
def draft(db, personas):
    a = lifecycle.create_assessment(
        db,
        actor=personas["lead"],
        title="Chatbot afvalkalender",
        department="Stadsbeheer",
        description="Een chatbot die vragen over de afvalkalender beantwoordt.",
        questionnaire=find_version(db, "deciding"),
    )
    for qid, value in {**ANSWERS, "forbidden": "no"}.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    db.commit()
    return a


def test_it_refuses_to_submit_while_an_answer_must_be_found_out_and_says_which(db, personas, draft):
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        lifecycle.submit_assessment(db, assessment=draft, actor=personas["lead"])
    assert refused.value.detail == (
        "One answer must be found out before the assessment can be submitted."
    )
    assert refused.value.fields == {"ai": "Find out whether it is AI"}
    db.rollback()
    assert draft.state == State.draft


def test_it_says_so_in_dutch_by_default(db, personas, draft):
    with use_locale("nl"), pytest.raises(InvalidInput) as refused:
        lifecycle.submit_assessment(db, assessment=draft, actor=personas["lead"])
    assert "moet nog worden uitgezocht" in refused.value.detail
    assert refused.value.fields == {"ai": "Zoek uit of het AI is"}


def test_it_submits_once_the_answer_is_known(db, personas, draft):
    answering.save_answer(
        db, assessment=draft, question_id="ai", raw="no", base_version=None, actor=personas["lead"]
    )
    submission = lifecycle.submit_assessment(db, assessment=draft, actor=personas["lead"])
    assert submission.number == 1 and draft.state == State.submitted
