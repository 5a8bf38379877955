"""Checking the files a report embeds as evidence: each attachment its signed snapshot lists
must be embedded under its name (app.reports.sealed.evidence_name) with bytes that hash to the
SHA-256 listed.

Read only from a file whose signatures hold (or from the archive's own bytes), and from the
revision the first signature signed. Evidence may be far larger than the JSON documents (up to
the limit per assessment), so it does not draw on the verification's allowance of inflated
bytes: each file is inflated incrementally, hashed as it goes and never held whole, and never
beyond the size the signed snapshot lists for it (a byte more and it is "altered")."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from app.reports.sealed import evidence_entries, evidence_name
from app.reports.verdict import EvidenceCheck

CHUNK = 1024 * 1024
# The largest file a snapshot could list: far above any limit an installation sets.
MAX_FILE = 4 * 1024 * 1024 * 1024


def check_evidence(names: list[Any], snapshot: bytes | None) -> list[EvidenceCheck]:
    """Each file the snapshot lists, found (or not) among the embedded files `names` (the
    /EmbeddedFiles name array: a name, then its file specification)."""
    try:
        parsed = json.loads(snapshot) if snapshot is not None else None
    except ValueError:
        return []  # the snapshot's own problem, said elsewhere
    specs: dict[str, Any] = {}
    for index in range(0, len(names) - 1, 2):
        specs.setdefault(str(names[index]), names[index + 1])
    found = []
    listed = evidence_entries(parsed if isinstance(parsed, dict) else None)
    for number, entry in enumerate(listed, start=1):
        name = evidence_name(number, entry)
        spec = specs.get(name)
        found.append(
            EvidenceCheck(
                number,
                name,
                str(entry.get("filename")),
                str(entry.get("question_id")),
                str(entry.get("sha256")),
                "missing" if spec is None else _compare(spec, entry),
            )
        )
    return found


def _compare(spec: Any, entry: dict[str, Any]) -> str | None:
    size = entry.get("size")
    if not isinstance(size, int) or not 0 <= size <= MAX_FILE:
        return "altered"
    try:
        stream = spec.get_object()["/EF"]["/F"].get_object()
        digest = _digest(stream, size)
    except Exception as exc:  # a damaged file specification or stream
        return type(exc).__name__
    # None: longer than listed, or damaged compressed data
    return None if digest is not None and digest == entry.get("sha256") else "altered"


def _digest(stream: Any, size: int) -> str | None:
    """The SHA-256 of the stream's decoded bytes if they are at most `size` long."""
    filters = stream.get("/Filter")
    if filters is not None and not isinstance(filters, str):
        filters = list(filters)
        filters = filters[0] if len(filters) == 1 else filters
    encoded = stream.encoded_data
    hasher = hashlib.sha256()
    if filters is None:
        if len(encoded) > size:
            return None
        hasher.update(encoded)
        return hasher.hexdigest()
    if filters != "/FlateDecode" or stream.get("/DecodeParms") is not None:
        raise ValueError(f"filter {filters}")
    inflater = zlib.decompressobj()
    pending = bytes(encoded)
    total = 0
    try:
        while True:
            out = inflater.decompress(pending, min(CHUNK, size + 1 - total))
            total += len(out)
            if total > size:
                return None
            hasher.update(out)
            pending = inflater.unconsumed_tail
            if inflater.eof or not (pending or out):
                break
    except zlib.error:
        return None
    return hasher.hexdigest()
