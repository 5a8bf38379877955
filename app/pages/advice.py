"""The committee's advice: drafting it with its conditions, the members' opinions, finalising,
and a new round to correct a final advice."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlmodel import select
from starlette.responses import Response

from app.assessments import reading
from app.assessments.models import Assessment, State
from app.assessments.permissions import parties_for
from app.assessments.transitions import Party
from app.config import Settings
from app.consultations import outcome as consultation_outcome
from app.deps import (
    CurrentUser,
    FormDep,
    SessionDep,
    VisibleAssessment,
    current_roles,
)
from app.errors import InvalidInput
from app.i18n import N_, _
from app.pages.committee import CommitteeUser, back
from app.reports.service import latest_report
from app.reviews import advising
from app.reviews.deliberation import is_private, sees_deliberation
from app.reviews.labels import OUTCOME_LABELS, STANCE_LABELS
from app.text import parse_int
from app.users.models import User
from app.users.service import SESSION_COOKIE
from app.users.stepup import STEP_UP_MAX_AGE, can_step_up, fresh_step_up
from app.web.flash import register
from app.web.forms import REFUSALS, Refusal, refused
from app.web.handlers import wants_json
from app.web.templating import render

router = APIRouter()

register("advice_saved", N_("The draft advice has been saved."))
register("opinion_saved", N_("Your opinion has been recorded."))
register("advice_finalised", N_("The advice is final."))
register("new_round", N_("A new advice round has started; the earlier one is kept."))


def _advice_context(
    session: SessionDep,
    request: Request,
    user: User,
    assessment: Assessment,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the advice page shows; `values` are a refused draft's, as typed."""
    _version, q = reading.questionnaire_of(session, assessment)
    advice = advising.open_advice(session, assessment)
    rounds = advising.advice_rounds(session, assessment)
    parties = parties_for(session, user, current_roles(request), assessment)
    # The committee deliberates in private: others see an advice only once it is final.
    deliberating = sees_deliberation(parties)
    visible_rounds = [r for r in rounds if deliberating or not is_private(r)]
    if values is None:
        values = {
            "outcome": "",
            "summary": "",
            "rationale": {},
            "conditions": [],
            "reassess_on": "",
        }
        if advice is not None:
            values = {
                "outcome": advice.outcome,
                "summary": advice.summary,
                "rationale": json.loads(advice.rationale_json),
                "conditions": [
                    {
                        "text": c.text,
                        "owner": c.owner,
                        "due_on": c.due_on.isoformat() if c.due_on else "",
                        "owner_email": c.owner_email,
                    }
                    for c in advising.conditions_of(session, advice)
                ],
                "reassess_on": advice.reassess_on.isoformat() if advice.reassess_on else "",
            }
    names = {u.id: u.name for u in session.exec(select(User)).all()}
    history = [
        {
            "advice": r,
            "conditions": advising.conditions_of(session, r),
            "opinions": advising.opinions_of(session, r),
            "rationale": json.loads(r.rationale_json),
            "finalised_by": names.get(r.finalised_by_id),
        }
        for r in visible_rounds
    ]
    my_opinion = None
    if advice is not None:
        my_opinion = next(
            (o for o, _name in advising.opinions_of(session, advice) if o.member_id == user.id),
            None,
        )
    committee = bool(parties & {Party.committee, Party.chair})
    report = latest_report(session, assessment)
    consulted = consultation_outcome.sealed_account(session, assessment)
    return {
        "a": assessment,
        "q": q,
        "advice": advice,
        "history": history,
        "values": values,
        "errors": errors or {},
        "outcome_labels": OUTCOME_LABELS,
        "stance_labels": STANCE_LABELS,
        "can_edit": committee
        and assessment.state in (State.submitted, State.in_review, State.advice_drafted)
        and (advice is None or advice.finalised_at is None),
        "can_opine": committee and advice is not None and advice.finalised_at is None,
        "can_finalise": Party.chair in parties
        and advice is not None
        and advice.finalised_at is None
        and assessment.state == State.advice_drafted,
        "can_new_round": Party.chair in parties
        and advice is not None
        and advice.finalised_at is not None
        and assessment.state == State.advice_drafted,
        "my_opinion": my_opinion,
        "report": report,
        "can_sign": Party.chair in parties
        and advice is not None
        and advice.finalised_at is not None
        and assessment.state == State.advice_drafted,
        # Nobody adds a second signature to a report they signed first (the service refuses).
        "can_cosign": committee
        and assessment.state in (State.signed, State.archived)
        and (report is None or report.signed_by_id != user.id),
        "signed_by_me": report is not None and report.signed_by_id == user.id,
        "step_up": _step_up_context(session, request, user, assessment),
        # A published consultation: the advice says how the committee weighed the reactions.
        "consultation": None
        if consulted is None
        else {
            "key": consultation_outcome.WEIGHING_KEY,
            "reactions": consulted["reactions"],
            "url": f"/assessments/{assessment.id}/consultation",
        },
    }


def _step_up_context(
    session: SessionDep, request: Request, user: User, assessment: Assessment
) -> dict[str, Any] | None:
    """For an account of the sign-in service: the button that confirms who they are there
    (instead of the password field), and whether this session has a fresh confirmation."""
    settings: Settings = request.app.state.settings
    if not can_step_up(user, settings):
        return None
    provider = settings.oidc_provider_name.strip()
    token = request.cookies.get(SESSION_COOKIE, "")
    return {
        "label": _("Confirm who you are at %(provider)s", provider=provider)
        if provider
        else _("Confirm who you are at the sign-in service"),
        "fresh": fresh_step_up(session, user=user, session_token=token) is not None,
        "next": f"/committee/assessments/{assessment.id}/advice",
        "minutes": int(STEP_UP_MAX_AGE.total_seconds() // 60),
    }


# What a refused proof of identity names in the error summary: the password field of the form
# ("sign-password", "cosign-password") or the button that confirms at the sign-in service.
_PROOF_FIELDS = ("password", "reauthenticate")


def is_refused_proof(request: Request, exc: InvalidInput) -> bool:
    """Whether a signature from the page was refused because the signer did not prove it is
    them (a mistyped password, no fresh confirmation at the sign-in service): the page shows
    the form again. A client that asks for JSON gets the problem details as for any error."""
    return any(name in exc.fields for name in _PROOF_FIELDS) and not wants_json(request)


def signing_refused(
    request: Request,
    session: SessionDep,
    user: User,
    assessment: Assessment,
    exc: InvalidInput,
    *,
    form: str,
) -> Response:
    """The advice page again, with the signing form (`form`: "sign" or "cosign") and the reason
    next to its field, as a 422: the signer corrects it and signs again."""
    if "password" in exc.fields:
        errors = {f"{form}-password": exc.fields["password"]}
    else:
        errors = {"step-up": exc.fields["reauthenticate"]}
    context = _advice_context(session, request, user, assessment, errors=errors)
    context["form_error"] = (
        _("The report has not been signed.")
        if form == "sign"
        else _("Your signature has not been added.")
    )
    return render(request, "reviews/advice.html", context, status_code=422)


def _advice_again(
    request: Request,
    session: SessionDep,
    user: User,
    assessment: Assessment,
    why: Refusal,
    *,
    values: dict[str, Any] | None = None,
    opinion: dict[str, str] | None = None,
) -> Response:
    """The advice page again with the refused form: the draft advice (`values`) or the
    opinion (`opinion`, its fields named "opinion-…") as typed, the messages at their fields."""
    context = _advice_context(session, request, user, assessment, values=values)
    context.update(why.context())
    if opinion is not None:
        context["opinion_values"] = opinion
    return render(request, "reviews/advice.html", context, status_code=why.status)


@router.get("/committee/assessments/{assessment_id}/advice", summary="The committee's advice")
def advice_page(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    return render(
        request, "reviews/advice.html", _advice_context(session, request, user, assessment)
    )


@router.post("/committee/assessments/{assessment_id}/advice", summary="Save the draft advice")
def save_advice(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    form: FormDep,
) -> Response:
    _version, q = reading.questionnaire_of(session, assessment)

    def text(name: str) -> str:
        value = form.get(name)
        return value[:60000] if isinstance(value, str) else ""

    conditions = []
    count = min(parse_int(text("condition_rows"), default=0) or 0, 100)
    for index in range(count):
        conditions.append(
            advising.ConditionInput(
                text(f"condition-{index}-text"),
                text(f"condition-{index}-owner"),
                text(f"condition-{index}-due"),
                text(f"condition-{index}-email"),
            )
        )
    rationale = {v.id: text(f"rationale-{v.id}") for v in q.values}
    weighing = text(f"rationale-{consultation_outcome.WEIGHING_KEY}")
    if weighing:
        rationale[consultation_outcome.WEIGHING_KEY] = weighing
    outcome, summary, reassess_on = text("outcome"), text("summary"), text("reassess_on")
    values: dict[str, Any] = {
        "outcome": outcome,
        "summary": summary,
        "rationale": rationale,
        "conditions": [
            {"text": c.text, "owner": c.owner, "due_on": c.due_on, "owner_email": c.owner_email}
            for c in conditions
        ],
        "reassess_on": reassess_on,
    }
    try:
        advising.save_advice(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            outcome=outcome,
            summary=summary,
            rationale=rationale,
            conditions=conditions,
            reassess_on=reassess_on,
        )
    except REFUSALS as exc:
        return refused(
            request,
            session,
            exc,
            lambda why: _advice_again(request, session, user, assessment, why, values=values),
        )
    return back(f"/committee/assessments/{assessment.id}/advice", "advice_saved")


@router.post(
    "/committee/assessments/{assessment_id}/opinion", summary="Record your opinion on the advice"
)
def opinion(
    request: Request,
    session: SessionDep,
    user: CommitteeUser,
    assessment: VisibleAssessment,
    stance: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    try:
        advising.record_opinion(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            stance=stance,
            note=note,
        )
    except REFUSALS as exc:
        chosen = {"stance": stance, "note": note}
        return refused(
            request,
            session,
            exc,
            lambda why: _advice_again(request, session, user, assessment, why, opinion=chosen),
            prefix="opinion-",
        )
    return back(f"/committee/assessments/{assessment.id}/advice#opinions", "opinion_saved")


@router.post(
    "/committee/assessments/{assessment_id}/advice/finalise", summary="Finalise the advice (chair)"
)
def finalise(
    request: Request, session: SessionDep, user: CommitteeUser, assessment: VisibleAssessment
) -> Response:
    try:
        advising.finalise_advice(
            session, assessment=assessment, actor=user, roles=current_roles(request)
        )
    except InvalidInput as exc:
        # Only the consultation's rule refuses a finalising like this: its message shows at
        # the field where the committee says how it weighed the reactions.
        return refused(
            request,
            session,
            exc,
            lambda why: _advice_again(request, session, user, assessment, why),
        )
    return back(f"/committee/assessments/{assessment.id}/advice", "advice_finalised")


@router.post(
    "/committee/assessments/{assessment_id}/advice/new-round",
    summary="Start a new advice round (chair)",
)
def new_round(
    request: Request, session: SessionDep, user: CommitteeUser, assessment: VisibleAssessment
) -> Response:
    advising.start_new_round(
        session, assessment=assessment, actor=user, roles=current_roles(request)
    )
    return back(f"/committee/assessments/{assessment.id}/advice", "new_round")
