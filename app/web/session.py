"""The request's unit of work: services flush, this commits once or rolls back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import session_scope


def request_session(request: Request) -> AbstractContextManager[Session]:
    """The unit of work of one request: services flush, it commits once or rolls back. The
    app's `state.sessions` may provide it (the tests put one there that is undone after each
    test); otherwise a `session_scope` on the app's engine."""
    sessions: Callable[[], AbstractContextManager[Session]] | None = getattr(
        request.app.state, "sessions", None
    )
    return sessions() if sessions is not None else session_scope(request.app.state.engine)


def get_session(request: Request) -> Iterator[Session]:
    """The request's session as a dependency (see `request_session`)."""
    with request_session(request) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
