"""`datawaarden archive` and `datawaarden export`: verify and renew the archive, export it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    TRUST_ANCHOR_HELP,
    AnchorOption,
    console,
    err,
    fail,
    open_engine,
    print_findings,
    seals,
    settings_or_exit,
)

archive_app = typer.Typer(help="The archive of signed assessments.", no_args_is_help=True)
export_app = typer.Typer(
    help="Exports for auditors and the algorithm register.", no_args_is_help=True
)


@archive_app.command("verify")
def archive_verify(
    anchor: AnchorOption = None,
    trust_anchor: Annotated[Path | None, typer.Option(help=TRUST_ANCHOR_HELP)] = None,
) -> None:
    """Check every stored row, snapshot and report version, every signature, that everything
    stored agrees with the signed reports, and the audit trail with its checkpoints. Exit 1
    listing each problem."""
    from rich.progress import Progress

    from app.archive.integrity import count_items, verify_archive
    from app.db import session_scope

    settings = settings_or_exit()
    validator, seal = seals(settings, trust_anchor)
    with session_scope(open_engine()) as session:
        total = count_items(session)
        with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task("Verifying the archive", total=total)
            result = verify_archive(
                session,
                validator=validator,
                sealer=seal,
                checkpoint_file=settings.checkpoint_file,
                anchors=anchor or [],
                progress=lambda n: progress.advance(task, n),
            )
    table = Table(title="Archive verification")
    table.add_column("What")
    table.add_column("Checked", justify="right")
    table.add_row("Snapshots", str(result.submissions))
    table.add_row("Archived assessments", str(result.assessments))
    table.add_row("Signed report versions", str(result.reports))
    table.add_row("Audit events", str(result.audit_events))
    table.add_row("Audit checkpoints", str(result.checkpoints))
    table.add_row("Problems", str(len(result.problems)))
    console.print(table)
    print_findings(result.problems, result.notices)
    if result.problems:
        raise typer.Exit(1)


@archive_app.command("timestamp")
def archive_timestamp(
    within_days: Annotated[
        int | None,
        typer.Option(
            help="Renew when the newest timestamp's certificate expires within this many days "
            "(default: DATAWAARDEN_TIMESTAMP_RENEWAL_DAYS)."
        ),
    ] = None,
) -> None:
    """Add a fresh document timestamp to every archived report whose newest timestamp's
    certificate expires soon, as a new stored version (the old bytes are kept). Run it
    periodically, for example monthly."""
    from datetime import timedelta

    from app.archive.renewal import renew_timestamps
    from app.errors import AppError

    settings = settings_or_exit()
    days = within_days if within_days is not None else settings.timestamp_renewal_days
    if days < 0:
        fail("--within-days must be 0 or more.", code=2)
    try:
        results = renew_timestamps(open_engine(), settings=settings, within=timedelta(days=days))
    except (AppError, RuntimeError) as exc:
        fail(getattr(exc, "detail", str(exc)))
    renewed = [r for r in results if r.renewed]
    failed = [r for r in results if r.problem]
    for r in renewed:
        console.print(f"Renewed {r.reference} (its newest timestamp expired {r.expires:%Y-%m-%d}).")
    for r in failed:
        err.print(f"PROBLEM {r.reference}: {r.problem}", markup=False)
    console.print(
        f"{len(results)} archived reports checked: {len(renewed)} renewed, "
        f"{len(results) - len(renewed) - len(failed)} still valid for more than {days} days, "
        f"{len(failed)} failed."
    )
    if failed:
        raise typer.Exit(1)


@archive_app.command("public-editions")
def archive_public_editions() -> None:
    """Make the public edition of every archived report that has none (reports signed before
    public editions existed). An edition is made only when the signed report still validates
    and the database agrees with it; anything else is reported as a problem."""
    from app.archive.public import make_missing_public_editions
    from app.errors import AppError

    try:
        results = make_missing_public_editions(open_engine(), settings=settings_or_exit())
    except (AppError, RuntimeError) as exc:
        fail(getattr(exc, "detail", str(exc)))
    for r in results:
        if r.made:
            console.print(f"Made the public edition of {r.reference}.")
        else:
            err.print(f"PROBLEM {r.reference}: {r.problem}", markup=False)
    made = sum(r.made for r in results)
    console.print(f"{len(results)} archived reports without a public edition: {made} made.")
    if made < len(results):
        raise typer.Exit(1)


@export_app.command("register")
def export_register(
    format: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """All archived assessments as CSV or JSON (each record carries its reference)."""
    from app.archive.exports import register_csv, register_json, register_rows
    from app.audit.service import record_event
    from app.db import session_scope

    if format not in ("csv", "json"):
        fail("--format must be csv or json.", 2)
    with session_scope(open_engine()) as session:
        rows = register_rows(session)
        record_event(
            session,
            action="export.register",
            actor_id=None,
            details={"format": format, "records": len(rows), "via": "cli"},
        )
    body = register_csv(rows) if format == "csv" else register_json(rows)
    if out:
        out.write_text(body, encoding="utf-8")
        err.print(f"{len(rows)} records written to {out}.")
    else:
        sys.stdout.write(body)


@export_app.command("algoritmeregister")
def export_algoritmeregister(
    reference: Annotated[
        str, typer.Argument(help="The assessment's reference, such as DW-2026-0042.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """The Algoritmeregister 1.0 document of an archived assessment about an algorithm."""
    import json

    from app.archive.exports import algorithm_register
    from app.assessments.reading import get_by_reference
    from app.db import session_scope
    from app.errors import AppError

    try:
        with session_scope(open_engine()) as session:
            assessment = get_by_reference(session, reference)
            from app.archive.service import get_entry

            get_entry(session, assessment.id or 0)
            document = algorithm_register(
                session, assessment=assessment, settings=settings_or_exit()
            )
    except AppError as exc:
        fail(exc.detail)
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out:
        out.write_text(body, encoding="utf-8")
        err.print(f"Written to {out}.")
    else:
        sys.stdout.write(body)
