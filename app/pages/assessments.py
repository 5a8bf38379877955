"""Pages for project leads: the dashboard, starting an assessment, its overview, co-authors,
submitting and withdrawing. The section form lives in views_form.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from app.assessments import answering, coauthoring, feedback, lifecycle, reading, reassessing
from app.assessments.models import Assessment, State
from app.assessments.permissions import can_edit, is_author, parties_for
from app.assessments.presenters import support_view
from app.assessments.transitions import EDITABLE_STATES, allowed_actions, state_label
from app.assessments.upgrading import newer_version
from app.config import Settings
from app.deps import (
    CurrentUser,
    ObjectId,
    RequireRole,
    SessionDep,
    SettingsDep,
    VisibleAssessment,
    current_roles,
)
from app.errors import InvalidInput
from app.followup import service as followup
from app.i18n import N_, _, get_locale
from app.pages.consultations_committee import shows_link as shows_consultation
from app.questionnaires.registry import newest_versions
from app.reports.render import verification_path, verification_url
from app.reports.service import latest_report
from app.users.models import Role, User
from app.web.flash import flash, register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()
LeadUser = Annotated[User, Depends(RequireRole(Role.lead))]

register("assessment_created", N_("Assessment %(ref)s has been created."))
register("submitted", N_("Assessment %(ref)s has been submitted to the ethics committee."))
register("withdrawn", N_("The submission of %(ref)s has been withdrawn."))
register("reopened", N_("Assessment %(ref)s is a draft again."))
register(
    "coauthor_added",
    N_(
        "If %(email)s belongs to an active account, that person can now edit this assessment "
        "and has been told so."
    ),
)
register("coauthor_removed", N_("The co-author has been removed."))
register("answer_restored", N_("The earlier answer has been restored."))


@router.get("/assessments", summary="My assessments")
def dashboard(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    assessments = reading.assessments_of_author(session, user)
    standings = answering.standings(session, assessments)
    rows = [
        {"a": a, "state": state_label(a.state), "standing": standings[a.id or 0]}
        for a in assessments
    ]
    return render(
        request,
        "assessments/list.html",
        {"rows": rows, "can_create": Role.lead in current_roles(request)},
    )


def _new_form(
    request: Request,
    session: SessionDep,
    values: dict,
    why: Refusal | None = None,
) -> Response:
    versions = newest_versions(session)
    if not values.get("questionnaire") and versions:
        default = request.app.state.settings.default_questionnaire
        values["questionnaire"] = str(
            next((v.id for v in versions if v.key == default), versions[0].id)
        )
    return render(
        request,
        "assessments/new.html",
        {"versions": versions, "values": values, **(why.context() if why else {"errors": {}})},
        status_code=why.status if why else 200,
    )


@router.get("/assessments/new", summary="Start an assessment")
def new_form(request: Request, session: SessionDep, user: LeadUser) -> Response:
    return _new_form(request, session, {})


@router.post("/assessments/new", summary="Create an assessment")
def create(
    request: Request,
    session: SessionDep,
    user: LeadUser,
    title: Annotated[str, Form(max_length=5000)] = "",
    department: Annotated[str, Form(max_length=5000)] = "",
    description: Annotated[str, Form(max_length=50000)] = "",
    questionnaire: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {
        "title": title,
        "department": department,
        "description": description,
        "questionnaire": questionnaire,
    }
    versions = newest_versions(session)
    chosen = next((v for v in versions if str(v.id) == questionnaire), None)
    try:
        if chosen is None:
            fields = lifecycle.check_details(title, department, description)
            fields["questionnaire"] = _("Choose one of the questionnaires given.")
            raise InvalidInput(fields["questionnaire"], fields=fields)
        assessment = lifecycle.create_assessment(
            session,
            actor=user,
            title=title,
            department=department,
            description=description,
            questionnaire=chosen,
        )
    except REFUSALS as exc:
        return refused(request, session, exc, lambda why: _new_form(request, session, values, why))
    response = RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
    flash(response, "assessment_created", ref=assessment.reference)
    return response


def overview_page(
    request: Request,
    session: Session,
    user: User,
    settings: Settings,
    assessment: Assessment,
    *,
    coauthor_email: str = "",
    why: Refusal | None = None,
) -> Response:
    """The assessment's page; a refused co-author comes back at its field with the address."""
    version, q = reading.questionnaire_of(session, assessment)
    answers = answering.answer_values(session, assessment)
    from app.questionnaires import engine

    ds = engine.decision_support(q, answers)
    parties = parties_for(session, user, current_roles(request), assessment)
    advice = feedback.final_advice(session, assessment)
    signed = assessment.state in (State.signed, State.archived)
    editable = can_edit(session, user, assessment)
    return render(
        request,
        "assessments/overview.html",
        {
            "a": assessment,
            "q": q,
            "version": version,
            "state": state_label(assessment.state),
            "support": support_view(q, ds, get_locale()),
            "completeness": ds.completeness,
            "actions": [a.value for a in allowed_actions(assessment.state, parties)],
            "is_author": is_author(session, user, assessment),
            "is_lead": assessment.lead_id == user.id,
            "authors_may_change": assessment.state in EDITABLE_STATES,
            "coauthors": coauthoring.coauthors(session, assessment),
            "submissions": reading.submissions_of(session, assessment),
            "lead": session.get(User, assessment.lead_id),
            "editable": editable,
            "newer_version": newer_version(session, assessment) if editable else None,
            **feedback.as_the_authors_see_it(session, assessment),
            "advice": advice,
            "follow_up": followup.follow_up(session, assessment) if signed else [],
            "consultation_link": shows_consultation(
                session, user, current_roles(request), assessment
            ),
            "previous": session.get(Assessment, assessment.previous_id)
            if assessment.previous_id
            else None,
            "successor": reassessing.successor_of(session, assessment) if signed else None,
            "can_reassess": reassessing.can_reassess(session, user, assessment),
            "signed": signed,
            "has_report": signed and latest_report(session, assessment) is not None,
            "verify_path": verification_path(assessment.reference),
            "verify_url": verification_url(settings, assessment.reference),
            "coauthor_email": coauthor_email,
            **(why.context() if why else {"errors": {}}),
        },
        status_code=why.status if why else 200,
    )


@router.get("/assessments/{assessment_id}", summary="Assessment overview")
def overview(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    assessment: VisibleAssessment,
) -> Response:
    return overview_page(request, session, user, settings, assessment)


def _redirect_with(assessment_id: ObjectId, key: str, **params: str) -> Response:
    response = RedirectResponse(f"/assessments/{assessment_id}", status_code=303)
    flash(response, key, **params)
    return response


@router.post("/assessments/{assessment_id}/submit", summary="Submit to the committee")
def submit(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    try:
        lifecycle.submit_assessment(session, assessment=assessment, actor=user)
    except REFUSALS as exc:
        from app.pages.sections import review_page

        return refused(
            request,
            session,
            exc,
            lambda why: review_page(request, session, user, assessment, why=why),
        )
    return _redirect_with(assessment.id or 0, "submitted", ref=assessment.reference)


@router.post("/assessments/{assessment_id}/withdraw", summary="Withdraw a submission")
def withdraw(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    lifecycle.withdraw_assessment(session, assessment=assessment, actor=user)
    return _redirect_with(assessment.id or 0, "withdrawn", ref=assessment.reference)


@router.post("/assessments/{assessment_id}/reopen", summary="Continue a withdrawn assessment")
def reopen(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    lifecycle.reopen_assessment(session, assessment=assessment, actor=user)
    return _redirect_with(assessment.id or 0, "reopened", ref=assessment.reference)


@router.post("/assessments/{assessment_id}/coauthors", summary="Add a co-author")
def add_coauthor(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        coauthoring.add_coauthor(session, assessment=assessment, email=email, actor=user)
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: overview_page(
                request,
                session,
                user,
                settings,
                assessment,
                coauthor_email=email[:254],
                why=why.on_field("coauthor"),
            ),
        )
    return _redirect_with(assessment.id or 0, "coauthor_added", email=email.strip()[:254])


@router.post(
    "/assessments/{assessment_id}/coauthors/{user_id}/remove", summary="Remove a co-author"
)
def remove_coauthor(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assessment: VisibleAssessment,
    user_id: ObjectId,
) -> Response:
    coauthoring.remove_coauthor(session, assessment=assessment, user_id=user_id, actor=user)
    return _redirect_with(assessment.id or 0, "coauthor_removed")
