"""An option marked exclusive cannot be combined with other choices."""

from pathlib import Path

import pytest

from app.i18n import use_locale
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.engine import question_by_id
from app.questionnaires.loader import load_file

HAARLEM = Path(__file__).resolve().parents[2] / "questionnaires/haarlem-datawaarden/v1.yaml"


def test_it_refuses_none_of_these_together_with_a_prohibited_practice():
    question = question_by_id(load_file(HAARLEM).definition)["prohibited_practice"]
    with use_locale("en"), pytest.raises(AnswerInvalid) as excinfo:
        validate_answer(question, ["none", "social_scoring"])
    assert "cannot be combined with other choices" in excinfo.value.message
    assert validate_answer(question, ["none"]) == ["none"]
    assert validate_answer(question, ["social_scoring", "manipulation"]) == [
        "social_scoring",
        "manipulation",
    ]
