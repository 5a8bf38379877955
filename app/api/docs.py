"""The API's OpenAPI document and interactive documentation, served without any CDN."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.api import v1
from app.api.common import ERRORS, OPERATION_ERRORS
from app.api.schemas import Problem
from app.archive import register_standard
from app.web.templating import render

router = APIRouter(include_in_schema=False)
_CACHE: dict[str, Any] = {}
# Routers outside /api/v1 that belong in the document too (the open data of the public
# register): app.main publishes them, since app.api may not import app.pages.
_PUBLISHED: list[APIRouter] = []


def publish(other: APIRouter) -> None:
    """Describe another router's routes in the OpenAPI document as well (public, no token)."""
    if other not in _PUBLISHED:
        _PUBLISHED.append(other)
        _CACHE.clear()


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
        routes=[*v1.router.routes, *(r for other in _PUBLISHED for r in other.routes)],
    )
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {})["token"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "a personal API token",
    }
    doc["security"] = [{"token": []}]
    schemas = components.setdefault("schemas", {})
    for name, definition in (
        Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        .pop("$defs", {})
        .items()
    ):
        schemas.setdefault(name, definition)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["AlgoritmeregisterEntry"] = register_standard.json_schema()
    register = doc["paths"]["/api/v1/assessments/{assessment_id}/algoritmeregister"]["get"]
    register["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/AlgoritmeregisterEntry"
    }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for url, path in doc.get("paths", {}).items():
        for operation in path.values():
            _document_parameters(operation)
            if not url.startswith("/api/v1/"):
                operation["security"] = []  # open data: for everybody, no token
                _as_problems(operation)
                continue
            _document_errors(operation)
            _document_headers(operation)
    _CACHE["doc"] = doc
    return doc


_HEADER = {
    "ETag": ("the assessment's version; send it as If-Match to save", "string"),
    "Location": ("the new object (an assessment, an attachment's download)", "string"),
    "Retry-After": ("seconds to wait before trying again", "integer"),
    "Content-Disposition": ("attachment, with the file name", "string"),
}
# Response headers per operation and status, besides Retry-After on 429 and 503.
_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "create_assessment": {"201": ("ETag", "Location")},
    "start_reassessment": {"201": ("ETag", "Location")},
    "get_assessment": {"200": ("ETag",)},
    "put_answer": {"200": ("ETag",)},
    "get_report": {"200": ("Content-Disposition",)},
    "add_attachment": {"201": ("Location",)},
    "get_attachment": {"200": ("Content-Disposition",)},
}


def _header(name: str) -> dict[str, Any]:
    description, kind = _HEADER[name]
    return {"description": description, "schema": {"type": kind}}


def _document_errors(operation: dict[str, Any]) -> None:
    """Only the errors the operation can answer, each a problem document."""
    codes = {401, 429, *OPERATION_ERRORS[operation["operationId"]]}
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    responses = operation.setdefault("responses", {})
    for code in [c for c in responses if c[:1] in ("4", "5")]:
        del responses[code]
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERRORS[code]["description"],
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }


def _as_problems(operation: dict[str, Any]) -> None:
    """Errors of a published router: problem documents, like every error of the app."""
    for code, response in operation.get("responses", {}).items():
        if code[:1] in ("4", "5"):
            response["content"] = {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }


def _document_parameters(operation: dict[str, Any]) -> None:
    """An optional parameter is "a string of this format, or null": the format belongs to the
    string, not to the choice (pydantic puts it on the outside)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if schema.get("type") == "integer" and isinstance(schema.get("default"), str):
            # Read as text (for the app's own message on a wrong value), documented as a number.
            text = schema.pop("default")
            if text.isdigit():
                schema["default"] = int(text)
        if "format" in schema and "anyOf" in schema:
            kind = schema.pop("format")
            for branch in schema["anyOf"]:
                if branch.get("type") == "string":
                    branch["format"] = kind


def _document_headers(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for code in ("429", "503"):
        if code in responses:
            responses[code]["headers"] = {"Retry-After": _header("Retry-After")}
    for code, names in _HEADERS.get(operation["operationId"], {}).items():
        responses[code]["headers"] = {name: _header(name) for name in names}


@router.get("/api/openapi.json")
def openapi_json() -> JSONResponse:
    return JSONResponse(openapi_document())


@router.get("/api/docs")
def docs(request: Request) -> Response:
    return render(request, "api/docs.html", {})
