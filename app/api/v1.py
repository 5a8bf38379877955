"""The JSON API, version 1: one router per resource, every endpoint calling the same services
as the pages."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import (
    answers,
    archive,
    assessments,
    attachments,
    committee,
    consultations,
    followup,
    questionnaires,
    reports,
)

router = APIRouter()
for resource in (
    questionnaires,
    assessments,
    answers,
    attachments,
    committee,
    followup,
    consultations,
    reports,
    archive,
):
    router.include_router(resource.router)
