"""`datawaarden signing` and `datawaarden report`: the trust anchor, verifying a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    TRUST_ANCHOR_HELP,
    console,
    fail,
    open_engine,
    parse_date,
    seals,
    settings_or_exit,
)

signing_app = typer.Typer(help="The signing certificate.", no_args_is_help=True)
report_app = typer.Typer(help="Signed advice reports.", no_args_is_help=True)


@signing_app.command("export-ca")
def signing_export_ca(
    file: Annotated[Path, typer.Argument(help="Where to write the PEM file.")],
) -> None:
    """Write the trust anchor (PEM) that auditors import into their PDF reader or NSS database."""
    from app.errors import AppError
    from app.reports.signing import load_signing_key, trust_anchor_pem

    try:
        pem_bytes = trust_anchor_pem(load_signing_key(settings_or_exit()))
    except AppError as exc:
        fail(exc.detail)
    file.write_bytes(pem_bytes)
    console.print(f"Trust anchor written to {file}.")


@report_app.command("verify")
def report_verify(
    file: Annotated[Path, typer.Argument(help="The PDF to check.")],
    at: Annotated[
        str | None,
        typer.Option("--at", help="Judge the validity as of this date (YYYY-MM-DD), not today."),
    ] = None,
    trust_anchor: Annotated[Path | None, typer.Option(help=TRUST_ANCHOR_HELP)] = None,
) -> None:
    """Check a report: signatures intact and valid (long-term, at --at), the document
    timestamps, the archived copy, the embedded data. Exit 0 only when everything holds."""
    from app.db import session_scope
    from app.reports.checking import verify_file
    from app.reports.verify import MAX_UPLOAD

    moment = parse_date(at, "--at")
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"Cannot read {file}: {exc.strerror}")
    settings = settings_or_exit()
    # A report also carries the files attached to its answers (at most the limit per assessment).
    if len(data) > MAX_UPLOAD * 5 + settings.attachment_max_assessment_mb * 1024 * 1024:
        fail("The file is too large to be an advice report.")
    validator, _seal = seals(settings, trust_anchor)
    with session_scope(open_engine()) as session:
        check = verify_file(session, data, settings=settings, at=moment, validator=validator)
    r = check.result
    console.print(f"{file.name} (SHA-256 {r.sha256})", markup=False)
    for s in r.signatures:
        what = "document timestamp" if s.kind == "timestamp" else "signature"
        state = "intact" if s.intact else "BROKEN"
        if s.kind == "signature":
            state += ", valid" if s.trusted else f", NOT VALID ({s.problem or 'untrusted'})"
        console.print(f"  {what} {s.field}: {state}; certificate {s.signer}", markup=False)
    from app.i18n import use_locale

    with use_locale("en"):  # the command line speaks English throughout
        statements = check.statements(settings.org_name)
    for statement in statements:
        mark = {True: "OK  ", False: "FAIL", None: "    "}[statement.ok]
        console.print(f"{mark} {statement.text}", markup=False)
    if not check.ok:
        raise typer.Exit(1)
