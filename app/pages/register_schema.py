"""The JSON Schema (2020-12) of /register.json, served at /register.schema.json. A change to
what app.pages.register.public_records publishes must be made here too: the tests validate
the served JSON against this schema."""

from __future__ import annotations

from typing import Any

from app.pages.register_consultation import SCHEMA as CONSULTATION

_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_URL = {"type": "string", "format": "uri"}
_NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}

ADVICE: dict[str, Any] = {
    "type": "object",
    "description": "A published advice of the committee, read from its signed report.",
    "required": [
        "reference",
        "url",
        "title",
        "department",
        "description",
        "outcome",
        "outcome_label",
        "levels",
        "summary",
        "rationale",
        "contact_email",
        "obligations",
        "conditions",
        "date",
        "published",
        "integrity_problem",
    ],
    "properties": {
        "reference": {**_TEXT, "description": "The assessment's reference, e.g. DW-2026-0001."},
        "url": {**_URL, "description": "The advice's page in the public register."},
        "title": _TEXT,
        "department": _TEXT,
        "description": {**_TEXT, "description": "What the use of data is, in plain words."},
        "outcome": {
            "type": "string",
            "description": "The committee's decision (machine value; empty when unreadable).",
        },
        "outcome_label": {**_TEXT, "description": "The decision in Dutch words."},
        "levels": {
            "type": "array",
            "description": "The level per public value, in the questionnaire's order.",
            "items": {
                "type": "object",
                "required": ["value", "level"],
                "properties": {"value": _TEXT, "level": {"type": ["string", "null"]}},
                "additionalProperties": False,
            },
        },
        "summary": _TEXT,
        "rationale": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["value", "text"],
                "properties": {"value": _TEXT, "text": _TEXT},
                "additionalProperties": False,
            },
        },
        "contact_email": {
            "type": "string",
            "description": "The contact address; empty when none (or none that is one) was given.",
        },
        "obligations": {"type": "array", "items": _TEXT},
        "conditions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["number", "text", "due_on"],
                "properties": {
                    "number": {"type": ["integer", "null"]},
                    "text": {"type": ["string", "null"]},
                    "due_on": {"type": ["string", "null"], "format": "date"},
                },
                "additionalProperties": False,
            },
        },
        "date": {**_DATE, "description": "The day the advice was signed."},
        "published": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the advice was made public (RFC 3339).",
        },
        "integrity_problem": {
            "type": "boolean",
            "description": "True when the stored record disagrees with its signed report.",
        },
        "consultation": CONSULTATION,
        "report": {**_URL, "description": "The public edition of the signed report (PDF)."},
        "report_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "report_size": {"type": "integer", "minimum": 0, "description": "The PDF's bytes."},
    },
    "dependentRequired": {
        "report": ["report_sha256", "report_size"],
        "report_sha256": ["report"],
    },
    "additionalProperties": False,
}


def register_schema(schema_url: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_url,
        "title": "Public register of advices of the data ethics committee",
        "description": (
            "The published advices, newest signed first, a page at a time. Follow `links.next` "
            "until it is null to read the whole register."
        ),
        "type": "object",
        "required": [
            "organisation",
            "committee",
            "advices",
            "audit_checkpoint",
            "page",
            "per_page",
            "total",
            "links",
        ],
        "properties": {
            "$schema": _URL,
            "organisation": _TEXT,
            "committee": _TEXT,
            "advices": {"type": "array", "items": {"$ref": "#/$defs/advice"}},
            "audit_checkpoint": {
                "type": ["object", "null"],
                "description": "The newest signed audit checkpoint, or null before the first.",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0, "description": "Advices in the register."},
            "links": {
                "type": "object",
                "required": ["self", "first", "last", "prev", "next"],
                "properties": {
                    "self": _URL,
                    "first": _URL,
                    "last": _URL,
                    "prev": _NULLABLE_URL,
                    "next": _NULLABLE_URL,
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
        "$defs": {"advice": ADVICE},
    }
