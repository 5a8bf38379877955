"""The titles of HTTP statuses in the user's language, and the problem types of the API: each
problem details `type` is `{BASE_URL}/problems/{slug}`, a page that explains it (RFC 9457).
The address comes from the configured BASE_URL, never from the request's Host header."""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_, LazyString

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


@dataclass(frozen=True)
class ProblemType:
    status: int
    explanation: LazyString


PROBLEM_TYPES: dict[str, ProblemType] = {
    "bad-request": ProblemType(
        400, N_("The request could not be read. Check the address and the data you sent.")
    ),
    "not-authenticated": ProblemType(
        401,
        N_(
            "You need to log in, or to send a valid API token in the Authorization header, "
            "before you can do this."
        ),
    ),
    "forbidden": ProblemType(
        403,
        N_(
            "Your account is known, but your roles or your part in this assessment do not "
            "allow this action."
        ),
    ),
    "csrf": ProblemType(
        403,
        N_(
            "A form is valid for a limited time and only on the page that showed it. Reload "
            "the page and send the form again."
        ),
    ),
    "not-found": ProblemType(
        404,
        N_("There is nothing at this address, or it is not shared with you."),
    ),
    "conflict": ProblemType(
        409,
        N_(
            "The action does not fit the current state of the object, for example changing an "
            "assessment that has been submitted, or saving over a newer change."
        ),
    ),
    "precondition-failed": ProblemType(
        412,
        N_(
            "The object changed after you read it (its ETag no longer matches). Read it again "
            "and repeat your change."
        ),
    ),
    "invalid-input": ProblemType(
        422,
        N_("Some values are missing or not valid. The errors name each field and what to fix."),
    ),
    "too-large": ProblemType(413, N_("The upload is larger than the limit for this address.")),
    "too-many-requests": ProblemType(
        429,
        N_(
            "Too many attempts in a short time. Wait for the time given in the Retry-After "
            "header and try again."
        ),
    ),
    "busy": ProblemType(
        503,
        N_(
            "Checking files takes memory, so only a few are checked at the same time. Try "
            "again after the time given in the Retry-After header."
        ),
    ),
    "signing-unavailable": ProblemType(
        409,
        N_(
            "The signing certificate is not configured, cannot be read or its password is "
            "wrong. An administrator has to fix this before reports can be signed."
        ),
    ),
    "unavailable": ProblemType(
        503,
        N_(
            "The connection to the database was interrupted. Your last change may not have "
            "been saved; try again in a moment."
        ),
    ),
    "not-ready": ProblemType(
        503,
        N_(
            "This server process cannot serve requests yet: the checks name what failed (the "
            "database or the signing key). A load balancer sends requests to another process "
            "meanwhile."
        ),
    ),
    "storage-full": ProblemType(
        503,
        N_(
            "The server's storage is full, so nothing can be saved now. Nothing was half "
            "saved. An administrator has been alerted through the log; try again later."
        ),
    ),
    "storage-read-only": ProblemType(
        503,
        N_(
            "The server's storage can only be read at the moment (for example during "
            "maintenance), so nothing can be saved. Nothing was half saved; try again later."
        ),
    ),
    "server-error": ProblemType(
        500,
        N_(
            "Something went wrong on our side. The error was logged with the reference given; "
            "mention it when you report the problem."
        ),
    ),
    "http-405": ProblemType(405, N_("This address does not accept this HTTP method.")),
    "http-415": ProblemType(415, N_("This address does not accept this type of content.")),
}


def problem_type_uri(base_url: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/problems/{slug}"
