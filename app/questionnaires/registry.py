"""Loading questionnaire files into the database (filled in by the questionnaire engine)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session


def sync_questionnaires(session: Session, directory: Path) -> list[str]:
    """Load every questionnaire file in the directory; returns the loaded `key vN` names."""
    return []
