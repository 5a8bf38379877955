"""The API: questionnaires and their versions."""

from __future__ import annotations

import json

from sqlmodel import col, select

from app.api.common import (
    new_router,
    summary_of,
)
from app.api.deps import ApiUser
from app.api.schemas import (
    QuestionnaireDetail,
    QuestionnaireList,
)
from app.deps import ObjectId, SessionDep
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import find_version

router = new_router()


@router.get(
    "/questionnaires", summary="List questionnaire versions", response_model=QuestionnaireList
)
def list_questionnaires(session: SessionDep, user: ApiUser) -> QuestionnaireList:
    """Every stored questionnaire version, by key and version. New assessments use the newest
    version of a key; an assessment stays on the version it started with."""
    rows = session.exec(
        select(QuestionnaireVersion).order_by(
            col(QuestionnaireVersion.key), col(QuestionnaireVersion.version)
        )
    ).all()
    return QuestionnaireList(items=[summary_of(v) for v in rows])


@router.get(
    "/questionnaires/{key}/versions/{version}",
    summary="A questionnaire version with its definition",
    response_model=QuestionnaireDetail,
)
def get_questionnaire(
    session: SessionDep, user: ApiUser, key: str, version: ObjectId
) -> QuestionnaireDetail:
    """One questionnaire version with its full definition (sections, questions, rules,
    obligations), as the engine reads it, and the SHA-256 that pins it."""
    v = find_version(session, key[:100], version)
    return QuestionnaireDetail(**summary_of(v).model_dump(), definition=json.loads(v.content))


# --- assessments -----------------------------------------------------------------------------
