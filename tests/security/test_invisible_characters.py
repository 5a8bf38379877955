"""Right-to-left overrides and zero-width characters are removed from single-line fields, so
that no name or title can display as something else ("…riahC" as "Chair") in a page or a PDF."""

from __future__ import annotations

import pytest

from app.assessments import answering, lifecycle
from app.text import tidy
from app.users import service as users
from app.users.models import Role

RLO, PDF_, ZWSP, ZWJ, LRI, PDI, BOM = (
    "\u202e",
    "\u202c",
    "\u200b",
    "\u200d",
    "\u2066",
    "\u2069",
    "\ufeff",
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"{RLO}riahC{PDF_}", "riahC"),
        (f"Ch{ZWSP}air", "Chair"),
        (f"{LRI}Vera{PDI} {BOM}Voorzitter{ZWJ}", "Vera Voorzitter"),
        ("Zoë d’Ancona-Ğül", "Zoë d’Ancona-Ğül"),  # letters and accents are left alone
    ],
)
def test_it_removes_invisible_controls_from_single_line_text(typed, kept):
    assert tidy(typed, single_line=True) == kept


def test_it_keeps_them_out_of_a_user_name_and_an_assessment_title(db, personas, sample_version):
    user = users.create_user(
        db,
        email="spoof@example.org",
        name=f"{RLO}riahC{PDF_} Bea",
        password="Correct-Horse-Battery-99",
        roles={Role.lead},
    )
    assert user.name == "riahC Bea"
    a = lifecycle.create_assessment(
        db,
        title=f"Park{ZWSP}eren {RLO}tset",
        department=f"Mobiliteit{ZWJ}",
        description="Parkeerdruk meten in de binnenstad.",
        questionnaire=sample_version,
        actor=personas["lead"],
    )
    assert (a.title, a.department) == ("Parkeren tset", "Mobiliteit")


def test_it_keeps_them_out_of_short_answers_and_table_cells(db, make_assessment, personas):
    a = make_assessment()
    answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw=f"Verkeer{ZWSP}stellingen{RLO}",
        base_version=0,
        actor=personas["lead"],
    )
    answering.save_answer(
        db,
        assessment=a,
        question_id="sources",
        raw=[{"name": f"{RLO}nelanrapS"}],
        base_version=0,
        actor=personas["lead"],
    )
    values = answering.answer_values(db, a)
    assert values["name"] == "Verkeerstellingen"
    assert values["sources"] == [{"name": "nelanrapS"}]
