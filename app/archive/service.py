"""The archive: signed assessments are archived and can no longer change."""

from __future__ import annotations

from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import State
from app.assessments.transitions import Action, Party
from app.users.models import User


def archive_after_signing(session: Session, *, assessment_id: int, actor: User) -> None:
    """Archive a signed assessment straight away: the application does it on behalf of the
    chair who signed, recorded as an automatic move."""
    assessment = assessments.get_assessment(session, assessment_id)
    if assessment.state == State.signed:
        assessments.move(
            session,
            assessment=assessment,
            action=Action.archive,
            actor=actor,
            parties={Party.system},
            note="automatic after signing",
        )
