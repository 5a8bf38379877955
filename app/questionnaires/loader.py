"""Reading and validating questionnaire files. Every problem is reported with the file, the
line, the path inside the file and what is wrong; all problems at once, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.canonical import canonical_json, sha256_hex
from app.questionnaires.checks import Checker
from app.questionnaires.problems import Path_, Problem, QuestionnaireInvalid, format_path
from app.questionnaires.schema import (
    Questionnaire,
)
from app.questionnaires.yaml_source import (
    AliasFound,
    Yaml12Loader,
    line_for,
    line_map,
    pydantic_message,
    pydantic_path,
    refuse_aliases,
)


@dataclass(frozen=True)
class LoadedQuestionnaire:
    """A validated questionnaire with its content hash."""

    definition: Questionnaire
    sha256: str
    canonical: str
    source: str


def parse_questionnaire(text: str, *, source: str) -> LoadedQuestionnaire:
    """Validate a questionnaire given as YAML text; raises QuestionnaireInvalid."""
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
        if node is not None and isinstance(node, yaml.MappingNode):
            refuse_aliases(node)
        data = yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireInvalid(
            [Problem(source, line, "", f"YAML syntax error: {problem}")]
        ) from None
    except AliasFound as exc:
        raise QuestionnaireInvalid(
            [Problem(source, exc.line, "", "anchors and aliases (&, *) are not allowed")]
        ) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
        raise QuestionnaireInvalid([Problem(source, None, "", "the file is empty")])
    if not isinstance(node, yaml.MappingNode):
        raise QuestionnaireInvalid(
            [
                Problem(
                    source,
                    node.start_mark.line + 1,
                    "",
                    "the file must hold a mapping (key: value) at the top",
                )
            ]
        )
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    line_map(node, (), lines, duplicates)
    problems = [
        Problem(source, line, format_path(path), f"duplicate key '{path[-1]}'")
        for path, line in duplicates
    ]
    try:
        definition = Questionnaire.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            path = pydantic_path(err["loc"])
            problems.append(
                Problem(
                    source, line_for(lines, path), format_path(path), pydantic_message(err, path)
                )
            )
        raise QuestionnaireInvalid(problems) from None
    for path, message in Checker(definition).run():
        problems.append(Problem(source, line_for(lines, path), format_path(path), message))
    if problems:
        raise QuestionnaireInvalid(problems)
    canonical = canonical_json(definition.model_dump(mode="json", by_alias=True, exclude_none=True))
    return LoadedQuestionnaire(definition, sha256_hex(canonical), canonical, source)


def load_file(path: Path) -> LoadedQuestionnaire:
    """Read and validate one questionnaire file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireInvalid(
            [Problem(str(path), None, "", f"cannot read the file: {exc}")]
        ) from None
    return parse_questionnaire(text, source=str(path))


def from_canonical(canonical: str) -> Questionnaire:
    """A questionnaire from its stored canonical JSON (already validated when stored)."""
    return Questionnaire.model_validate_json(canonical)


def questionnaire_files(directory: Path) -> list[Path]:
    """Every questionnaire file below a directory, in a stable order."""
    return sorted(p for p in directory.rglob("*.yaml") if p.is_file())
