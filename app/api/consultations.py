"""The API: the consultation of residents on an assessment, read-only (the same rules as the
consultation page, app.consultations). The committee's members read the reactions; the lead
and co-authors see the summary and the public account. No e-mail address is ever given out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import Request
from pydantic import BaseModel, Field

from app.api.common import new_router
from app.api.deps import ApiUser
from app.assessments import reading
from app.assessments.permissions import ensure_can_view
from app.config import get_settings
from app.consultations import moderating, outcome, service
from app.deps import ObjectId, SessionDep, current_roles
from app.errors import PermissionDenied
from app.i18n import _

router = new_router()

PhaseName = Literal["draft", "announced", "open", "closed"]
ModerationName = Literal["new", "published", "withheld"]


class ThemeOut(BaseModel):
    theme: str
    reactions: int


class SummaryOut(BaseModel):
    value: str | None = Field(description="The core value it concerns (a value id), if any")
    text: str = Field(description="The committee's anonymous summary, as published")


class AccountOut(BaseModel):
    reactions: int
    by_value: dict[str, int] = Field(description="Reactions per core value (value id)")
    themes: list[ThemeOut]
    summaries: list[SummaryOut]


class ReactionOut(BaseModel):
    id: int
    received_at: datetime
    value: str | None
    text: str | None = Field(description="Empty once deleted after the retention period")
    name: str | None = Field(description="Empty when not given or deleted")
    keeps_informed: bool = Field(description="Whether the respondent asked for the final advice")
    moderation: ModerationName
    themes: list[str]
    public_summary: str
    version: int
    personal_data_deleted_at: datetime | None


class ConsultationOut(BaseModel):
    id: int
    phase: PhaseName
    starts_on: date
    ends_on: date
    purpose: str
    data_used: str
    questions: list[str]
    lead_confirmed_at: datetime | None
    published_at: datetime | None
    public_url: str | None = Field(description="The residents' page, once published")
    personal_data_deleted_on: date = Field(
        description="The day the respondents' personal data is deleted"
    )
    version: int = Field(description="Changes on the page are compare-and-set on it")
    account: AccountOut | None = Field(description="The public account, once published")
    reactions: list[ReactionOut] | None = Field(
        description="For members of the committee only (null for the authors)"
    )


@router.get(
    "/assessments/{assessment_id}/consultation",
    summary="The consultation of residents on an assessment",
    response_model=ConsultationOut,
)
def get_consultation(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> ConsultationOut:
    """The public summary, its period and phase, the public account and, for members of the
    committee, the reactions. 404 while there is none."""
    roles = current_roles(request)
    a = reading.get_assessment(session, assessment_id)
    ensure_can_view(session, user, roles, a)
    can = service.capacities(session, user, roles, a)
    if not can.any:
        raise PermissionDenied(
            _("Only the committee and the authors of the assessment take part in its consultation.")
        )
    c = service.get_consultation_or_404(session, a)
    settings = get_settings()
    published = c.published_at is not None
    account = outcome.account(session, c) if published else None
    reactions = None
    if can.read_reactions:
        reactions = [
            ReactionOut(
                id=r.id or 0,
                received_at=r.created_at,
                value=r.value_id,
                text=r.body,
                name=r.name,
                keeps_informed=r.email is not None or r.advice_mailed_at is not None,
                moderation=r.moderation,  # type: ignore[arg-type]
                themes=moderating.tags_of(r),
                public_summary=r.public_summary,
                version=r.version,
                personal_data_deleted_at=r.personal_data_deleted_at,
            )
            for r in moderating.reactions_of(session, c)
        ]
    return ConsultationOut(
        id=c.id or 0,
        phase=service.phase_of(c).value,  # type: ignore[arg-type]
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        purpose=c.purpose,
        data_used=c.data_used,
        questions=service.question_lines(c),
        lead_confirmed_at=c.lead_confirmed_at,
        published_at=c.published_at,
        public_url=f"{settings.public_url}/consultations/{c.id}" if published else None,
        personal_data_deleted_on=outcome.deletion_day(c, settings),
        version=c.version,
        account=AccountOut(
            reactions=account["reactions"],
            by_value=account["by_value"],
            themes=[ThemeOut(theme=t, reactions=n) for t, n in account["themes"]],
            summaries=[SummaryOut(**s) for s in account["summaries"]],
        )
        if account
        else None,
        reactions=reactions,
    )
