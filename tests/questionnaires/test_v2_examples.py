"""Version 2 of the Haarlem questionnaire against example projects written for this purpose
(issue 20): for each, the facts, an honest answer set, and what the law requires: obligations,
register category, overall level, with one line of legal reasoning (see v2_projects.py).

A project whose expectation v2.yaml does not meet yet is an expected failure naming the change
the file needs; its answers are still checked for completeness and validity."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.questionnaires import engine
from app.questionnaires.loader import load_file
from app.questionnaires.schema import Questionnaire
from tests.questionnaires.v2_projects import PROJECTS, Project, build

V2 = Path(__file__).resolve().parents[2] / "questionnaires" / "haarlem-datawaarden" / "v2.yaml"


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_file(V2).definition


def expected_failure(project: Project) -> list[pytest.MarkDecorator]:
    if project.v2_defect is None:
        return []
    return [pytest.mark.xfail(strict=True, reason=f"v2.yaml: {project.v2_defect}")]


CASES = [pytest.param(p, id=p.name, marks=expected_failure(p)) for p in PROJECTS]


def test_it_has_at_least_twenty_five_example_projects_with_distinct_names() -> None:
    names = [p.name for p in PROJECTS]
    assert len(names) >= 25
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_it_answers_every_example_completely_and_validly(
    q: Questionnaire, project: Project
) -> None:
    answers = build(q, project)
    assert engine.validate_answers(q, answers) == {}
    progress = engine.completeness(q, answers)
    assert progress.complete, progress.missing
    # every fact the project states counts: none is an answer to a hidden question
    assert engine.hidden_answered(q, answers) == set()


@pytest.mark.parametrize("project", CASES)
def test_it_concludes_for_each_example_what_the_law_requires(
    q: Questionnaire, project: Project
) -> None:
    support = engine.decision_support(q, build(q, project))
    got = (
        {o.id for o in support.obligations},
        support.register_category,
        support.score.overall,
    )
    want = (set(project.obligations), project.register, project.overall)
    assert got == want, f"{project.name}: {project.reasoning}"
