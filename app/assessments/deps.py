"""Dependencies that load an assessment and check that the caller may see it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.assessments.models import Assessment
from app.assessments.permissions import ensure_can_view
from app.assessments.service import get_assessment
from app.deps import ObjectId, SessionDep, SettingsDep, current_roles, require_user, resolve_user


def visible_assessment(
    request: Request, session: SessionDep, settings: SettingsDep, assessment_id: ObjectId
) -> Assessment:
    """The assessment of the path, or 404; 403 when the caller may not see it. Looks up the
    logged-in user in the same worker thread (a handler that asks for the assessment before
    the user gets both in one trip)."""
    user = require_user(resolve_user(request, session, settings))
    assessment = get_assessment(session, assessment_id)
    ensure_can_view(session, user, current_roles(request), assessment)
    return assessment


VisibleAssessment = Annotated[Assessment, Depends(visible_assessment)]
