"""Reading assessments: by id or reference, their questionnaire, their authors' list, their submissions and decision support."""

from __future__ import annotations

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, or_, select

from app.assessments.models import (
    Assessment,
    AssessmentEditor,
    Submission,
)
from app.errors import NotFound
from app.i18n import _
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import definition_by_id, definition_of, note_version_hash
from app.questionnaires.schema import Questionnaire
from app.users.models import User

_VERSIONS = QuestionnaireVersion.__table__  # type: ignore[attr-defined]
_ASSESSMENT_BY_ID = (
    sa_select(Assessment, _VERSIONS.c.sha256)
    .join(_VERSIONS, _VERSIONS.c.id == Assessment.questionnaire_version_id)
    .where(col(Assessment.id) == bindparam("assessment_id"))
)


def uses_version(session: Session, version: QuestionnaireVersion) -> bool:
    """Whether any assessment uses a stored questionnaire version (then it may not change)."""
    count = session.exec(
        select(func.count()).where(Assessment.questionnaire_version_id == version.id)
    ).one()
    return int(count) > 0


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    """An assessment by id, or NotFound."""
    row = session.execute(_ASSESSMENT_BY_ID, {"assessment_id": assessment_id}).first()
    if row is None:
        raise NotFound(_("This assessment does not exist."))
    assessment, sha256 = row
    note_version_hash(session, assessment.questionnaire_version_id, sha256)
    return assessment


def get_by_reference(session: Session, reference: str) -> Assessment:
    found = session.exec(select(Assessment).where(Assessment.reference == reference)).first()
    if found is None:
        raise NotFound(_("This assessment does not exist."))
    return found


def questionnaire_of(
    session: Session, assessment: Assessment
) -> tuple[QuestionnaireVersion, Questionnaire]:
    version = session.get(QuestionnaireVersion, assessment.questionnaire_version_id)
    assert version is not None  # a foreign key guarantees it
    return version, definition_of(version)


def definition_for(session: Session, assessment: Assessment) -> Questionnaire:
    """The questionnaire an assessment is answered against (without loading the version)."""
    return definition_by_id(session, assessment.questionnaire_version_id)


def assessments_of_author(session: Session, user: User) -> list[Assessment]:
    """The assessments a user leads or co-authors, newest change first."""
    coauthored = select(AssessmentEditor.assessment_id).where(AssessmentEditor.user_id == user.id)
    return list(
        session.exec(
            select(Assessment)
            .where(or_(Assessment.lead_id == user.id, col(Assessment.id).in_(coauthored)))
            .order_by(col(Assessment.updated_at).desc())
        ).all()
    )


# --- answers ----------------------------------------------------------------------------------


def submissions_of(session: Session, assessment: Assessment) -> list[Submission]:
    return list(
        session.exec(
            select(Submission)
            .where(Submission.assessment_id == assessment.id)
            .order_by(col(Submission.number))
        ).all()
    )
