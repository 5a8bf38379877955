"""`init`, `serve` and `demo`: set up, serve and show the application."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli.common import (
    console,
    fail,
    open_engine,
    settings_or_exit,
)
from app.config import Settings


def init(
    demo_users: Annotated[
        bool, typer.Option(help="Create demo accounts when there are no users.")
    ] = False,
) -> None:
    """Migrate the database, load the questionnaires and create a development certificate."""
    from app.db import session_scope
    from app.migrate import upgrade_to_head

    settings = settings_or_exit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine()
    upgrade_to_head(engine)
    console.print("Database migrated to the newest schema.")
    from app.questionnaires.registry import sync_questionnaires

    with session_scope(engine) as session:
        try:
            loaded = sync_questionnaires(session, settings.questionnaires_dir)
        except Exception as exc:  # a questionnaire problem is reported, not a traceback
            fail(str(exc))
        console.print(f"Questionnaires loaded: {', '.join(loaded) or 'none'}.")
    if settings.signing_p12 is None:
        from app.reports.pki import ensure_dev_pki

        paths, created = ensure_dev_pki(
            settings.pki_dir, org_name=settings.org_name, base_url=settings.public_url
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


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of worker processes.")] = 1,
) -> None:
    """Start the web application with uvicorn. X-Forwarded-For is believed only from the
    proxies in DATAWAARDEN_TRUSTED_PROXIES."""
    import uvicorn

    from app.logs import logging_config

    settings = settings_or_exit()
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings.resolved_log_format, settings.log_level),
        access_log=False,  # the app writes its own access line, with the request id
        server_header=False,
        **uvicorn_proxy_options(settings),
    )


def uvicorn_proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the client address. Without trusted proxies the address is the
    socket's peer and forwarding headers are ignored (uvicorn on its own would believe them from
    127.0.0.1); with them, X-Forwarded-For and -Proto count only when the peer is one of them,
    and the client is the right-most address in X-Forwarded-For that is not a trusted proxy."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


def demo(
    out: Annotated[Path, typer.Option(help="Where to write the signed PDF.")],
    force: Annotated[
        bool, typer.Option(help="Also run against a database with real data.")
    ] = False,
) -> None:
    """Create a complete example through the real services and write the signed report."""
    from app.demo import open_demo_consultation, run_demo
    from app.errors import AppError
    from app.migrate import upgrade_to_head

    settings = settings_or_exit()
    engine = open_engine()
    upgrade_to_head(engine)
    if settings.signing_p12 is None:
        from app.reports.pki import ensure_dev_pki

        ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.public_url)
    try:
        result = run_demo(engine, settings, force=force)
        consultation_id = open_demo_consultation(engine, settings)
    except AppError as exc:
        fail(exc.detail)
    out.write_bytes(result.report)
    console.print(
        f"Demo assessment {result.reference} signed; report written to {out} (SHA-256 {result.sha256})."
    )
    console.print(
        "A second demo assessment is in review with a consultation of residents, open today: "
        f"{settings.public_url}/consultations/{consultation_id}"
    )
