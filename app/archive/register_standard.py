"""The Algoritmeregister publication standard 1.0 as the register itself checks it.

The register's own field configuration (standards/algoritmeregister/v1_0.json, copied unchanged
from the register's source with its attribution) says per field: the type, whether it is
required, the permitted values, the maximum length counted on the text without HTML, and which
HTML tags are allowed. `findings` checks a document the way the register's upload API does and
describes every violation; it never raises on what it is given."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from app.i18n import _

CONFIG_FILE = Path(__file__).resolve().parent / "standards" / "algoritmeregister" / "v1_0.json"


@cache
def configuration() -> dict[str, dict[str, Any]]:
    """The fields of the standard, by key."""
    fields: dict[str, dict[str, Any]] = json.loads(CONFIG_FILE.read_text("utf-8"))["properties"]
    return fields


def permitted_values(field: str) -> tuple[str, ...]:
    return tuple(configuration().get(field, {}).get("permitted_values") or ())


def max_length(field: str, item_field: str | None = None) -> int | None:
    spec = configuration().get(field, {})
    if item_field is not None:
        spec = (spec.get("items") or {}).get(item_field, {})
    limit = spec.get("max_length")
    return limit if isinstance(limit, int) else None


def _is_required(spec: dict[str, Any]) -> bool:
    # The configuration writes one flag as the string "false".
    flag = spec.get("required", False)
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(value: str) -> tuple[str, list[str]]:
    """The text of a value without its HTML (entities decoded), and the tags it uses."""
    reader = _Reader()
    reader.feed(value)
    reader.close()
    return "".join(reader.text), reader.tags


def text_length(value: str) -> int:
    """The length the register counts: the text without HTML."""
    return len(read_html(value)[0])


@dataclass(frozen=True)
class Finding:
    field: str  # the key, for a grouping with its item: impacttoetsen_grouping[1].title
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _check_string(path: str, value: Any, spec: dict[str, Any]) -> list[Finding]:
    if not isinstance(value, str):
        return [Finding(path, _("must be text"))]
    found = []
    text, tags = read_html(value)
    limit = spec.get("max_length")
    if isinstance(limit, int) and len(text) > limit:
        found.append(
            Finding(
                path,
                _(
                    "is %(length)d characters long without HTML; at most %(limit)d are allowed",
                    length=len(text),
                    limit=limit,
                ),
            )
        )
    allowed = spec.get("allowed_html_tags")
    if allowed is not None:
        wrong = sorted({t for t in tags if t not in allowed})
        if wrong:
            found.append(
                Finding(
                    path,
                    _(
                        "uses HTML tags that are not allowed: %(tags)s (allowed: %(allowed)s)",
                        tags=", ".join(wrong),
                        allowed=", ".join(allowed),
                    ),
                )
            )
    return found


def _not_permitted(path: str, value: Any) -> Finding:
    if not isinstance(value, str):
        return Finding(path, _("must be one of the permitted values"))
    return Finding(path, _("'%(value)s' is not one of the permitted values", value=value[:100]))


def _check_field(path: str, value: Any, spec: dict[str, Any]) -> list[Finding]:
    kind = spec.get("type")
    permitted = spec.get("permitted_values")
    if kind == "enum":
        if not isinstance(value, str) or value not in (permitted or ()):
            return [_not_permitted(path, value)]
        return []
    if kind == "array":
        if not isinstance(value, list):
            return [Finding(path, _("must be a list"))]
        found: list[Finding] = []
        items = spec.get("items")
        for n, element in enumerate(value[:1000]):
            where = f"{path}[{n}]"
            if isinstance(items, dict):
                found += _check_object(where, element, items)
            elif permitted is not None:
                if not isinstance(element, str) or element not in permitted:
                    found.append(_not_permitted(where, element))
            elif not isinstance(element, str):
                found.append(Finding(where, _("must be text")))
        return found
    return _check_string(path, value, spec)


def _check_object(path: str, value: Any, fields: dict[str, dict[str, Any]]) -> list[Finding]:
    prefix = f"{path}." if path else ""
    if not isinstance(value, dict):
        return [Finding(path or "document", _("must be an object with named fields"))]
    found = []
    for key in value:
        if key not in fields:
            found.append(Finding(f"{prefix}{key}"[:200], _("is not a field of the standard")))
    for key, spec in fields.items():
        if key not in value or _missing(value[key]):
            if _is_required(spec):
                found.append(Finding(f"{prefix}{key}", _("is required")))
            continue
        found += _check_field(f"{prefix}{key}", value[key], spec)
    return found


def findings(document: Any) -> list[Finding]:
    """Everything in the document the register's upload API would refuse; empty when it fits."""
    try:
        return _check_object("", document, configuration())
    except RecursionError:  # pragma: no cover - the document is nested far beyond the standard
        return [Finding("document", _("is nested too deeply"))]


def _field_schema(spec: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": spec.get("title", "")}
    if spec.get("help_text"):
        schema["description"] = spec["help_text"]
    limit = spec.get("max_length")
    if isinstance(limit, int):
        # Counted without HTML, as the register counts: not a JSON Schema maxLength.
        note = f"at most {limit} characters, not counting HTML"
        schema["description"] = f"{schema.get('description', '')} ({note})".strip()
    values = list(spec.get("permitted_values") or ())
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items")
        if isinstance(items, dict) and items:
            schema.update(type="array", items=_object_schema(items))
        else:
            item: dict[str, Any] = {"type": "string"}
            if values:
                item["enum"] = values
            schema.update(type="array", items=item)
    else:
        schema["type"] = "string"
        if values:
            schema["enum"] = values
    return schema


def _object_schema(fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {key: _field_schema(spec) for key, spec in fields.items()},
        "required": [key for key, spec in fields.items() if _is_required(spec)],
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """The standard's fields as a JSON Schema (for the OpenAPI document), derived from the
    vendored configuration so that there is one copy of the field rules; `findings` also checks
    what a schema cannot say (lengths without HTML, the allowed tags)."""
    schema = _object_schema(configuration())
    schema["title"] = "AlgoritmeregisterEntry"
    schema["description"] = (
        "An entry of the national Algoritmeregister, publication standard 1.0 (the register's "
        "own field configuration, vendored in app/archive/standards/algoritmeregister)."
    )
    return schema
