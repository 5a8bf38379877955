"""URL helpers."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go to after a form, never another host (no open redirect)."""
    if not target:
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # for example an unclosed IPv6 bracket
        return default
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
