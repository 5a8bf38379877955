"""The API's OpenAPI document and interactive documentation, served without any CDN."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.api import v1
from app.web.templating import render

router = APIRouter(include_in_schema=False)
_CACHE: dict[str, Any] = {}


def openapi_document() -> dict[str, Any]:
    """OpenAPI for /api/v1 only; error responses are problem details."""
    if "doc" in _CACHE:
        return _CACHE["doc"]  # type: ignore[no-any-return]
    doc = get_openapi(
        title="Datawaarden API",
        version="1.0.0",
        description=(
            "The same capabilities as the pages, for integrations. Authenticate with a personal API "
            "token (`Authorization: Bearer dw_…`, made on the account page or with `datawaarden tokens "
            "create`); a token acts with its user's roles. Errors are RFC 9457 problem details "
            "(`application/problem+json`) in the language of `Accept-Language`. Lists page with "
            "`limit` and `offset` and report `total`. Assessments carry an ETag; send it as `If-Match` "
            "when saving an answer for a conditional update."
        ),
        routes=v1.router.routes,
    )
    doc.setdefault("components", {}).setdefault("securitySchemes", {})["token"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "a personal API token",
    }
    doc["security"] = [{"token": []}]
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if code[:1] in ("4", "5") and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
    _CACHE["doc"] = doc
    return doc


@router.get("/api/openapi.json")
def openapi_json() -> JSONResponse:
    return JSONResponse(openapi_document())


@router.get("/api/docs")
def docs(request: Request) -> Response:
    return render(request, "api/docs.html", {})
