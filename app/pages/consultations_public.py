"""The public side of a consultation: residents read what a proposed data project is about
and react, without an account. Nothing a respondent wrote (name, e-mail, reaction) is shown
on any of these pages; only the committee's own anonymous summaries are, escaped."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.archive.models import ArchiveEntry
from app.assessments import reading
from app.assessments.models import Assessment
from app.assessments.presenters import support_view_from_snapshot
from app.config import Settings
from app.consultations import outcome, responding, service
from app.consultations.models import Consultation
from app.consultations.service import Phase
from app.deps import CurrentUserOptional, ObjectId, SessionDep, SettingsDep
from app.errors import TooManyRequests
from app.i18n import get_locale
from app.pages.users import client_address
from app.questionnaires.schema import Questionnaire
from app.reviews.common import latest_submission
from app.web.forms import REFUSALS, Refusal, refused
from app.web.templating import render

router = APIRouter()

# A form field may be longer than the rule allows, so that the rule says so at the field
# (FastAPI's own limit would answer with a bare error page); the middleware caps the body.
FORM_SLACK = 50_000


def _values(q: Questionnaire) -> list[tuple[str, str]]:
    """The questionnaire's core values as (id, label) in the reader's language."""
    locale = get_locale()
    return [(v.id, v.label.get(locale)) for v in q.values]


def _judgement(session: SessionDep, assessment: Assessment, q: Questionnaire) -> dict[str, Any]:
    """Levels per value and the obligations' names, from the latest submission (a consultation
    is only opened on a submitted assessment): nothing of the answers, notes or reasons."""
    submission = latest_submission(session, assessment)
    view = support_view_from_snapshot(q, json.loads(submission.snapshot_json), get_locale())
    return {
        "values": [
            {"label": v["label"], "level": v["level"], "level_label": v["level_label"]}
            for v in view["values"]
        ],
        "obligations": [o["title"] for o in view["obligations"]],
    }


def _advice_url(session: SessionDep, assessment: Assessment) -> str | None:
    """The advice's page in the transparency register, once it is there."""
    entry = session.get(ArchiveEntry, assessment.id)
    return f"/register/{assessment.reference}" if entry is not None and entry.is_public else None


def _period(consultation: Consultation, phase: Phase) -> dict[str, Any]:
    return {
        "phase": phase.value,
        "starts_on": consultation.starts_on,
        "ends_on": consultation.ends_on,
    }


def _page(
    request: Request,
    session: SessionDep,
    settings: Settings,
    consultation: Consultation,
    assessment: Assessment,
    *,
    refusal: Refusal | None = None,
    typed: responding.ReactionInput | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    phase = service.phase_of(consultation)
    _version, q = reading.questionnaire_of(session, assessment)
    values = _values(q)
    account = outcome.account(session, consultation)
    labels = dict(values)
    summaries = [
        {"value": labels.get(s["value"] or "", ""), "text": s["text"]} for s in account["summaries"]
    ]
    context: dict[str, Any] = {
        "c": consultation,
        "a": assessment,
        "period": _period(consultation, phase),
        "is_open": phase == Phase.open,
        "questions": service.question_lines(consultation),
        "judgement": _judgement(session, assessment, q),
        "values": values,
        "reactions": account["reactions"],
        "advice_url": _advice_url(session, assessment),
        "summaries": summaries,
        "typed": typed or responding.ReactionInput(body=""),
        "body_max": responding.BODY_MAX,
        "name_max": responding.NAME_MAX,
        "email_max": responding.EMAIL_MAX,
        "links_max": responding.LINKS_MAX,
        **(refusal.context() if refusal else {"errors": {}, "form_error": None}),
    }
    return render(
        request,
        "consultations/public_page.html",
        context,
        status_code=refusal.status if refusal else 200,
        headers=headers,
    )


@router.get("/consultations", summary="Public consultations of residents")
def consultations_list(
    request: Request, session: SessionDep, user: CurrentUserOptional
) -> Response:
    items = [
        {"c": c, "a": a, "period": _period(c, service.phase_of(c))}
        for c, a in service.public_consultations(session)
    ]
    return render(request, "consultations/public_list.html", {"items": items})


@router.get("/consultations/privacy", summary="How a consultation handles personal data")
def consultations_privacy(
    request: Request, user: CurrentUserOptional, settings: SettingsDep
) -> Response:
    days = settings.consultation_retention_days
    return render(
        request,
        "consultations/public_privacy.html",
        {"retention_days": days, "retention_months": round(days / 30.44) if days >= 60 else None},
    )


@router.get("/consultations/{consultation_id}", summary="One public consultation")
def consultation_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUserOptional,
    consultation_id: ObjectId,
) -> Response:
    consultation, assessment = service.public_consultation_or_404(session, consultation_id)
    return _page(request, session, settings, consultation, assessment)


@router.post(
    "/consultations/{consultation_id}/reactions", summary="A resident reacts to a consultation"
)
def react(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUserOptional,
    consultation_id: ObjectId,
    body: Annotated[str, Form(max_length=FORM_SLACK)] = "",
    value_id: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=FORM_SLACK)] = "",
    email: Annotated[str, Form(max_length=FORM_SLACK)] = "",
    website: Annotated[str, Form(max_length=FORM_SLACK)] = "",
) -> Response:
    consultation, assessment = service.public_consultation_or_404(session, consultation_id)
    typed = responding.ReactionInput(
        body=body, value_id=value_id, name=name, email=email, website=website
    )
    try:
        responding.respond(
            session,
            consultation=consultation,
            assessment=assessment,
            form=typed,
            address=client_address(request),
            settings=settings,
            locale=get_locale(),
        )
    except (*REFUSALS, TooManyRequests) as exc:
        retry = exc.headers or None  # Retry-After, for a burst
        return refused(
            request,
            session,
            exc,
            lambda why: _page(
                request,
                session,
                settings,
                consultation,
                assessment,
                refusal=why,
                typed=typed,
                headers=retry,
            ),
        )
    # A filled honeypot (nothing stored) looks the same: a robot learns nothing.
    return RedirectResponse(f"/consultations/{consultation.id}/thanks", status_code=303)


@router.get("/consultations/{consultation_id}/thanks", summary="After reacting")
def consultation_thanks(
    request: Request, session: SessionDep, user: CurrentUserOptional, consultation_id: ObjectId
) -> Response:
    consultation, assessment = service.public_consultation_or_404(session, consultation_id)
    return render(
        request,
        "consultations/public_thanks.html",
        {"c": consultation, "a": assessment},
    )
