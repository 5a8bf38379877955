"""What the register publishes of a consultation of residents (app.reports.consulted, read
from the signed report, never from the database): the JSON Schema of it. It holds no
respondent's name, address or words: only the period, counts, themes, the committee's own
anonymous summaries and its response."""

from __future__ import annotations

from typing import Any

from app.reports.consulted import consultation_view

__all__ = ["SCHEMA", "consultation_view"]

_TEXT = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}

# The part of the register's JSON Schema (app.pages.register_schema) for `consultation`.
SCHEMA: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "The consultation of residents before the advice, as the signed report "
    "holds it (null when there was none). It names no respondent.",
    "required": ["starts_on", "ends_on", "reactions", "by_value", "themes", "summaries"],
    "properties": {
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"},
        "reactions": _COUNT,
        "by_value": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["value", "reactions"],
                "properties": {"value": _TEXT, "reactions": _COUNT},
                "additionalProperties": False,
            },
        },
        "themes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["theme", "reactions"],
                "properties": {"theme": _TEXT, "reactions": _COUNT},
                "additionalProperties": False,
            },
        },
        "summaries": {
            "type": "array",
            "description": "The committee's anonymous summaries of reactions it published.",
            "items": {
                "type": "object",
                "required": ["value", "text"],
                "properties": {"value": {"type": ["string", "null"]}, "text": _TEXT},
                "additionalProperties": False,
            },
        },
        "response": {**_TEXT, "description": "How the committee weighed the reactions."},
    },
    "additionalProperties": False,
}
