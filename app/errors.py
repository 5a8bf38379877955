"""One error family for the whole application, mapped by one handler in app.web.handlers."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, LazyString


class AppError(Exception):
    """A refusal the user should see, with a status code and a message in their language."""

    status_code = 400
    slug = "bad-request"
    title: LazyString = N_("The request could not be processed")

    def __init__(
        self,
        detail: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or str(self.title)
        self.fields = fields or {}
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)


class NotAuthenticated(AppError):
    status_code = 401
    slug = "not-authenticated"
    title = N_("Please log in first")


class PermissionDenied(AppError):
    status_code = 403
    slug = "forbidden"
    title = N_("You are not allowed to do this")


class CsrfError(PermissionDenied):
    slug = "csrf"
    title = N_("This form has expired. Reload the page and try again.")


class NotFound(AppError):
    status_code = 404
    slug = "not-found"
    title = N_("This page or item does not exist")


class Conflict(AppError):
    status_code = 409
    slug = "conflict"
    title = N_("This cannot be done in the current state")


class PreconditionFailed(AppError):
    status_code = 412
    slug = "precondition-failed"
    title = N_("The object changed since you read it")


class InvalidInput(AppError):
    status_code = 422
    slug = "invalid-input"
    title = N_("Some of the input is not valid")


class PayloadTooLarge(AppError):
    status_code = 413
    slug = "too-large"
    title = N_("The upload is too large")


class TooManyRequests(AppError):
    status_code = 429
    slug = "too-many-requests"
    title = N_("Too many attempts. Please wait and try again.")
