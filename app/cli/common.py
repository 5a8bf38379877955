"""What every command shares: the consoles, the settings, the database, failing with a clear
line, reading a password, and the seals that sign and check."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from app.config import Settings, SettingsError, get_settings

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> Settings:
    """The settings, or exit 2 with one line naming the wrong one."""
    try:
        return get_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def open_engine():  # type: ignore[no-untyped-def]
    """An engine on the configured database (every table known)."""
    import app.models  # noqa: F401  (every table must be known before the first query)
    from app.db import make_engine

    settings = settings_or_exit()
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def read_password(prompt: bool) -> str:
    """A password from a prompt (twice) or from standard input; never from an argument."""
    if sys.stdin.isatty() and prompt:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def seals(settings: Settings, trust_anchor: Path | None = None, *, required: bool = True):  # type: ignore[no-untyped-def]
    """(how signatures are validated, the organisation's seal), from the configured signing
    key, or only for checking from a trust anchor an auditor holds (`--trust-anchor`). Without
    either: (None, a seal that checks nothing) when not `required`."""
    from app.errors import AppError
    from app.reports.checking import validator_for
    from app.reports.seal import checking_seal, organisation_seal
    from app.reports.validator import Validator, load_trust_roots

    if trust_anchor is not None:
        try:
            roots = load_trust_roots(trust_anchor.read_bytes())
        except (OSError, ValueError) as exc:
            fail(f"--trust-anchor: {trust_anchor} cannot be read as PEM certificates ({exc})", 2)
        if not roots:
            fail(f"--trust-anchor: {trust_anchor} holds no certificate", 2)
        return Validator(tuple(roots)), checking_seal(roots)
    try:
        return validator_for(settings), organisation_seal(settings)
    except AppError as exc:
        if required:
            fail(
                f"{exc.detail} (DATAWAARDEN_SIGNING_P12 names the signing certificate; an "
                "auditor can give --trust-anchor instead)"
            )
        return None, checking_seal([])


TRUST_ANCHOR_HELP = "The trust anchor (PEM, from `signing export-ca`) when the key is not here."
AnchorOption = Annotated[
    list[Path] | None,
    typer.Option(help="A checkpoint saved earlier (from the register or the file); repeatable."),
]


def print_findings(problems, notices) -> None:  # type: ignore[no-untyped-def]
    for notice in notices:
        err.print(f"NOTE {notice}", markup=False)
    for problem in problems:
        err.print(f"PROBLEM {problem.kind}: {problem.subject}: {problem.detail}", markup=False)


def parse_date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: '{value}' is not a date; write it as YYYY-MM-DD.", code=2)
    return datetime.combine(day, time(12, 0), tzinfo=UTC)
