"""The titles of HTTP statuses in the user's language, for error pages and problem details."""

from __future__ import annotations

from app.i18n import N_

_STATUS_TITLES = {
    400: N_("The request could not be processed"),
    401: N_("Please log in first"),
    403: N_("You are not allowed to do this"),
    404: N_("This page or item does not exist"),
    405: N_("This action is not possible here"),
    409: N_("This cannot be done in the current state"),
    413: N_("The upload is too large"),
    415: N_("This type of content is not accepted"),
    422: N_("Some of the input is not valid"),
    429: N_("Too many attempts. Please wait and try again."),
    500: N_("Something went wrong on our side"),
    503: N_("The service is briefly unavailable"),
}


def status_title(status: int) -> str:
    """The title of an HTTP status in the user's language (400's for one without its own)."""
    return str(_STATUS_TITLES.get(status, _STATUS_TITLES[400]))
