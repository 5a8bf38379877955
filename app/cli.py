"""The `datawaarden` command. Every command honours the DATAWAARDEN_ settings."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.config import Settings, SettingsError, get_settings

app = typer.Typer(
    help="Datawaarden: decision support for the ethical use of data.", no_args_is_help=True
)
users_app = typer.Typer(help="Manage accounts and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
questionnaire_app = typer.Typer(help="Check and inspect questionnaire files.", no_args_is_help=True)
app.add_typer(questionnaire_app, name="questionnaire")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _engine():  # type: ignore[no-untyped-def]
    import app.models  # noqa: F401  (every table must be known before the first query)
    from app.db import make_engine

    settings = _settings()
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def _read_password(prompt: bool) -> str:
    """A password from a prompt (twice) or from standard input; never from an argument."""
    if sys.stdin.isatty() and prompt:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@app.command()
def init(
    demo_users: Annotated[
        bool, typer.Option(help="Create demo accounts when there are no users.")
    ] = False,
) -> None:
    """Migrate the database, load the questionnaires and create a development certificate."""
    from app.db import session_scope
    from app.migrate import upgrade_to_head

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    upgrade_to_head(engine)
    console.print("Database migrated to the newest schema.")
    from app.questionnaires.registry import sync_questionnaires

    with session_scope(engine) as session:
        try:
            loaded = sync_questionnaires(session, settings.questionnaires_dir)
        except Exception as exc:  # a questionnaire problem is reported, not a traceback
            _fail(str(exc))
        console.print(f"Questionnaires loaded: {', '.join(loaded) or 'none'}.")
    if settings.signing_p12 is None:
        from app.reports.pki import ensure_dev_pki

        paths, created = ensure_dev_pki(
            settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url
        )
        if created:
            console.print(
                f"Development signing certificate created in {paths.p12.parent} (development only)."
            )
    if demo_users:
        _create_demo_users(engine)
    engine.dispose()


DEMO_ACCOUNTS = [
    ("lead@demo.datawaarden.nl", "Lotte de Leider (demo)", {"lead"}),
    ("lid@demo.datawaarden.nl", "Bram Commissielid (demo)", {"board"}),
    ("voorzitter@demo.datawaarden.nl", "Vera Voorzitter (demo)", {"chair", "board"}),
    ("auditor@demo.datawaarden.nl", "Anouk Auditor (demo)", {"auditor"}),
    ("beheer@demo.datawaarden.nl", "Bas Beheerder (demo)", {"admin"}),
]


def _create_demo_users(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import func, select

    from app.db import session_scope
    from app.users.models import Role, User
    from app.users.service import create_user

    with session_scope(engine) as session:
        if session.exec(select(func.count()).select_from(User)).one() > 0:
            return
        table = Table(title="Demo accounts (shown once; development only)")
        table.add_column("E-mail")
        table.add_column("Password")
        table.add_column("Roles")
        for email, name, roles in DEMO_ACCOUNTS:
            password = "demo-" + secrets.token_urlsafe(12)
            create_user(
                session,
                email=email,
                name=name,
                password=password,
                roles={Role(r) for r in roles},
                is_demo=True,
            )
            table.add_row(email, password, ", ".join(sorted(roles)))
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of worker processes.")] = 1,
) -> None:
    """Start the web application with uvicorn."""
    import uvicorn

    _settings()
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        log_level="info",
        server_header=False,
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address (the login name).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several.")] = [],  # noqa: B006
    locale: Annotated[str, typer.Option(help="nl or en.")] = "nl",
) -> None:
    """Create an account. The password is read from a prompt or standard input."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users.service import create_user, parse_roles

    password = _read_password(prompt=True)
    try:
        with session_scope(_engine()) as session:
            user = create_user(
                session,
                email=email,
                name=name,
                password=password,
                roles=parse_roles(role),
                locale=locale,
            )
            console.print(f"Created {user.email} with roles: {', '.join(sorted(role)) or 'none'}.")
    except AppError as exc:
        _fail(
            exc.detail + "".join(f"\n  {k}: {v}" for k, v in exc.fields.items() if v != exc.detail)
        )


@users_app.command("list")
def users_list() -> None:
    """List all accounts with their roles."""
    from app.db import session_scope
    from app.users.service import list_users

    table = Table()
    for column in ("E-mail", "Name", "Roles", "Active"):
        table.add_column(column)
    with session_scope(_engine()) as session:
        for user, roles in list_users(session):
            table.add_row(
                user.email, user.name, ", ".join(sorted(roles)), "yes" if user.is_active else "no"
            )
    console.print(table)


def _user_or_fail(session, email: str):  # type: ignore[no-untyped-def]
    from app.users.service import get_user_by_email

    user = get_user_by_email(session, email)
    if user is None:
        _fail(f"No account with e-mail address {email}.")
    return user


@users_app.command("set-roles")
def users_set_roles(
    email: Annotated[str, typer.Option(help="E-mail address.")],
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several.")] = [],  # noqa: B006
) -> None:
    """Replace the roles of an account."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users.service import parse_roles, set_roles

    try:
        with session_scope(_engine()) as session:
            user = _user_or_fail(session, email)
            set_roles(session, user=user, roles=parse_roles(role), actor=None)
            console.print(f"Roles of {user.email}: {', '.join(sorted(role)) or 'none'}.")
    except AppError as exc:
        _fail(exc.detail)


@users_app.command("deactivate")
def users_deactivate(email: Annotated[str, typer.Option(help="E-mail address.")]) -> None:
    """Deactivate an account (it is never deleted)."""
    from app.db import session_scope
    from app.users.service import deactivate_user

    with session_scope(_engine()) as session:
        user = _user_or_fail(session, email)
        deactivate_user(session, user=user, actor=None)
        console.print(f"Deactivated {user.email}.")


@users_app.command("set-password")
def users_set_password(email: Annotated[str, typer.Option(help="E-mail address.")]) -> None:
    """Set a new password, read from a prompt or standard input."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users.service import set_password

    password = _read_password(prompt=True)
    try:
        with session_scope(_engine()) as session:
            user = _user_or_fail(session, email)
            set_password(session, user=user, password=password, actor=None)
            console.print(f"Password of {user.email} changed; their sessions have ended.")
    except AppError as exc:
        _fail(exc.detail)


audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _seals(settings: Settings, trust_anchor: Path | None = None, *, required: bool = True):  # type: ignore[no-untyped-def]
    """(how signatures are validated, the organisation's seal), from the configured signing
    key, or only for checking from a trust anchor an auditor holds (`--trust-anchor`). Without
    either: (None, a seal that checks nothing) when not `required`."""
    from app.errors import AppError
    from app.reports.seal import checking_seal, organisation_seal
    from app.reports.service import validator_for
    from app.reports.verify import Validator, load_trust_roots

    if trust_anchor is not None:
        try:
            roots = load_trust_roots(trust_anchor.read_bytes())
        except (OSError, ValueError) as exc:
            _fail(f"--trust-anchor: {trust_anchor} cannot be read as PEM certificates ({exc})", 2)
        if not roots:
            _fail(f"--trust-anchor: {trust_anchor} holds no certificate", 2)
        return Validator(tuple(roots)), checking_seal(roots)
    try:
        return validator_for(settings), organisation_seal(settings)
    except AppError as exc:
        if required:
            _fail(
                f"{exc.detail} (DATAWAARDEN_SIGNING_P12 names the signing certificate; an "
                "auditor can give --trust-anchor instead)"
            )
        return None, checking_seal([])


TRUST_ANCHOR_HELP = "The trust anchor (PEM, from `signing export-ca`) when the key is not here."
AnchorOption = Annotated[
    list[Path] | None,
    typer.Option(help="A checkpoint saved earlier (from the register or the file); repeatable."),
]


def _print_findings(problems, notices) -> None:  # type: ignore[no-untyped-def]
    for notice in notices:
        err.print(f"NOTE {notice}", markup=False)
    for problem in problems:
        err.print(f"PROBLEM {problem.kind}: {problem.subject}: {problem.detail}", markup=False)


@audit_app.command("verify")
def audit_verify(
    anchor: AnchorOption = None,
    trust_anchor: Annotated[Path | None, typer.Option(help=TRUST_ANCHOR_HELP)] = None,
) -> None:
    """Check the hash chain, every signed checkpoint (database, checkpoint file, anchors) and
    every signed report's chain head. Exit 0 when all hold, 1 naming each problem."""
    from app.archive.integrity import verify_audit_trail
    from app.db import session_scope

    settings = _settings()
    _validator, seal = _seals(settings, trust_anchor, required=False)
    with session_scope(_engine()) as session:
        report = verify_audit_trail(
            session, sealer=seal, checkpoint_file=settings.checkpoint_file, anchors=anchor or []
        )
    _print_findings(report.problems, report.notices)
    if report.ok:
        console.print(
            f"Audit trail intact: {report.chain.count} events, head {report.chain.head}; "
            f"{report.chain.waypoints_checked} checkpoints and report heads hold."
        )
        return
    _fail(f"Audit trail NOT intact: {len(report.problems)} problems ({report.chain.count} events).")


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

    settings = _settings()
    _validator, seal = _seals(settings)
    engine = _engine()
    try:
        checkpoint, made = take_checkpoint(
            engine,
            sealer=seal,
            organisation=settings.org_name,
            file=settings.checkpoint_file,
            force=force,
        )
    except RuntimeError as exc:
        _fail(str(exc))
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


@questionnaire_app.command("validate")
def questionnaire_validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to check.")],
) -> None:
    """Validate questionnaire files: exit 0 when valid, 1 with every problem otherwise."""
    from app.questionnaires.loader import QuestionnaireInvalid, load_file, questionnaire_files

    files: list[Path] = []
    for path in paths:
        files.extend(questionnaire_files(path) if path.is_dir() else [path])
    if not files:
        _fail("No questionnaire files found.")
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
    from app.questionnaires.loader import QuestionnaireInvalid
    from app.questionnaires.registry import load_directory

    try:
        loaded = load_directory(_settings().questionnaires_dir)
    except QuestionnaireInvalid as exc:
        _fail(str(exc))
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

    from app.questionnaires.loader import QuestionnaireInvalid
    from app.questionnaires.registry import load_directory

    try:
        loaded = load_directory(_settings().questionnaires_dir)
    except QuestionnaireInvalid as exc:
        _fail(str(exc))
    matches = [i for i in loaded if i.definition.key == key]
    if version is not None:
        matches = [i for i in matches if i.definition.version == version]
    if not matches:
        _fail(f"No questionnaire {key}" + (f" version {version}" if version else "") + ".")
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


signing_app = typer.Typer(help="The signing certificate.", no_args_is_help=True)
app.add_typer(signing_app, name="signing")
report_app = typer.Typer(help="Signed advice reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@signing_app.command("export-ca")
def signing_export_ca(
    file: Annotated[Path, typer.Argument(help="Where to write the PEM file.")],
) -> None:
    """Write the trust anchor (PEM) that auditors import into their PDF reader or NSS database."""
    from app.errors import AppError
    from app.reports.signing import load_signing_key, trust_anchor_pem

    try:
        pem_bytes = trust_anchor_pem(load_signing_key(_settings()))
    except AppError as exc:
        _fail(exc.detail)
    file.write_bytes(pem_bytes)
    console.print(f"Trust anchor written to {file}.")


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: '{value}' is not a date; write it as YYYY-MM-DD.", code=2)
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


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
    from app.reports.service import verify_file
    from app.reports.verify import MAX_UPLOAD

    moment = _date(at, "--at")
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"Cannot read {file}: {exc.strerror}")
    if len(data) > MAX_UPLOAD * 5:
        _fail("The file is too large to be an advice report.")
    settings = _settings()
    validator, _seal = _seals(settings, trust_anchor)
    with session_scope(_engine()) as session:
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


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where to write the signed PDF.")],
    force: Annotated[
        bool, typer.Option(help="Also run against a database with real data.")
    ] = False,
) -> None:
    """Create a complete example through the real services and write the signed report."""
    from app.demo import run_demo
    from app.errors import AppError
    from app.migrate import upgrade_to_head

    settings = _settings()
    engine = _engine()
    upgrade_to_head(engine)
    if settings.signing_p12 is None:
        from app.reports.pki import ensure_dev_pki

        ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.base_url)
    try:
        result = run_demo(engine, settings, force=force)
    except AppError as exc:
        _fail(exc.detail)
    out.write_bytes(result.report)
    console.print(
        f"Demo assessment {result.reference} signed; report written to {out} (SHA-256 {result.sha256})."
    )


archive_app = typer.Typer(help="The archive of signed assessments.", no_args_is_help=True)
app.add_typer(archive_app, name="archive")
export_app = typer.Typer(
    help="Exports for auditors and the algorithm register.", no_args_is_help=True
)
app.add_typer(export_app, name="export")


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

    settings = _settings()
    validator, seal = _seals(settings, trust_anchor)
    with session_scope(_engine()) as session:
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
    _print_findings(result.problems, result.notices)
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

    settings = _settings()
    days = within_days if within_days is not None else settings.timestamp_renewal_days
    if days < 0:
        _fail("--within-days must be 0 or more.", code=2)
    try:
        results = renew_timestamps(_engine(), settings=settings, within=timedelta(days=days))
    except (AppError, RuntimeError) as exc:
        _fail(getattr(exc, "detail", str(exc)))
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
        _fail("--format must be csv or json.", 2)
    with session_scope(_engine()) as session:
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
    from app.assessments.service import get_by_reference
    from app.db import session_scope
    from app.errors import AppError

    try:
        with session_scope(_engine()) as session:
            assessment = get_by_reference(session, reference)
            from app.archive.service import get_entry

            get_entry(session, assessment.id or 0)
            document = algorithm_register(session, assessment=assessment, settings=_settings())
    except AppError as exc:
        _fail(exc.detail)
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out:
        out.write_text(body, encoding="utf-8")
        err.print(f"Written to {out}.")
    else:
        sys.stdout.write(body)


tokens_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    expires_days: Annotated[
        int | None, typer.Option(help="Valid for this many days (default: no end).")
    ] = None,
) -> None:
    """Make a token; it is printed once and stored only as a hash."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users.tokens import create_token

    try:
        with session_scope(_engine()) as session:
            user = _user_or_fail(session, email)
            _row, token = create_token(session, user=user, name=name, expires_days=expires_days)
    except AppError as exc:
        _fail(exc.detail)
    console.print(token, markup=False, highlight=False)


def _sqlite_path() -> Path | None:
    url = _settings().resolved_database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


PG_HELP = (
    "This database is PostgreSQL: use its own tools, for example\n"
    '  pg_dump --format=custom --file=datawaarden.dump "$DATABASE"\n'
    '  pg_restore --clean --if-exists --dbname="$DATABASE" datawaarden.dump\n'
    "and run `datawaarden archive verify` afterwards."
)


@app.command()
def backup(file: Annotated[Path, typer.Argument(help="Where to write the backup.")]) -> None:
    """A consistent copy of the SQLite database while the app keeps running (online backup)."""
    import sqlite3

    source = _sqlite_path()
    if source is None:
        _fail(PG_HELP, 2)
    if not source.exists():
        _fail(f"There is no database at {source}.")
    if file.exists():
        _fail(f"{file} exists already; choose a new file name.")
    with sqlite3.connect(source) as db, sqlite3.connect(file) as copy:
        db.backup(copy)
    with sqlite3.connect(file) as copy:
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        _fail(f"The backup failed its integrity check: {check}")
    console.print(f"Backup written to {file} ({file.stat().st_size} bytes, integrity ok).")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup made with `datawaarden backup`.")],
    force: Annotated[bool, typer.Option(help="Replace an existing database.")] = False,
) -> None:
    """Put a backup back in place of the SQLite database (stop the app first)."""
    import sqlite3

    target = _sqlite_path()
    if target is None:
        _fail(PG_HELP, 2)
    if not file.is_file():
        _fail(f"There is no backup at {file}.")
    with sqlite3.connect(file) as backup_db:
        try:
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            backup_db.execute("SELECT count(*) FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            check = "not a Datawaarden database"
    if check != "ok":
        _fail(f"{file} is not a usable backup: {check}")
    if target.exists() and not force:
        _fail(f"{target} exists; add --force to replace it (stop the app first).")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(file) as source, sqlite3.connect(target) as db:
        source.backup(db)
    console.print(f"Restored {file} to {target}. Run `datawaarden archive verify` to check it.")


def main() -> None:
    """Entry point of the `datawaarden` command."""
    app()
