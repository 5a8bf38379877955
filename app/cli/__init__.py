"""The `datawaarden` command, one module per command group. Every command honours the
DATAWAARDEN_ settings."""

from __future__ import annotations

import typer

from app.cli import (
    archive,
    audit,
    backup,
    consultations,
    jobs,
    questionnaires,
    reports,
    setup,
    tokens,
    users,
)

app = typer.Typer(
    help="Datawaarden: decision support for the ethical use of data.", no_args_is_help=True
)
for command in (setup.init, setup.serve, setup.demo, backup.backup, backup.restore):
    app.command()(command)
app.add_typer(users.users_app, name="users")
app.add_typer(questionnaires.questionnaire_app, name="questionnaire")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(reports.signing_app, name="signing")
app.add_typer(reports.report_app, name="report")
app.add_typer(archive.archive_app, name="archive")
app.add_typer(archive.export_app, name="export")
app.add_typer(tokens.tokens_app, name="tokens")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(consultations.consultations_app, name="consultations")


def main() -> None:
    """Entry point of the `datawaarden` command."""
    app()
