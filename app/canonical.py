"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): one byte sequence for one value,
so that anyone can recompute a hash with a standard tool.

RFC 8785 sorts object members by their UTF-16 code units, writes numbers the way ECMAScript
does (``1.0`` is ``1``) and strings as UTF-8 with only the escapes JSON requires. Integers
outside ±(2**53 - 1) cannot be written exactly and are refused (`CanonicalJSONError`)."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

CanonicalJSONError = rfc8785.CanonicalizationError


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 form of a JSON value, as UTF-8 bytes."""
    return rfc8785.dumps(value)


def canonical_json(value: Any) -> str:
    """The RFC 8785 form of a JSON value, as text."""
    return rfc8785.dumps(value).decode("utf-8")


def sha256_hex(data: str | bytes) -> str:
    """SHA-256 of text (UTF-8) or bytes, as lower-case hex."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()
