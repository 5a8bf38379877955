"""Signing from the advice page, downloading the signed bytes, and the public verification page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import select
from starlette.responses import Response

from app.archive.models import ArchiveEntry
from app.assessments.models import Assessment
from app.db import session_scope
from app.deps import (
    CurrentUser,
    CurrentUserOptional,
    ObjectId,
    SessionDep,
    SettingsDep,
    UploadDep,
    VisibleAssessment,
    current_roles,
    require_user,
    resolve_user,
    visible_assessment,
)
from app.downloads import pdf_response
from app.errors import InvalidInput
from app.i18n import N_, _
from app.pages.advice import is_refused_proof, signing_refused
from app.reports import checking, service
from app.reports.verify import verification_slot
from app.text import parse_day
from app.users.models import Role
from app.users.service import SESSION_COOKIE
from app.web.flash import flash, register
from app.web.forms import refused, together
from app.web.session import request_session
from app.web.templating import render

router = APIRouter()
register("signed", N_("The advice report has been signed and archived."))
register("cosigned", N_("Your signature has been added to the report."))


def signing_user(request: Request, settings: SettingsDep) -> tuple[int, frozenset[Role]]:
    """The logged-in chair, resolved in its own short transaction: signing must not keep the
    database locked while the report renders."""
    with session_scope(request.app.state.engine) as session:
        user = require_user(resolve_user(request, session, settings))
    roles = current_roles(request)
    if Role.chair not in roles:
        from app.errors import PermissionDenied

        raise PermissionDenied(
            _("Only the chair, without a conflict of interest, can sign the advice.")
        )
    return user.id or 0, roles


@router.post(
    "/committee/assessments/{assessment_id}/sign", summary="Sign the advice report (chair)"
)
def sign(
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    assessment_id: ObjectId,
    who: Annotated[tuple[int, frozenset[Role]], Depends(signing_user)],
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    user_id, roles = who
    from app.archive.public import public_edition_after_signing
    from app.archive.service import sign_and_archive

    try:
        sign_and_archive(
            request.app.state.engine,
            assessment_id=assessment_id,
            actor_id=user_id,
            roles=roles,
            password=password,
            session_token=request.cookies.get(SESSION_COOKIE, ""),
            settings=settings,
            public_edition=False,
        )
    except InvalidInput as exc:
        if not is_refused_proof(request, exc):
            raise
        with request_session(request) as session:
            assessment = visible_assessment(request, session, settings, assessment_id)
            user = require_user(resolve_user(request, session, settings))
            return signing_refused(request, session, user, assessment, exc, form="sign")
    # The public edition is a second report of seconds: made after the response, so that the
    # chair's next page does not wait for it.
    background.add_task(
        public_edition_after_signing,
        request.app.state.engine,
        assessment_id=assessment_id,
        actor_id=user_id,
        settings=settings,
    )
    response = RedirectResponse(f"/committee/assessments/{assessment_id}/advice", status_code=303)
    flash(response, "signed")
    return response


@router.post("/committee/assessments/{assessment_id}/cosign", summary="Add a second signature")
def cosign(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    assessment: VisibleAssessment,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        service.add_second_signature(
            session,
            assessment=assessment,
            actor=user,
            roles=current_roles(request),
            password=password,
            session_token=request.cookies.get(SESSION_COOKIE, ""),
            settings=settings,
            role_label=_("secretary"),
        )
    except InvalidInput as exc:
        if not is_refused_proof(request, exc):
            raise
        session.rollback()
        return signing_refused(request, session, user, assessment, exc, form="cosign")
    from app.archive.service import checkpoint_after_signing

    # After the response, so after the request's unit of work committed the signature.
    background.add_task(checkpoint_after_signing, request.app.state.engine, settings)
    response = RedirectResponse(f"/committee/assessments/{assessment.id}/advice", status_code=303)
    flash(response, "cosigned")
    return response


@router.get("/assessments/{assessment_id}/report.pdf", summary="Download the signed advice report")
def download(
    request: Request, session: SessionDep, user: CurrentUser, assessment: VisibleAssessment
) -> Response:
    report = service.get_report_or_404(session, assessment)
    service.record_download(session, report=report, actor=user)
    return pdf_response(assessment, report)


@router.get("/verify", summary="Verify a signed advice report")
def verify_form(
    request: Request, session: SessionDep, viewer: CurrentUserOptional, reference: str = ""
) -> Response:
    known = None
    if reference:
        # Only an advice published in the register can be looked up by its reference (its
        # public edition); for any other reference, known or not, the answer is the same, so
        # the page does not tell anonymous visitors what was signed.
        ref = reference[:20]
        entry = session.exec(select(ArchiveEntry).where(ArchiveEntry.reference == ref)).first()
        public = session.get(Assessment, entry.assessment_id) if entry and entry.is_public else None
        report = service.latest_public_edition(session, public) if public else None
        known = {"reference": ref, "public": public is not None, "report": report}
    return render(request, "reports/verify.html", {"known": known, "check": None})


@router.post("/verify", summary="Verify an uploaded PDF")
def verify_upload(
    request: Request,
    session: SessionDep,
    viewer: CurrentUserOptional,
    upload: UploadDep,
    at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    settings = request.app.state.settings
    moment, date_problem = None, None
    try:
        moment = parse_day(at)
    except InvalidInput as exc:
        date_problem = exc
    problem = together(upload.refused, date_problem)
    if problem is not None:
        return refused(
            request,
            None,  # nothing was written
            problem,
            lambda why: render(
                request,
                "reports/verify.html",
                {"known": None, "check": None, "at": at[:20], **why.context()},
                status_code=why.status,
            ),
        )
    # A few at once; the rest get 503 with Retry-After (a verification may hold the upload
    # and up to verify.MAX_INFLATED bytes inflated from it).
    with verification_slot():
        check = checking.verify_file(session, upload.read(), settings=settings, at=moment)
    return render(
        request,
        "reports/verify.html",
        {
            "known": None,
            "check": check,
            "statements": check.statements(settings.org_name),
            "at": at[:20],
            "errors": {},
        },
    )


@router.get("/pki/ca.pem", summary="The trust anchor of the signed reports (PEM)")
def trust_anchor(request: Request, settings: SettingsDep) -> Response:
    """The root certificate to import into a PDF reader or an NSS database (as `datawaarden
    signing export-ca` writes it)."""
    from app.reports.signing import load_signing_key, trust_anchor_pem

    return Response(
        trust_anchor_pem(load_signing_key(settings)),
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="datawaarden-ca.pem"'},
    )


@router.get("/pki/ca.crl", summary="The development CA's certificate revocation list")
def development_crl(request: Request, settings: SettingsDep) -> Response:
    """The CRL that the development PKI's certificates name (production certificates name
    their own CA's)."""
    from app.errors import NotFound
    from app.reports.pki import dev_pki_paths

    path = dev_pki_paths(settings.pki_dir).crl
    if settings.signing_p12 is not None or not path.is_file():
        raise NotFound()
    return Response(path.read_bytes(), media_type="application/pkix-crl")
