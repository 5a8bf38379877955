"""`datawaarden questionnaire`: check and inspect questionnaire files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    console,
    err,
    fail,
    settings_or_exit,
)

questionnaire_app = typer.Typer(help="Check and inspect questionnaire files.", no_args_is_help=True)


@questionnaire_app.command("validate")
def questionnaire_validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to check.")],
) -> None:
    """Validate questionnaire files: exit 0 when valid, 1 with every problem otherwise."""
    from app.questionnaires.loader import load_file, questionnaire_files
    from app.questionnaires.problems import QuestionnaireInvalid

    files: list[Path] = []
    for path in paths:
        files.extend(questionnaire_files(path) if path.is_dir() else [path])
    if not files:
        fail("No questionnaire files found.")
    problems = 0
    for file in files:
        try:
            loaded = load_file(file)
        except QuestionnaireInvalid as exc:
            for problem in exc.problems:
                err.print(str(problem), markup=False, highlight=False)
            problems += len(exc.problems)
            continue
        d = loaded.definition
        console.print(
            f"{file}: valid ({d.key} v{d.version}, {len(d.questions())} questions, "
            f"sha256 {loaded.sha256[:12]}…)",
            markup=False,
            highlight=False,
        )
    if problems:
        err.print(f"{problems} problem(s) found.")
        raise typer.Exit(1)


@questionnaire_app.command("list")
def questionnaire_list() -> None:
    """List the questionnaire versions in the questionnaires directory."""
    from app.questionnaires.problems import QuestionnaireInvalid
    from app.questionnaires.registry import load_directory

    try:
        loaded = load_directory(settings_or_exit().questionnaires_dir)
    except QuestionnaireInvalid as exc:
        fail(str(exc))
    table = Table()
    for column in ("Key", "Version", "Title", "Questions", "SHA-256"):
        table.add_column(column)
    for item in loaded:
        d = item.definition
        table.add_row(
            d.key, str(d.version), d.title.nl, str(len(d.questions())), item.sha256[:16] + "…"
        )
    console.print(table)


@questionnaire_app.command("show")
def questionnaire_show(
    key: Annotated[str, typer.Argument(help="The questionnaire key.")],
    version: Annotated[int | None, typer.Option(help="The version (default: newest).")] = None,
    locale: Annotated[str, typer.Option(help="nl or en.")] = "nl",
) -> None:
    """Print an outline: sections, questions with their type and basis, rules, obligations."""
    from rich.tree import Tree

    from app.questionnaires.problems import QuestionnaireInvalid
    from app.questionnaires.registry import load_directory

    try:
        loaded = load_directory(settings_or_exit().questionnaires_dir)
    except QuestionnaireInvalid as exc:
        fail(str(exc))
    matches = [i for i in loaded if i.definition.key == key]
    if version is not None:
        matches = [i for i in matches if i.definition.version == version]
    if not matches:
        fail(f"No questionnaire {key}" + (f" version {version}" if version else "") + ".")
    item = max(matches, key=lambda i: i.definition.version)
    d = item.definition
    tree = Tree(
        f"[bold]{d.title.get(locale)}[/bold] ({d.key} v{d.version}, sha256 {item.sha256[:12]}…)"
    )
    for section in d.sections:
        branch = tree.add(f"[bold]{section.title.get(locale)}[/bold] [dim]({section.id})[/dim]")
        for q in section.questions:
            flags = " *" if q.required else ""
            flags += " [measure]" if q.measure else ""
            flags += " [conditional]" if q.show_if is not None else ""
            branch.add(
                f"{q.label.get(locale)}{flags} [dim]{q.id} · {q.type.value} · "
                f"{', '.join(q.basis)}[/dim]"
            )
    rules = tree.add("[bold]Rules[/bold]")
    for rule in d.rules:
        rules.add(rule.id)
    obligations = tree.add("[bold]Obligations[/bold]")
    for o in d.obligations:
        obligations.add(f"{o.title.get(locale)} [dim]{o.id} · {o.severity.value}[/dim]")
    console.print(tree)


@questionnaire_app.command("schema")
def questionnaire_schema() -> None:
    """Print the JSON Schema of the questionnaire format (questionnaires/schema.json)."""
    import json

    from app.questionnaires.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n")
