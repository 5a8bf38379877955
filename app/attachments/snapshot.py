"""An answer's attachments in the submission's snapshot (by hash); the signed report embeds
each one the snapshot lists as an associated file (app.reports.render).

Importing this module provides the snapshot's attachments to the lifecycle
(app.assessments.evidence); app.wiring imports it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.assessments import evidence
from app.assessments.models import Assessment
from app.attachments.service import attachments_of_answers


def snapshot_entries(
    session: Session, assessment: Assessment, question_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """What the snapshot records of the attachments of these questions (the visible ones)."""
    current = attachments_of_answers(session, assessment.id or 0)
    return [
        {
            "question_id": qid,
            "filename": a.filename,
            "media_type": a.media_type,
            "size": a.size,
            "sha256": a.sha256,
        }
        for qid in question_ids
        for a in current.get(qid, [])
    ]


evidence.provide(snapshot_entries)
