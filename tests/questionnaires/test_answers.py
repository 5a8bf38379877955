"""Validating one answer: normalised values for every question type, and clear messages in
Dutch and English for what does not fit."""

from __future__ import annotations

from typing import Any

import pytest

from app.i18n import use_locale
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.schema import Question


def question(kind: str, **extra: Any) -> Question:
    return Question.model_validate(
        {
            "id": "q",
            "type": kind,
            "label": {"nl": "Vraag", "en": "Question"},
            "help": {"nl": "Hulp", "en": "Help"},
            "basis": ["T1"],
            **extra,
        }
    )


def option(option_id: str, nl: str, en: str) -> dict[str, Any]:
    return {"id": option_id, "label": {"nl": nl, "en": en}}


SHORT = question("short_text")
LONG = question("long_text")
SINGLE = question(
    "single_choice",
    options=[option("none", "Geen", "None"), option("ordinary", "Gewone", "Ordinary")],
)
MULTI = question(
    "multi_choice",
    options=[
        option("policy", "Beleid", "Policy"),
        option("enforcement", "Handhaving", "Enforcement"),
        option("service", "Dienstverlening", "Service"),
    ],
)
YNU = question("yes_no_unknown")
SCALE = question("scale")
NUMBER = question("number", min=0, max=10_000_000)
INTEGER = question("number", min=0, max=100, integer=True)
PERCENT = question("number", min=0, max=100)
DATE = question("date")
URL = question("url")
TABLE = question(
    "table",
    max_rows=2,
    columns=[
        {
            "id": "name",
            "type": "short_text",
            "label": {"nl": "Naam", "en": "Name"},
            "required": True,
        },
        {
            "id": "personal",
            "type": "yes_no_unknown",
            "label": {"nl": "Persoonsgegevens", "en": "Personal data"},
        },
        {
            "id": "kind",
            "type": "single_choice",
            "label": {"nl": "Soort", "en": "Kind"},
            "options": [option("open", "Open", "Open"), option("closed", "Gesloten", "Closed")],
        },
        {
            "id": "size",
            "type": "number",
            "label": {"nl": "Omvang", "en": "Size"},
            "min": 0,
            "max": 1_000_000,
        },
        {"id": "since", "type": "date", "label": {"nl": "Sinds", "en": "Since"}},
        {"id": "link", "type": "url", "label": {"nl": "Link", "en": "Link"}},
    ],
)


def message(q: Question, raw: Any, locale: str) -> str:
    with use_locale(locale), pytest.raises(AnswerInvalid) as excinfo:
        validate_answer(q, raw)
    return excinfo.value.message


def refused(q: Question, raw: Any) -> None:
    with pytest.raises(AnswerInvalid):
        validate_answer(q, raw)


# --- text ---


def test_it_strips_text():
    assert validate_answer(SHORT, "  Parkeerwachttijden  ") == "Parkeerwachttijden"


def test_it_removes_control_characters_from_text():
    assert validate_answer(SHORT, "a\x00b\x07c\x1bd\x7fe") == "abcde"


def test_it_turns_windows_line_ends_into_newlines_and_keeps_tabs():
    assert validate_answer(LONG, "one\r\ntwo\r\n\tthree") == "one\ntwo\n\tthree"


def test_it_leaves_no_windows_line_end_hidden_behind_a_control_character():
    assert validate_answer(LONG, "one\r\x00\ntwo") == "one\ntwo"


@pytest.mark.parametrize("raw", [None, "", "   ", "\x00\x01", "\r\n"])
def test_it_treats_empty_text_as_no_answer(raw):
    assert validate_answer(SHORT, raw) is None


def test_it_accepts_short_text_up_to_500_characters():
    assert validate_answer(SHORT, "x" * 500) == "x" * 500
    assert validate_answer(SHORT, "  " + "x" * 500 + "  ") == "x" * 500


def test_it_refuses_short_text_over_500_characters_in_both_languages():
    assert message(SHORT, "x" * 501, "en") == "Use at most 500 characters (now 501)."
    assert message(SHORT, "x" * 501, "nl") == "Gebruik hoogstens 500 tekens (nu 501)."


def test_it_accepts_long_text_up_to_20000_characters():
    assert validate_answer(LONG, "y" * 20_000) == "y" * 20_000


def test_it_refuses_long_text_over_20000_characters():
    assert message(LONG, "y" * 20_001, "en") == "Use at most 20000 characters (now 20001)."


def test_it_uses_the_max_length_of_the_question():
    limited = question("short_text", max_length=10)
    assert validate_answer(limited, "0123456789") == "0123456789"
    assert message(limited, "0123456789a", "nl") == "Gebruik hoogstens 10 tekens (nu 11)."


@pytest.mark.parametrize("raw", [{"text": "x"}, ["x"], 5, 2.5, True])
def test_it_refuses_text_of_another_type_in_both_languages(raw):
    assert message(SHORT, raw, "en") == "Enter text."
    assert message(LONG, raw, "nl") == "Vul tekst in."


# --- single choice and yes/no/unknown ---


def test_it_accepts_one_of_the_options():
    assert validate_answer(SINGLE, "ordinary") == "ordinary"


@pytest.mark.parametrize("raw", [None, ""])
def test_it_treats_an_empty_choice_as_no_answer(raw):
    assert validate_answer(SINGLE, raw) is None
    assert validate_answer(YNU, raw) is None


def test_it_refuses_a_value_that_is_not_an_option_in_both_languages():
    assert message(SINGLE, "special", "nl") == "Kies een van de gegeven mogelijkheden."
    assert message(SINGLE, "special", "en") == "Choose one of the options given."


@pytest.mark.parametrize("raw", [["ordinary"], {"id": "ordinary"}, 1, True, "Ordinary", " none"])
def test_it_refuses_a_single_choice_of_another_form(raw):
    refused(SINGLE, raw)


@pytest.mark.parametrize("raw", ["yes", "no", "unknown"])
def test_it_accepts_yes_no_and_unknown(raw):
    assert validate_answer(YNU, raw) == raw


@pytest.mark.parametrize("raw", [True, False, "ja", "Yes", "maybe", 1])
def test_it_refuses_other_answers_to_a_yes_no_unknown_question(raw):
    assert message(YNU, raw, "en") == "Choose one of the options given."


# --- multiple choice ---


def test_it_keeps_chosen_options_in_option_order_without_duplicates():
    chosen = ["service", "policy", "service", "policy"]
    assert validate_answer(MULTI, chosen) == ["policy", "service"]


def test_it_accepts_one_option_given_as_text_for_multiple_choice():
    assert validate_answer(MULTI, "enforcement") == ["enforcement"]


@pytest.mark.parametrize("raw", [None, "", []])
def test_it_treats_no_chosen_options_as_an_empty_list(raw):
    assert validate_answer(MULTI, raw) == []


def test_it_refuses_an_option_that_does_not_exist_in_multiple_choice_in_both_languages():
    assert message(MULTI, ["policy", "sales"], "en") == "Choose one or more of the options given."
    assert message(MULTI, ["policy", "sales"], "nl") == (
        "Kies een of meer van de gegeven mogelijkheden."
    )


@pytest.mark.parametrize("raw", [{"policy": True}, [1], [["policy"]], 5, True, ("policy",)])
def test_it_refuses_multiple_choice_of_another_form(raw):
    refused(MULTI, raw)


# --- scale ---


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("3", 3), ("5", 5), (3, 3), (5, 5)])
def test_it_turns_a_scale_answer_into_a_whole_number(raw, expected):
    assert validate_answer(SCALE, raw) == expected


@pytest.mark.parametrize("raw", [None, ""])
def test_it_treats_an_empty_scale_answer_as_no_answer(raw):
    assert validate_answer(SCALE, raw) is None


@pytest.mark.parametrize("raw", ["0", "6", 0, 6, -1, "three", True, ["3"], " 3x"])
def test_it_refuses_a_scale_answer_outside_1_to_5(raw):
    assert message(SCALE, raw, "en") == "Choose one of the options given."


# --- number ---


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234,5", 1234.5),
        ("1.234.567", 1_234_567),
        ("1234,5", 1234.5),
        ("1234.5", 1234.5),
        ("0,25", 0.25),
        (" 12 500 ", 12_500),
        ("42", 42),
        (42, 42),
        (42.0, 42),
        (0.5, 0.5),
    ],
)
def test_it_reads_numbers_also_in_dutch_notation(raw, expected):
    value = validate_answer(NUMBER, raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_it_treats_an_empty_number_as_no_answer(raw):
    assert validate_answer(NUMBER, raw) is None


def test_it_accepts_numbers_on_the_bounds():
    assert validate_answer(PERCENT, 0) == 0
    assert validate_answer(PERCENT, "100") == 100


def test_it_refuses_a_number_outside_the_bounds_in_both_languages():
    assert message(PERCENT, "100,5", "en") == "Enter a number from 0 to 100."
    assert message(PERCENT, -1, "nl") == "Vul een getal van 0 tot en met 100 in."


def test_it_refuses_a_fraction_for_a_whole_number_in_both_languages():
    assert message(INTEGER, 2.5, "en") == "Enter a whole number."
    assert message(INTEGER, "2,5", "nl") == "Vul een geheel getal in."


def test_it_gives_a_whole_number_as_an_int():
    value = validate_answer(INTEGER, "7,0")
    assert value == 7
    assert type(value) is int


@pytest.mark.parametrize(
    "raw",
    [
        True,
        False,
        "many",
        "1,2,3",
        "12abc",
        [1],
        {"n": 1},
        float("nan"),
        float("inf"),
        "inf",
        "nan",
    ],
)
def test_it_refuses_what_is_not_a_number_in_both_languages(raw):
    assert message(NUMBER, raw, "en") == "Enter a number."
    assert message(NUMBER, raw, "nl") == "Vul een getal in."


def test_it_refuses_an_enormous_number_as_an_answer_not_a_crash():
    refused(NUMBER, "1" + "0" * 400)
    refused(NUMBER, 10**400)


# --- date ---


def test_it_accepts_an_iso_date():
    assert validate_answer(DATE, "2026-02-28") == "2026-02-28"
    assert validate_answer(DATE, " 2024-02-29 ") == "2024-02-29"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_it_treats_an_empty_date_as_no_answer(raw):
    assert validate_answer(DATE, raw) is None


@pytest.mark.parametrize(
    "raw", ["31-02-2026", "2026-02-30", "2025-02-29", "2026-13-01", "tomorrow", "28/02/2026"]
)
def test_it_refuses_an_invalid_date_in_both_languages(raw):
    assert message(DATE, raw, "en") == "Enter a valid date (yyyy-mm-dd)."
    assert message(DATE, raw, "nl") == "Vul een geldige datum in (jjjj-mm-dd)."


@pytest.mark.parametrize("raw", ["1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31"])
def test_it_refuses_a_year_out_of_range_in_both_languages(raw):
    assert message(DATE, raw, "en") == "Enter a date between 1900 and 2200."
    assert message(DATE, raw, "nl") == "Vul een datum tussen 1900 en 2200 in."


def test_it_accepts_the_first_and_last_years_of_the_range():
    assert validate_answer(DATE, "1900-01-01") == "1900-01-01"
    assert validate_answer(DATE, "2200-12-31") == "2200-12-31"


@pytest.mark.parametrize("raw", [20260228, ["2026-02-28"], {"date": "2026-02-28"}, True])
def test_it_refuses_a_date_that_is_not_text(raw):
    refused(DATE, raw)


# --- url ---


@pytest.mark.parametrize(
    "raw",
    ["https://example.org", "http://example.org/path?q=1#top", "https://haarlem.nl/algoritmes"],
)
def test_it_accepts_http_and_https_addresses(raw):
    assert validate_answer(URL, raw) == raw


def test_it_strips_the_address():
    assert validate_answer(URL, "  https://example.org/x ") == "https://example.org/x"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_it_treats_an_empty_address_as_no_answer(raw):
    assert validate_answer(URL, raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "file:///etc/passwd",
        "example.org",
        "https://",
        "https://exa mple.org",
        "https://example.org/a b",
        "https://example.org/\x00",
        "https://example.org/" + "a" * 2000,
        5,
        ["https://example.org"],
    ],
)
def test_it_refuses_anything_but_a_web_address_in_both_languages(raw):
    assert message(URL, raw, "en") == "Enter a web address starting with https:// or http://."
    assert message(URL, raw, "nl") == "Vul een webadres in dat begint met https:// of http://."


@pytest.mark.parametrize("raw", ["http://[::1", "https://exa\uff03mple.org"])
def test_it_refuses_a_malformed_address_as_an_answer_not_a_crash(raw):
    refused(URL, raw)


# --- table ---


def test_it_validates_and_normalises_every_cell_of_a_table():
    rows = [
        {
            "name": "  Basisregistratie  ",
            "personal": "yes",
            "kind": "open",
            "size": "1.234,5",
            "since": "2020-01-31",
            "link": "https://example.org",
        },
        {"name": "Klantcontact", "personal": ""},
    ]
    assert validate_answer(TABLE, rows) == [
        {
            "name": "Basisregistratie",
            "personal": "yes",
            "kind": "open",
            "size": 1234.5,
            "since": "2020-01-31",
            "link": "https://example.org",
        },
        {"name": "Klantcontact"},
    ]


@pytest.mark.parametrize("raw", [None, "", []])
def test_it_treats_an_empty_table_as_an_empty_list(raw):
    assert validate_answer(TABLE, raw) == []


def test_it_drops_empty_rows():
    rows = [{}, {"name": "  ", "personal": ""}, {"name": "A"}, {"size": None}]
    assert validate_answer(TABLE, rows) == [{"name": "A"}]


def test_it_does_not_count_empty_rows_towards_the_maximum():
    rows = [{"name": "A"}, {}, {"name": ""}, {"name": "B"}]
    assert validate_answer(TABLE, rows) == [{"name": "A"}, {"name": "B"}]


def test_it_refuses_more_rows_than_the_maximum_in_both_languages():
    rows = [{"name": "A"}, {"name": "B"}, {"name": "C"}]
    assert message(TABLE, rows, "en") == "Use at most 2 rows."
    assert message(TABLE, rows, "nl") == "Gebruik hoogstens 2 rijen."


def test_it_refuses_a_row_without_a_required_column_in_both_languages():
    rows = [{"name": "A"}, {"personal": "yes"}]
    assert message(TABLE, rows, "en") == "Row 2: fill in Name."
    assert message(TABLE, rows, "nl") == "Rij 2: vul Naam in."


def test_it_names_the_row_and_column_of_an_invalid_cell_in_both_languages():
    rows = [{"name": "A", "personal": "maybe"}]
    assert message(TABLE, rows, "en") == "Row 1, Personal data: Choose one of the options given."
    assert message(TABLE, rows, "nl") == (
        "Rij 1, Persoonsgegevens: Kies een van de gegeven mogelijkheden."
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ({"kind": "half-open"}, "Row 1, Kind: Choose one of the options given."),
        ({"size": "lots"}, "Row 1, Size: Enter a number."),
        ({"size": 2_000_000}, "Row 1, Size: Enter a number from 0 to 1000000."),
        ({"since": "2026-02-30"}, "Row 1, Since: Enter a valid date (yyyy-mm-dd)."),
        (
            {"link": "javascript:alert(1)"},
            "Row 1, Link: Enter a web address starting with https:// or http://.",
        ),
        ({"name": "x" * 301}, "Row 1, Name: Use at most 300 characters (now 301)."),
        ({"name": {"x": 1}}, "Row 1, Name: Enter text."),
    ],
)
def test_it_validates_each_column_by_its_type(cell, expected):
    assert message(TABLE, [{"name": "A", **cell}], "en") == expected


def test_it_refuses_an_unknown_column_in_both_languages():
    rows = [{"name": "A", "secret": "x"}]
    assert message(TABLE, rows, "en") == "The table could not be read."
    assert message(TABLE, rows, "nl") == "De tabel kon niet worden gelezen."


@pytest.mark.parametrize("raw", [{"name": "A"}, "A", 5, ["A"], [{"name": "A"}, "B"], [None]])
def test_it_refuses_a_table_that_is_not_a_list_of_rows(raw):
    assert message(TABLE, raw, "en") == "The table could not be read."
