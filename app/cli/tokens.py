"""`datawaarden tokens`: personal API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import (
    console,
    fail,
    open_engine,
)
from app.cli.users import user_or_fail

tokens_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)


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
        with session_scope(open_engine()) as session:
            user = user_or_fail(session, email)
            _row, token = create_token(session, user=user, name=name, expires_days=expires_days)
    except AppError as exc:
        fail(exc.detail)
    console.print(token, markup=False, highlight=False)
