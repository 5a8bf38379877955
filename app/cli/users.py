"""`datawaarden users`: accounts and roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import (
    console,
    fail,
    open_engine,
    read_password,
    settings_or_exit,
)

users_app = typer.Typer(help="Manage accounts and roles.", no_args_is_help=True)


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

    password = read_password(prompt=True)
    try:
        with session_scope(open_engine()) as session:
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
        fail(
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
    with session_scope(open_engine()) as session:
        for user, roles in list_users(session):
            table.add_row(
                user.email, user.name, ", ".join(sorted(roles)), "yes" if user.is_active else "no"
            )
    console.print(table)


def user_or_fail(session, email: str):  # type: ignore[no-untyped-def]
    from app.users.service import get_user_by_email

    user = get_user_by_email(session, email)
    if user is None:
        fail(f"No account with e-mail address {email}.")
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
        with session_scope(open_engine()) as session:
            user = user_or_fail(session, email)
            set_roles(session, user=user, roles=parse_roles(role), actor=None)
            console.print(f"Roles of {user.email}: {', '.join(sorted(role)) or 'none'}.")
    except AppError as exc:
        fail(exc.detail)


@users_app.command("deactivate")
def users_deactivate(email: Annotated[str, typer.Option(help="E-mail address.")]) -> None:
    """Deactivate an account (it is never deleted)."""
    from app.db import session_scope
    from app.users.service import deactivate_user

    with session_scope(open_engine()) as session:
        user = user_or_fail(session, email)
        deactivate_user(session, user=user, actor=None)
        console.print(
            f"Deactivated {user.email}; their sessions have ended and their API tokens are revoked."
        )


@users_app.command("set-password")
def users_set_password(email: Annotated[str, typer.Option(help="E-mail address.")]) -> None:
    """Set a new password, read from a prompt or standard input."""
    from app.db import session_scope
    from app.errors import AppError
    from app.users.service import set_password

    password = read_password(prompt=True)
    try:
        with session_scope(open_engine()) as session:
            user = user_or_fail(session, email)
            set_password(session, user=user, password=password, actor=None)
            console.print(
                f"Password of {user.email} changed; their sessions have ended and their API "
                "tokens are revoked."
            )
    except AppError as exc:
        fail(exc.detail)


@users_app.command("sweep-logins")
def users_sweep_logins() -> None:
    """Write the audit summary of every failed-login window that has closed and forget throttle
    state nobody needs any more. Login attempts do this as they go; run it periodically (for
    example every 15 minutes) so that a quiet system's summaries do not wait."""
    from app.db import session_scope
    from app.users.throttle import sweep

    settings = settings_or_exit()
    with session_scope(open_engine()) as session:
        written = sweep(session, settings=settings)
    noun = "summary" if written == 1 else "summaries"
    console.print(f"{written} {noun} of failed logins written to the audit log.")
