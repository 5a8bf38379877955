"""A refused form comes back as its own page, one rule for every HTML form.

When a service refuses what a form sent (InvalidInput: 422; a move the state does not allow,
Conflict: 409; a file too large: 413), the handler shows the same page again with the user's
input, each message next to its field and an error summary that takes focus
(templates/_macros/forms.html), or, for htmx, the form's fragment with its errors. Clients that
ask for JSON get the problem details as for any error (app.web.handlers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.errors import AppError, Conflict, InvalidInput, PayloadTooLarge
from app.web.handlers import wants_json

# What a form's page shows again; anything else (not allowed, not found) is the error page.
REFUSALS = (InvalidInput, Conflict, PayloadTooLarge)


@dataclass(frozen=True)
class Refusal:
    """Why a form was refused: the status, the message for the whole form and one per field
    (by the field's name, in the form's order)."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: AppError, *, prefix: str = "") -> Refusal:
        """`prefix` names the fields of one form among several on a page ("opinion-")."""
        fields = {prefix + name: message or exc.detail for name, message in exc.fields.items()}
        return cls(exc.status_code, exc.detail, fields)

    @property
    def form_error(self) -> str | None:
        """The message above the summary's links, unless one of them says it already."""
        return None if self.detail in self.fields.values() else self.detail

    def message_for(self, name: str) -> str:
        """The message for a form of one field: the field's own, or the whole form's."""
        return self.fields.get(name) or self.detail

    def on_field(self, name: str) -> Refusal:
        """The refusal of a form of one field, its message next to that field."""
        return Refusal(self.status, self.detail, {name: self.message_for(name)})

    def context(self) -> dict[str, object]:
        """What the templates read: `errors` per field and `form_error` for the form."""
        return {"errors": self.fields, "form_error": self.form_error}


def together(*problems: AppError | None) -> AppError | None:
    """The refusals of several fields as one, so that the form says all of them at once: the
    first one's kind and message, every field's message."""
    found = [p for p in problems if p is not None]
    if not found:
        return None
    fields = {name: text for p in found for name, text in p.fields.items()}
    return type(found[0])(found[0].detail, fields=fields)


def refused(
    request: Request,
    session: Session | None,
    exc: AppError,
    again: Callable[[Refusal], Response],
    *,
    prefix: str = "",
) -> Response:
    """Undo the request's changes and let `again` show the form with the refusal."""
    if wants_json(request):
        raise exc
    if session is not None:
        session.rollback()
    return again(Refusal.of(exc, prefix=prefix))
