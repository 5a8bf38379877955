"""`datawaarden audit`: verify the audit trail and take signed checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    TRUST_ANCHOR_HELP,
    AnchorOption,
    console,
    fail,
    open_engine,
    print_findings,
    seals,
    settings_or_exit,
)

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    anchor: AnchorOption = None,
    trust_anchor: Annotated[Path | None, typer.Option(help=TRUST_ANCHOR_HELP)] = None,
) -> None:
    """Check the hash chain, every signed checkpoint (database, checkpoint file, anchors) and
    every signed report's chain head. Exit 0 when all hold, 1 naming each problem."""
    from app.archive.trail import verify_audit_trail
    from app.db import session_scope

    settings = settings_or_exit()
    _validator, seal = seals(settings, trust_anchor, required=False)
    with session_scope(open_engine()) as session:
        report = verify_audit_trail(
            session, sealer=seal, checkpoint_file=settings.checkpoint_file, anchors=anchor or []
        )
    print_findings(report.problems, report.notices)
    if report.ok:
        console.print(
            f"Audit trail intact: {report.chain.count} events, head {report.chain.head}; "
            f"{report.chain.waypoints_checked} checkpoints and report heads hold."
        )
        return
    fail(f"Audit trail NOT intact: {len(report.problems)} problems ({report.chain.count} events).")


@audit_app.command("checkpoint")
def audit_checkpoint(
    force: Annotated[
        bool, typer.Option(help="Also when nothing was logged since the last.")
    ] = False,
) -> None:
    """Sign the audit trail's head and store the checkpoint in the database and the checkpoint
    file. Run it periodically (for example daily); signing takes one as well."""
    from app.audit.checkpoints import copy_missing_to_file, take_checkpoint
    from app.db import session_scope

    settings = settings_or_exit()
    _validator, seal = seals(settings)
    engine = open_engine()
    try:
        checkpoint, made = take_checkpoint(
            engine,
            sealer=seal,
            organisation=settings.org_name,
            file=settings.checkpoint_file,
            force=force,
        )
    except RuntimeError as exc:
        fail(str(exc))
    copied = 0
    if settings.checkpoint_file is not None:
        with session_scope(engine) as session:
            copied = copy_missing_to_file(session, settings.checkpoint_file)
    statement = checkpoint.statement
    what = "Checkpoint" if made else "No new events; the newest checkpoint is"
    where = settings.checkpoint_file or "no file (DATAWAARDEN_AUDIT_CHECKPOINT_FILE is off)"
    console.print(
        f"{what} {statement['sequence']}: {statement['events']} events, head "
        f"{statement['head']} (in the database and {where}"
        + (f"; {copied} earlier ones copied to the file" if copied else "")
        + ")."
    )
