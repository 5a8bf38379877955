"""A fingerprint of the section steps and the decision-support panel as a page shows them.
The page carries it in the form; an autosave sends the panel again only when it differs."""

from __future__ import annotations

import hashlib
from typing import Any


def shown_digest(steps: list[dict[str, Any]], support: dict[str, Any]) -> str:
    """A fingerprint of the section steps and the decision-support panel as shown. The page
    carries it in the form; an autosave sends the panel again only when it differs."""
    return hashlib.blake2b(repr((steps, support)).encode(), digest_size=12).hexdigest()
