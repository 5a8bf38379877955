"""The account page where users make and revoke their personal API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.deps import CurrentUser, ObjectId, SessionDep
from app.errors import InvalidInput
from app.i18n import N_, _
from app.text import parse_int
from app.users.tokens import create_token, is_live, revoke_token, tokens_of
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()
register("token_revoked", N_("The token has been revoked."))


def _page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    *,
    new_token: str | None = None,
    values: dict[str, str] | None = None,
    why: Refusal | None = None,
) -> Response:
    return render(
        request,
        "account/tokens.html",
        {
            "tokens": tokens_of(session, user),
            "is_live": is_live,
            "new_token": new_token,
            "values": values or {},
            **(why.context() if why else {"errors": {}}),
        },
        status_code=why.status if why else 200,
    )


@router.get("/account/tokens", summary="Your API tokens")
def tokens_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return _page(request, session, user)


@router.post("/account/tokens", summary="Make an API token")
def make_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=1000)] = "",
    expires_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    days = parse_int(expires_days.strip(), max_digits=5)
    try:
        if expires_days.strip() and days is None:
            message = _("The validity must be between 1 and 3650 days.")
            raise InvalidInput(message, fields={"expires_days": message})
        _row, token = create_token(session, user=user, name=name, expires_days=days)
    except REFUSALS as exc:
        values = {"name": name[:100], "expires_days": expires_days[:10]}
        return refused(
            request, session, exc, lambda why: _page(request, session, user, values=values, why=why)
        )
    # Shown once, on this response only; it is stored hashed.
    return _page(request, session, user, new_token=token)


@router.post("/account/tokens/{token_id}/revoke", summary="Revoke an API token")
def revoke(
    request: Request, session: SessionDep, user: CurrentUser, token_id: ObjectId
) -> Response:
    revoke_token(session, user=user, token_id=token_id)
    response = RedirectResponse("/account/tokens", status_code=303)
    flash(response, "token_revoked")
    return response
