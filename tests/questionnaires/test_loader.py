"""Reading questionnaire files: every problem with file, line and path, all at once, never a
traceback; and a content hash that ignores layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.questionnaires.loader import load_file, parse_questionnaire
from app.questionnaires.problems import Problem, QuestionnaireInvalid

SOURCE = "questionnaires/test/v1.yaml"

# A copy of tests/questionnaires/sample.yaml, so that these tests can change it freely.
VALID = """\
key: sample
version: 1
title: {nl: Voorbeeld, en: Sample}
description: {nl: Een kleine vragenlijst voor tests., en: A small questionnaire for tests.}
values:
  - id: transparent
    label: {nl: Transparant, en: Transparent}
    description: {nl: Open over data., en: Open about data.}
  - id: reliable
    label: {nl: Betrouwbaar, en: Reliable}
    description: {nl: Veilig en correct., en: Safe and correct.}
principles:
  - {id: T1, value: transparent, text: {nl: Inzicht in data., en: Insight into data.}}
  - {id: B1, value: reliable, text: {nl: "Kan het anders?", en: "Can it be done differently?"}}
scoring: {medium_from: 25, high_from: 50, max_mitigation: 0.5}
sections:
  - id: profile
    title: {nl: Profiel, en: Profile}
    questions:
      - id: name
        type: short_text
        label: {nl: Naam, en: Name}
        help: {nl: De naam., en: The name.}
        required: true
        basis: [T1]
      - id: personal
        type: single_choice
        label: {nl: "Persoonsgegevens?", en: "Personal data?"}
        help: {nl: Welke soort., en: Which kind.}
        required: true
        basis: [B1]
        options:
          - {id: none, label: {nl: Geen, en: None}}
          - {id: ordinary, label: {nl: Gewone, en: Ordinary}, risk: {reliable: 2}}
          - {id: special, label: {nl: Bijzondere, en: Special}, risk: {reliable: 4, transparent: 1}}
      - id: people
        type: number
        label: {nl: Aantal mensen, en: Number of people}
        help: {nl: Ongeveer., en: Roughly.}
        basis: [B1]
        min: 0
        max: 10000000
        integer: true
        show_if: {in: {question: personal, values: [ordinary, special]}}
      - id: sources
        type: table
        label: {nl: Bronnen, en: Sources}
        help: {nl: Elke bron., en: Each source.}
        basis: [T1]
        columns:
          - {id: name, type: short_text, label: {nl: Naam, en: Name}, required: true}
          - {id: personal, type: yes_no_unknown, label: {nl: Persoonsgegevens, en: Personal data}}
  - id: transparency
    title: {nl: Transparant, en: Transparent}
    value: transparent
    questions:
      - id: published
        type: yes_no_unknown
        label: {nl: "Gepubliceerd?", en: "Published?"}
        help: {nl: "Wordt het openbaar?", en: "Will it be public?"}
        required: true
        basis: [T1]
        option_risk: {no: {transparent: 3}, unknown: {transparent: 2}}
      - id: purposes
        type: multi_choice
        label: {nl: Doelen, en: Purposes}
        help: {nl: Kies., en: Choose.}
        basis: [T1]
        options:
          - {id: policy, label: {nl: Beleid, en: Policy}, risk: {transparent: 1}}
          - {id: enforcement, label: {nl: Handhaving, en: Enforcement}, risk: {transparent: 2, reliable: 2}}
          - {id: service, label: {nl: Dienstverlening, en: Service}}
      - id: encryption
        type: yes_no_unknown
        label: {nl: "Versleuteld?", en: "Encrypted?"}
        help: {nl: Maatregel., en: Measure.}
        basis: [B1]
        measure: true
        option_mitigation: {yes: {reliable: 3}}
      - id: confidence
        type: scale
        label: {nl: Vertrouwen, en: Confidence}
        help: {nl: 1 tot 5., en: 1 to 5.}
        basis: [B1]
        option_risk: {"1": {reliable: 2}, "2": {reliable: 1}}
      - id: start
        type: date
        label: {nl: Start, en: Start}
        help: {nl: Datum., en: Date.}
        basis: [T1]
      - id: site
        type: url
        label: {nl: Website, en: Website}
        help: {nl: Adres., en: Address.}
        basis: [T1]
        register_field: website
rules:
  - id: personal_data
    when: {in: {question: personal, values: [ordinary, special]}}
  - id: large_scale
    when: {all: [{rule: personal_data}, {gte: {question: people, value: 10000}}]}
    risk: {reliable: 1}
    level_floor: [{value: reliable, level: medium}]
    reason: {nl: Grootschalig., en: Large scale.}
obligations:
  - id: dpo
    title: {nl: FG raadplegen, en: Consult the DPO}
    description: {nl: Vraag de FG., en: Ask the DPO.}
    severity: required
    when: {rule: personal_data}
    reason: {nl: Er zijn persoonsgegevens., en: Personal data is processed.}
  - id: dpia_recommended
    title: {nl: DPIA aanbevolen, en: DPIA recommended}
    description: {nl: Overweeg een DPIA., en: Consider a DPIA.}
    severity: recommended
    when: {count_gte: {min: 1, of: [{rule: large_scale}, {equals: {question: personal, value: special}}]}}
    reason: {nl: Eén criterium., en: One criterion.}
  - id: dpia_required
    title: {nl: DPIA verplicht, en: DPIA required}
    description: {nl: Doe een DPIA., en: Carry out a DPIA.}
    severity: required
    when: {count_gte: {min: 2, of: [{rule: large_scale}, {equals: {question: personal, value: special}}]}}
    reason: {nl: Twee criteria., en: Two criteria.}
    overrides: [dpia_recommended]
"""


def changed(text: str, *edits: tuple[str, str]) -> str:
    """The text with each `old` replaced by `new`; every `old` must occur exactly once."""
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def line_of(text: str, needle: str) -> int:
    """The number of the one line that holds `needle`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def problems_of(text: str, source: str = SOURCE) -> list[Problem]:
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        parse_questionnaire(text, source=source)
    assert excinfo.value.problems, "an invalid file must come with problems"
    for problem in excinfo.value.problems:
        assert problem.file == source
        assert problem.message
    return excinfo.value.problems


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def at(problems: list[Problem], path: str) -> Problem:
    found = [p for p in problems if p.path == path]
    assert found, f"no problem at {path}: {problems}"
    return found[0]


# --- the valid file ---


def test_it_reads_the_valid_file():
    loaded = parse_questionnaire(VALID, source=SOURCE)
    definition = loaded.definition
    assert definition.key == "sample"
    assert [q.id for q in definition.questions()][:3] == ["name", "personal", "people"]
    assert loaded.source == SOURCE
    assert len(loaded.sha256) == 64


def test_it_reads_yes_and_no_as_answers_not_as_booleans():
    definition = parse_questionnaire(VALID, source=SOURCE).definition
    published = next(q for q in definition.questions() if q.id == "published")
    encryption = next(q for q in definition.questions() if q.id == "encryption")
    assert set(published.option_risk or {}) == {"no", "unknown"}
    assert set(encryption.option_mitigation or {}) == {"yes"}


def test_it_reads_the_sample_file_from_disk():
    loaded = load_file(Path(__file__).parent / "sample.yaml")
    assert loaded.definition.key == "sample"
    assert loaded.source.endswith("sample.yaml")


# --- problems in questions ---


def test_it_reports_an_unknown_question_type_with_line_and_path():
    text = changed(
        VALID,
        ("      - id: name\n        type: short_text", "      - id: name\n        type: essay"),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[0].type"
    assert problem.line == line_of(text, "type: essay")
    assert "short_text" in problem.message


def test_it_reports_a_duplicate_question_id():
    text = changed(VALID, ("      - id: site\n", "      - id: start\n"))
    problem = only_problem(text)
    assert problem.path == "sections[1].questions[5].id"
    assert problem.line == line_of(text, "type: url") - 1
    assert problem.message == "duplicate question id 'start'"


def test_it_reports_a_duplicate_option_id():
    text = changed(VALID, ("{id: service,", "{id: policy,"))
    problem = only_problem(text)
    assert problem.path == "sections[1].questions[1].options[2].id"
    assert problem.line == line_of(text, "en: Service}")
    assert problem.message == "duplicate option id 'policy'"


def test_it_reports_a_basis_naming_an_unknown_principle():
    text = changed(
        VALID,
        (
            "required: true\n        basis: [T1]\n      - id: personal",
            "required: true\n        basis: [T9]\n      - id: personal",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[0].basis[0]"
    assert problem.line == line_of(text, "basis: [T9]")
    assert problem.message == "unknown principle 'T9'"


def test_it_reports_a_missing_translation():
    text = changed(VALID, ("title: {nl: Profiel, en: Profile}", "title: {nl: Profiel}"))
    problem = only_problem(text)
    assert problem.path == "sections[0].title.en"
    assert problem.line == line_of(text, "title: {nl: Profiel}")
    assert problem.message == "missing translation (en)"


def test_it_reports_a_missing_dutch_text_of_an_option():
    text = changed(
        VALID,
        (
            "{id: ordinary, label: {nl: Gewone, en: Ordinary}",
            "{id: ordinary, label: {en: Ordinary}",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[1].options[1].label.nl"
    assert problem.line == line_of(text, "{id: ordinary")
    assert problem.message == "missing translation (nl)"


def test_it_reports_a_number_question_without_bounds():
    text = changed(VALID, ("        max: 10000000\n", ""))
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[2]"
    assert problem.line == line_of(text, "- id: people")
    assert "'min' and 'max'" in problem.message


@pytest.mark.parametrize("low", ["10000000", "20000000"])
def test_it_reports_a_number_question_whose_minimum_is_not_below_its_maximum(low):
    text = changed(VALID, ("        min: 0\n", f"        min: {low}\n"))
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[2].max"
    assert problem.line == line_of(text, "max: 10000000")
    assert problem.message == "'max' must be greater than 'min'"


def test_it_reports_a_risk_weight_that_is_not_a_number():
    text = changed(VALID, ("risk: {reliable: 2}", "risk: {reliable: lots}"))
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[1].options[1].risk.reliable"
    assert problem.line == line_of(text, "reliable: lots")
    assert problem.message.startswith("'lots' is not a number")


def test_it_names_a_wrong_question_type_itself_and_suggests_the_nearest():
    text = changed(VALID, ("type: single_choice", "type: single_choise"))
    problem = only_problem(text)
    assert problem.path.endswith(".type")
    assert problem.line == line_of(text, "type: single_choise")
    assert problem.message.startswith("'single_choise' is not a question type; use one of ")
    assert "'table'" in problem.message
    assert problem.message.endswith("(did you mean 'single_choice'?)")


def test_it_names_a_wrong_obligation_kind_without_guessing_when_nothing_is_near():
    text = changed(
        VALID,
        (
            "description: {nl: Vraag de FG., en: Ask the DPO.}\n    severity: required",
            "description: {nl: Vraag de FG., en: Ask the DPO.}\n    severity: telepathy",
        ),
    )
    problem = only_problem(text)
    assert problem.message.startswith("'telepathy' is not an obligation kind; use one of 'stop'")
    assert "did you mean" not in problem.message


def test_it_reports_a_risk_weight_out_of_range():
    text = changed(VALID, ("risk: {reliable: 2}", "risk: {reliable: 101}"))
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[1].options[1].risk.reliable"
    assert problem.line == line_of(text, "reliable: 101")


def test_it_reports_an_unknown_value_in_risk():
    text = changed(VALID, ("risk: {reliable: 4, transparent: 1}", "risk: {reliable: 4, fair: 1}"))
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[1].options[2].risk.fair"
    assert problem.line == line_of(text, "fair: 1")
    assert problem.message == "unknown value 'fair' (values: reliable, transparent)"


def test_it_reports_an_unknown_value_in_option_risk():
    text = changed(VALID, ("unknown: {transparent: 2}", "unknown: {fair: 2}"))
    problem = only_problem(text)
    assert problem.path == "sections[1].questions[0].option_risk.unknown.fair"
    assert problem.line == line_of(text, "unknown: {fair: 2}")


def test_it_reports_an_option_risk_for_an_answer_that_does_not_exist():
    text = changed(VALID, ("{no: {transparent: 3}", "{maybe: {transparent: 3}"))
    problem = only_problem(text)
    assert problem.path == "sections[1].questions[0].option_risk.maybe"
    assert "'maybe' is not an answer" in problem.message


# --- problems in conditions ---


def test_it_reports_a_condition_naming_an_unknown_question():
    text = changed(
        VALID, ("    when: {in: {question: personal,", "    when: {in: {question: personnel,")
    )
    problem = only_problem(text)
    assert problem.path == "rules[0].when"
    assert problem.line == line_of(text, "question: personnel")
    assert problem.message == "unknown question 'personnel'"


def test_it_reports_the_path_of_a_nested_condition():
    text = changed(
        VALID,
        (
            "when: {count_gte: {min: 1, of: [{rule: large_scale}, {equals: {question: personal,",
            "when: {count_gte: {min: 1, of: [{rule: large_scale}, {equals: {question: personnel,",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "obligations[1].when.count_gte.of[1]"
    assert problem.line == line_of(text, "question: personnel")
    assert problem.message == "unknown question 'personnel'"


def test_it_reports_a_condition_comparing_with_a_value_that_is_not_an_option():
    text = changed(
        VALID,
        (
            "values: [ordinary, special]}}\n  - id: large_scale",
            "values: [ordinary, secret]}}\n  - id: large_scale",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "rules[0].when"
    assert "'secret' is not an option of 'personal'" in problem.message


def test_it_reports_a_show_if_referring_to_a_later_question():
    text = changed(
        VALID,
        (
            "show_if: {in: {question: personal, values: [ordinary, special]}}",
            "show_if: {equals: {question: published, value: 'no'}}",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[2].show_if"
    assert problem.line == line_of(text, "show_if:")
    assert "'published', which comes later" in problem.message


def test_it_reports_a_show_if_referring_to_the_question_itself():
    text = changed(
        VALID,
        (
            "show_if: {in: {question: personal, values: [ordinary, special]}}",
            "show_if: {answered: people}",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[2].show_if"
    assert problem.line == line_of(text, "show_if:")
    assert problem.message == "show_if of 'people' refers to the question itself"


def test_it_reports_a_show_if_using_a_rule():
    text = changed(
        VALID,
        (
            "show_if: {in: {question: personal, values: [ordinary, special]}}",
            "show_if: {not: {rule: personal_data}}",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[2].show_if.not.rule"
    assert problem.line == line_of(text, "show_if:")


def test_it_reports_a_rule_referring_to_a_later_rule():
    text = changed(
        VALID,
        (
            "    when: {in: {question: personal, values: [ordinary, special]}}\n",
            "    when: {rule: large_scale}\n",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "rules[0].when.rule"
    assert problem.line == line_of(text, "when: {rule: large_scale}")
    assert "later rule 'large_scale'" in problem.message


def test_it_reports_a_rule_referring_to_itself():
    text = changed(
        VALID,
        (
            "    when: {in: {question: personal, values: [ordinary, special]}}\n",
            "    when: {any: [{answered: name}, {rule: personal_data}]}\n",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "rules[0].when.any[1].rule"
    assert "'personal_data'" in problem.message


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("{rules: personal_data}", "'rules' is not a condition; use one of: all, any"),
        ("{rule: personal_data, answered: name}", "exactly one key, not 2 (rule, answered)"),
        ("{}", "{} is not a condition; a condition is a mapping with one of: all"),
        ("personal_data", "'personal_data' is not a condition"),
    ],
)
def test_it_reports_an_unknown_condition_key_naming_what_it_found(condition, message):
    text = changed(VALID, ("    when: {rule: personal_data}\n", f"    when: {condition}\n"))
    problem = only_problem(text)
    assert problem.path == "obligations[0].when"
    assert problem.line == line_of(text, f"when: {condition}")
    assert message in problem.message


def test_it_suggests_the_nearest_condition_key():
    text = changed(
        VALID, ("    when: {rule: personal_data}\n", "    when: {rulle: personal_data}\n")
    )
    assert only_problem(text).message.endswith("(did you mean 'rule'?)")


def test_it_reports_an_override_of_an_unknown_obligation():
    text = changed(VALID, ("overrides: [dpia_recommended]", "overrides: [dpia_suggested]"))
    problem = only_problem(text)
    assert problem.path == "obligations[2].overrides[0]"
    assert problem.line == line_of(text, "overrides:")
    assert problem.message == "unknown obligation 'dpia_suggested'"


# --- problems in the YAML ---


def test_it_reports_a_duplicate_yaml_key():
    text = changed(VALID, ("version: 1\n", "version: 1\nversion: 2\n"))
    problem = only_problem(text)
    assert problem.path == "version"
    assert problem.line == 3
    assert problem.message == "duplicate key 'version'"


def test_it_reports_a_duplicate_yaml_key_deep_in_the_file():
    text = changed(
        VALID,
        (
            "        required: true\n        basis: [T1]\n      - id: personal",
            "        required: true\n        required: false\n"
            "        basis: [T1]\n      - id: personal",
        ),
    )
    problem = only_problem(text)
    assert problem.path == "sections[0].questions[0].required"
    assert problem.line == line_of(text, "required: false")


def test_it_reports_a_yaml_syntax_error_with_its_line():
    text = changed(
        VALID,
        (
            "{nl: Naam, en: Name}\n        help: {nl: De naam.",
            "{nl: Naam, en: Name\n        help: {nl: De naam.",
        ),
    )
    problem = only_problem(text)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == line_of(text, "help: {nl: De naam.")


def test_it_reports_a_tab_in_the_indentation_with_its_line():
    text = changed(VALID, ("  - id: reliable\n", "\t- id: reliable\n"))
    problem = only_problem(text)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == line_of(text, "\t- id: reliable")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_it_reports_an_empty_file(text):
    problem = only_problem(text)
    assert problem.message == "the file is empty"
    assert problem.line is None


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_it_reports_a_top_level_that_is_not_a_mapping(text):
    problem = only_problem(text)
    assert problem.line == 1
    assert "mapping" in problem.message


def test_it_reports_more_than_one_document():
    problem = only_problem(VALID + "---\nkey: other\n")
    assert problem.message.startswith("YAML syntax error")


def test_it_reports_the_missing_top_level_keys():
    problems = problems_of("key: sample\n")
    paths = {p.path for p in problems}
    assert {"version", "title", "description", "values", "principles", "sections"} <= paths


@pytest.mark.parametrize(
    "text",
    [
        "key: !!python/name:os.system x\n",
        "key: !custom x\n",
        "? [a, b]\n: c\n",
        "a: &x [*x]\n",
        "a: *undefined\n",
        "a: b\n\x00",
        "a: !!binary not-base64!\n",
        "[\n",
    ],
)
def test_it_reports_strange_yaml_as_a_problem_never_a_traceback(text):
    problems_of(text)


# --- all problems at once ---


def test_it_reports_every_schema_problem_at_once():
    text = changed(
        VALID,
        ("      - id: name\n        type: short_text", "      - id: name\n        type: essay"),
        ("title: {nl: Profiel, en: Profile}", "title: {nl: Profiel}"),
        ("risk: {reliable: 2}", "risk: {reliable: lots}"),
        ("when: {rule: personal_data}\n", "when: {rules: personal_data}\n"),
    )
    problems = problems_of(text)
    assert at(problems, "sections[0].questions[0].type").line == line_of(text, "type: essay")
    assert at(problems, "sections[0].title.en").line == line_of(text, "{nl: Profiel}")
    risk = at(problems, "sections[0].questions[1].options[1].risk.reliable")
    assert risk.line == line_of(text, "reliable: lots")
    assert at(problems, "obligations[0].when").line == line_of(text, "rules: personal_data")
    assert len(problems) == 4


def test_it_reports_every_cross_check_problem_at_once():
    text = changed(
        VALID,
        ("      - id: site\n", "      - id: start\n"),
        ("{id: service,", "{id: policy,"),
        (
            "required: true\n        basis: [T1]\n      - id: personal",
            "required: true\n        basis: [T9]\n      - id: personal",
        ),
        ("        min: 0\n", "        min: 20000000\n"),
        ("risk: {reliable: 4, transparent: 1}", "risk: {reliable: 4, fair: 1}"),
        ("show_if: {in: {question: personal,", "show_if: {in: {question: published,"),
        (
            "    when: {in: {question: personal, values: [ordinary, special]}}\n",
            "    when: {rule: large_scale}\n",
        ),
        ("overrides: [dpia_recommended]", "overrides: [dpia_suggested]"),
    )
    problems = problems_of(text)
    expected = {
        "sections[1].questions[5].id": line_of(text, "type: url") - 1,
        "sections[1].questions[1].options[2].id": line_of(text, "en: Service}"),
        "sections[0].questions[0].basis[0]": line_of(text, "basis: [T9]"),
        "sections[0].questions[2].max": line_of(text, "max: 10000000"),
        "sections[0].questions[1].options[2].risk.fair": line_of(text, "fair: 1"),
        "sections[0].questions[2].show_if": line_of(text, "show_if:"),
        "rules[0].when.rule": line_of(text, "when: {rule: large_scale}"),
        "obligations[2].overrides[0]": line_of(text, "overrides:"),
    }
    assert {p.path: p.line for p in problems} == expected


def test_it_reports_a_duplicate_key_together_with_schema_problems():
    text = changed(
        VALID,
        ("version: 1\n", "version: 1\nversion: 2\n"),
        ("title: {nl: Profiel, en: Profile}", "title: {nl: Profiel}"),
    )
    problems = problems_of(text)
    assert {p.path for p in problems} == {"version", "sections[0].title.en"}


def test_it_lists_every_problem_in_the_message_one_per_line():
    text = changed(
        VALID,
        ("title: {nl: Profiel, en: Profile}", "title: {nl: Profiel}"),
        ("risk: {reliable: 2}", "risk: {reliable: lots}"),
    )
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        parse_questionnaire(text, source=SOURCE)
    lines = str(excinfo.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{SOURCE}:{line_of(text, '{nl: Profiel}')}: sections[0].title.en")


# --- reading files ---


def test_it_reports_a_file_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        load_file(missing)
    [problem] = excinfo.value.problems
    assert problem.file == str(missing)
    assert problem.line is None
    assert problem.message.startswith("cannot read the file")


def test_it_reports_a_directory_given_as_a_file(tmp_path):
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        load_file(tmp_path)
    [problem] = excinfo.value.problems
    assert problem.file == str(tmp_path)
    assert problem.message.startswith("cannot read the file")


def test_it_reports_a_file_that_is_not_utf8(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        load_file(latin)
    [problem] = excinfo.value.problems
    assert problem.file == str(latin)
    assert problem.message.startswith("cannot read the file")


def test_it_names_the_file_on_disk_in_its_problems(tmp_path):
    path = tmp_path / "v1.yaml"
    path.write_text(changed(VALID, ("title: {nl: Profiel, en: Profile}", "title: {nl: Profiel}")))
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        load_file(path)
    assert [p.file for p in excinfo.value.problems] == [str(path)]


# --- the content hash ---


def test_it_keeps_the_hash_when_only_comments_and_layout_change():
    original = parse_questionnaire(VALID, source=SOURCE)
    relaid = "# A comment at the top\n\n" + changed(
        VALID,
        ("version: 1\n", "version: 1   # the first version\n\n"),
        ("title: {nl: Voorbeeld, en: Sample}", "title:\n  nl: Voorbeeld\n  en:   Sample"),
        ("basis: [B1]\n        measure: true", "basis:\n          - B1\n        measure: true"),
        (
            "scoring: {medium_from: 25, high_from: 50, max_mitigation: 0.5}",
            "scoring: {high_from: 50, medium_from: 25, max_mitigation: 0.50}",
        ),
    )
    again = parse_questionnaire(relaid, source="elsewhere.yaml")
    assert again.sha256 == original.sha256
    assert again.canonical == original.canonical


def test_it_changes_the_hash_when_a_label_changes():
    original = parse_questionnaire(VALID, source=SOURCE)
    relabelled = parse_questionnaire(
        changed(
            VALID, ("label: {nl: Doelen, en: Purposes}", "label: {nl: Doeleinden, en: Purposes}")
        ),
        source=SOURCE,
    )
    assert relabelled.sha256 != original.sha256


def test_it_changes_the_hash_when_a_risk_weight_changes():
    original = parse_questionnaire(VALID, source=SOURCE)
    heavier = parse_questionnaire(
        changed(VALID, ("risk: {reliable: 2}", "risk: {reliable: 3}")), source=SOURCE
    )
    assert heavier.sha256 != original.sha256


def test_it_reports_a_register_grouping_on_a_question_that_cannot_fill_it():
    text = changed(
        VALID, ("        register_field: website", "        register_field: source_data_grouping")
    )
    messages = [p.message for p in problems_of(text)]
    assert "'source_data_grouping' is filled from a table question" in messages
    assert "source_data_grouping needs 'name' and 'link' columns" in messages
