"""The files attached to the answers, as a submission's snapshot records them. The attachments'
package provides them (connected in app.wiring), so that the lifecycle does not depend on it.

Each entry: {"question_id", "filename", "media_type", "size", "sha256"}, in the order of the
questionnaire's questions and, per question, of attaching."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from app.assessments.models import Assessment

Entries = list[dict[str, Any]]
Provider = Callable[[Session, Assessment, Sequence[str]], Entries]
_PROVIDERS: list[Provider] = []


def provide(provider: Provider) -> None:
    """Register where the attachments of the answers come from (once)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def snapshot_attachments(
    session: Session, assessment: Assessment, question_ids: Sequence[str]
) -> Entries:
    """The current attachments of these questions' answers."""
    found: Entries = []
    for provider in _PROVIDERS:
        found.extend(provider(session, assessment, question_ids))
    return found
