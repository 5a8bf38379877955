"""What the committee says about an assessment, as its authors see it next to their answers.

The committee's package provides it (connected in app.wiring); the assessments' pages ask for
it here, so that the guided form does not depend on the review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.assessments.models import Assessment

Comments = dict[str, list[dict[str, Any]]]
CommentsProvider = Callable[[Session, Assessment], Comments]
_PROVIDERS: list[CommentsProvider] = []


def provide(provider: CommentsProvider) -> None:
    """Register where the comments per question come from (once)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def comments_by_question(session: Session, assessment: Assessment) -> Comments:
    """The committee's comments on each question: author, text and whether resolved."""
    found: Comments = {}
    for provider in _PROVIDERS:
        for question, comments in provider(session, assessment).items():
            found.setdefault(question, []).extend(comments)
    return found
