"""One-time messages after a redirect, carried in a signed cookie. Only known message keys are
accepted, so a forged cookie cannot put arbitrary text on a page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.config import get_settings
from app.i18n import N_, LazyString, gettext

FLASH_COOKIE = "dw_flash"

MESSAGES: dict[str, LazyString] = {
    "logged_out": N_("You have been logged out."),
    "user_created": N_("The account of %(name)s has been created."),
    "roles_saved": N_("The roles of %(name)s have been saved."),
    "user_deactivated": N_("The account of %(name)s has been deactivated."),
    "saved": N_("Your changes have been saved."),
}


def _sign(payload: str) -> str:
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, f"flash:{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def register(key: str, message: LazyString) -> None:
    """Let another module add its own flash messages."""
    MESSAGES[key] = message


def flash(response: Response, key: str, *, level: str = "success", **params: Any) -> None:
    """Show a message on the next page."""
    payload = base64.urlsafe_b64encode(
        json.dumps(
            {"k": key, "l": level, "p": {k: str(v)[:200] for k, v in params.items()}}
        ).encode()
    ).decode()
    value = f"{payload}.{_sign(payload)}"
    response.headers.append("Set-Cookie", f"{FLASH_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax")


def read_flash(request: Request) -> dict[str, str] | None:
    """The pending message, translated, or None."""
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _sep, signature = raw.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        message = MESSAGES[data["k"]]
        text = gettext(message.message, **data.get("p", {}))
    except Exception:  # an unreadable or unknown message is simply not shown
        return None
    level = data.get("l") if data.get("l") in ("success", "info", "warning", "error") else "info"
    return {"text": text, "level": level}


def clear_flash(request: Request, response: Response) -> None:
    """Expire the flash cookie once it has been shown."""
    if FLASH_COOKIE in request.cookies:
        response.headers.append(
            "Set-Cookie", f"{FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        )
