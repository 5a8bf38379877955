"""Addresses with a NUL character are refused before any route looks at them.

A NUL (``%00``) in a path segment or query parameter means nothing to this application, and
PostgreSQL refuses it in every text comparison, so a lookup by such a value would fail deep in
the database instead of answering "not found". One check here keeps every route safe on both
engines; form and JSON text is cleaned field by field (``app.text``)."""

from __future__ import annotations

from fastapi import Request

from app.errors import InvalidInput
from app.i18n import _


def refuse_nul_characters(request: Request) -> None:
    if "\x00" in request.url.path or "\x00" in request.scope.get("path", ""):
        raise InvalidInput(_("The address contains characters that are not allowed."))
    for key, value in request.query_params.multi_items():
        if "\x00" in key or "\x00" in value:
            raise InvalidInput(_("The address contains characters that are not allowed."))
