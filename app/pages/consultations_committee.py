"""The consultation of residents as the committee and the lead see it: one page per assessment
where the rapporteur or the chair drafts the public summary, the lead checks and confirms it,
the committee publishes it, reads the reactions and moderates them. Who may do what is decided
in app.consultations; this module only shows it and passes the forms on."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from app.assessments.models import Assessment
from app.assessments.reading import questionnaire_of
from app.config import get_settings
from app.consultations import moderating, outcome, service
from app.consultations.models import Consultation, ConsultationReaction, Moderation
from app.consultations.service import CONSULTABLE_STATES, Capacities, Phase, SummaryInput
from app.deps import (
    CurrentUser,
    ObjectId,
    SessionDep,
    VisibleAssessment,
    current_roles,
)
from app.errors import PermissionDenied
from app.i18n import N_, LazyString, _, get_locale
from app.users.models import Role, User
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()

register(
    "consultation_saved", N_("The draft summary has been saved. The lead is asked to check it.")
)
register("consultation_corrected", N_("Your corrections have been saved."))
register(
    "consultation_confirmed",
    N_("You have confirmed the summary. The committee can now publish it."),
)
register("consultation_published", N_("The consultation is public."))
register("reaction_moderated", N_("The reaction has been saved."))

PHASE_LABELS: dict[str, LazyString] = {
    Phase.draft: N_("Draft, not public"),
    Phase.announced: N_("Announced: residents can react from the start date"),
    Phase.open: N_("Open for reactions"),
    Phase.closed: N_("Closed: the period is over"),
}
MODERATION_LABELS: dict[str, LazyString] = {
    Moderation.new: N_("New, not yet moderated"),
    Moderation.published: N_("Summary published"),
    Moderation.withheld: N_("Weighed, not published"),
}
SUMMARY_FIELDS = ("purpose", "data_used", "questions", "starts_on", "ends_on")
TEXT_MAX = 20000  # the service gives the real limits, with a message at the field


def page_url(assessment: Assessment) -> str:
    return f"/assessments/{assessment.id}/consultation"


def shows_link(session: Session, user: User, roles: Set[Role], assessment: Assessment) -> bool:
    """Whether the assessment's pages link to its consultation: for who has a part in it,
    while the committee reviews, and afterwards when there was one."""
    if not service.capacities(session, user, roles, assessment).any:
        return False
    return (
        assessment.state in CONSULTABLE_STATES
        or service.consultation_of(session, assessment) is not None
    )


def consulted_assessment(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Assessment:
    """The assessment of the path for who may read it and has a part in its consultation."""
    if not service.capacities(session, user, current_roles(request), assessment).any:
        raise PermissionDenied(
            _("Only the committee and the authors of the assessment take part in its consultation.")
        )
    return assessment


ConsultedAssessment = Annotated[Assessment, Depends(consulted_assessment)]


@dataclass(frozen=True)
class Failed:
    """Which form of the page was refused, and what was typed in it."""

    form: str  # "summary", "publish" or "reaction"
    values: dict[str, str]
    reaction_id: int | None = None
    version: int | None = None


def _summary_values(assessment: Assessment, consultation: Consultation | None) -> dict[str, str]:
    if consultation is None:
        suggested = service.suggested_summary(assessment)
        return {name: getattr(suggested, name) for name in SUMMARY_FIELDS}
    return {
        "purpose": consultation.purpose,
        "data_used": consultation.data_used,
        "questions": consultation.questions,
        "starts_on": consultation.starts_on.isoformat(),
        "ends_on": consultation.ends_on.isoformat(),
    }


def _typed(form: SummaryInput, version: int) -> Failed:
    """The summary as typed, and the version it was typed on: after a conflict the form
    keeps the text, and sending it again is refused again until the page is reloaded."""
    return Failed(
        "summary", {name: getattr(form, name) for name in SUMMARY_FIELDS}, version=version
    )


def _reaction_rows(
    reactions: list[ConsultationReaction], value_labels: dict[str, str], failed: Failed | None
) -> list[dict[str, Any]]:
    rows = []
    for r in reactions:
        typed = failed.values if failed and failed.reaction_id == r.id else None
        rows.append(
            {
                "r": r,
                "value": value_labels.get(r.value_id or "", r.value_id or ""),
                "keeps_informed": r.email is not None or r.advice_mailed_at is not None,
                "tags": typed["tags"] if typed else ", ".join(moderating.tags_of(r)),
                "decision": typed["decision"] if typed else r.moderation,
                "public_summary": typed["public_summary"] if typed else r.public_summary,
                "failed": typed is not None,
            }
        )
    return rows


def _page(
    request: Request,
    session: Session,
    user: User,
    assessment: Assessment,
    *,
    refusal: Refusal | None = None,
    failed: Failed | None = None,
) -> Response:
    can: Capacities = service.capacities(session, user, current_roles(request), assessment)
    consultation = service.consultation_of(session, assessment)
    published = consultation is not None and consultation.published_at is not None
    draft = consultation is not None and not published
    consultable = assessment.state in CONSULTABLE_STATES
    values = _summary_values(assessment, consultation)
    if failed and failed.form == "summary":
        values = failed.values
    context: dict[str, Any] = {
        "a": assessment,
        "c": consultation,
        "can": can,
        "phase": service.phase_of(consultation) if consultation else None,
        "phase_labels": PHASE_LABELS,
        "moderation_labels": MODERATION_LABELS,
        "values": values,
        "failed": failed,
        "may_draft": can.manage and consultable and not published,
        "may_check": can.correct and consultable and draft,
        "may_publish": can.manage and consultable and draft,
        "may_moderate": can.manage and assessment.state not in moderating.FROZEN_STATES,
        "consultable": consultable,
        "questions": service.question_lines(consultation) if consultation else [],
        "confirmed_by": session.get(User, consultation.lead_confirmed_by_id)
        if consultation and consultation.lead_confirmed_by_id
        else None,
        "account": outcome.account(session, consultation) if published and consultation else None,
        "deletion_day": outcome.deletion_day(consultation, get_settings())
        if consultation
        else None,
        "reactions": [],
        **(refusal.context() if refusal else {"errors": {}, "form_error": None}),
    }
    if published and consultation and can.read_reactions:
        _version, q = questionnaire_of(session, assessment)
        labels = {v.id: v.label.get(get_locale()) for v in q.values}
        context["value_labels"] = labels
        context["reactions"] = _reaction_rows(
            moderating.reactions_of(session, consultation), labels, failed
        )
    return render(
        request,
        "consultations/manage.html",
        context,
        status_code=refusal.status if refusal else 200,
    )


def _done(assessment: Assessment, key: str, anchor: str = "") -> Response:
    response = RedirectResponse(page_url(assessment) + anchor, status_code=303)
    flash(response, key)
    return response


@router.get(
    "/assessments/{assessment_id}/consultation",
    summary="The consultation of residents: draft, check, publish and the reactions",
)
def consultation_page(
    request: Request, session: SessionDep, user: CurrentUser, assessment: ConsultedAssessment
) -> Response:
    return _page(request, session, user, assessment)


Text = Annotated[str, Form(max_length=TEXT_MAX)]
Day = Annotated[str, Form(max_length=40)]
# A form rendered before there was a consultation carries 0: it cannot overwrite one made since.
Version = Annotated[int, Form(ge=0, le=2**31 - 1)]


@router.post(
    "/assessments/{assessment_id}/consultation",
    summary="Save the draft of the public summary (the rapporteur or the chair)",
)
def save_draft(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: ConsultedAssessment,
    purpose: Text = "",
    data_used: Text = "",
    questions: Text = "",
    starts_on: Day = "",
    ends_on: Day = "",
    version: Version = 0,
) -> Response:
    form = SummaryInput(purpose, data_used, questions, starts_on, ends_on)
    try:
        service.save_draft(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            form=form,
            version=version,
        )
    except REFUSALS as exc:
        typed = _typed(form, version)
        return refused(
            request,
            session,
            exc,
            lambda why: _page(request, session, user, assessment, refusal=why, failed=typed),
        )
    return _done(assessment, "consultation_saved")


@router.post(
    "/assessments/{assessment_id}/consultation/check",
    summary="Correct the draft summary and confirm it (the lead or a co-author)",
)
def check_draft(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: ConsultedAssessment,
    purpose: Text = "",
    data_used: Text = "",
    questions: Text = "",
    starts_on: Day = "",
    ends_on: Day = "",
    version: Version = 0,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = SummaryInput(purpose, data_used, questions, starts_on, ends_on)
    confirmed = confirm == "yes"
    try:
        service.correct_draft(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            form=form,
            version=version,
            confirm=confirmed,
        )
    except REFUSALS as exc:
        typed = _typed(form, version)
        return refused(
            request,
            session,
            exc,
            lambda why: _page(request, session, user, assessment, refusal=why, failed=typed),
        )
    return _done(assessment, "consultation_confirmed" if confirmed else "consultation_corrected")


@router.post(
    "/assessments/{assessment_id}/consultation/publish",
    summary="Publish the consultation once the lead confirmed it (the rapporteur or the chair)",
)
def publish(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: ConsultedAssessment,
    version: Version = 0,
) -> Response:
    try:
        service.publish(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            version=version,
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: _page(
                request, session, user, assessment, refusal=why, failed=Failed("publish", {})
            ),
        )
    return _done(assessment, "consultation_published")


@router.post(
    "/assessments/{assessment_id}/consultation/reactions/{reaction_id}",
    summary="Tag a reaction and decide whether its summary is public (the rapporteur or the chair)",
)
def moderate(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: ConsultedAssessment,
    reaction_id: ObjectId,
    tags: Annotated[str, Form(max_length=TEXT_MAX)] = "",
    decision: Annotated[str, Form(max_length=20)] = "",
    public_summary: Text = "",
    version: Version = 0,
) -> Response:
    try:
        moderating.moderate(
            session,
            assessment=assessment,
            reaction_id=reaction_id,
            actor=user,
            roles=current_roles(request),
            decision=decision,
            tags=tags,
            public_summary=public_summary,
            version=version,
        )
    except REFUSALS as exc:
        typed = Failed(
            "reaction",
            {"tags": tags, "decision": decision, "public_summary": public_summary},
            reaction_id,
        )
        return refused(
            request,
            session,
            exc,
            lambda why: _page(request, session, user, assessment, refusal=why, failed=typed),
            prefix=f"r{reaction_id}-",
        )
    return _done(assessment, "reaction_moderated", f"#reaction-{reaction_id}")
