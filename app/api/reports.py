"""The API: the signed report and the verification of a PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from app.api.common import (
    new_router,
    visible_for,
)
from app.api.deps import ApiUser
from app.api.schemas import (
    VerificationOut,
)
from app.deps import ObjectId, RawBodyDep, SessionDep
from app.downloads import pdf_response
from app.reports import checking
from app.reports import service as reports
from app.reports.verify import verification_slot
from app.text import parse_day

router = new_router()


@router.get(
    "/assessments/{assessment_id}/report",
    summary="The signed report (PDF)",
    responses={200: {"content": {"application/pdf": {}}, "description": "the stored signed bytes"}},
    response_class=Response,
)
def get_report(
    request: Request, session: SessionDep, user: ApiUser, assessment_id: ObjectId
) -> Response:
    """The signed advice report as stored (PDF/A with its signature and timestamp), byte for
    byte."""
    a = visible_for(request, session, user, assessment_id)
    report = reports.get_report_or_404(session, a)
    reports.record_download(session, report=report, actor=user)
    return pdf_response(a, report)


@router.post(
    "/reports/verify",
    summary="Verify a PDF (request body: the PDF bytes)",
    response_model=VerificationOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/pdf": {
                    "schema": {
                        "type": "string",
                        "contentMediaType": "application/pdf",
                        "minLength": 1,
                    }
                }
            },
        }
    },
)
def verify_report(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    data: RawBodyDep,
    at: Annotated[
        str | None,
        Query(
            max_length=20,
            description="Judge the validity as of this date (YYYY-MM-DD, years 2000 to 2200)",
            pattern=r"^(20[0-9]{2}|21[0-9]{2}|2200)-[0-9]{2}-[0-9]{2}$",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
) -> VerificationOut:
    """Check a PDF: is it a report from this archive, are its signatures intact and trusted,
    does it cover the whole file, and is the embedded data unchanged. Damaged input gives
    findings, never an error; at most a few run at once (503 with Retry-After)."""
    settings = request.app.state.settings
    moment = parse_day(at or "")
    with verification_slot():  # a few at once; the rest get 503 with Retry-After
        check = checking.verify_file(session, data, settings=settings, at=moment)
    r = check.result
    return VerificationOut(
        ok=check.ok,
        sha256=r.sha256,
        is_pdf=r.is_pdf,
        at=r.at,
        archived=check.archived is not None,
        reference=check.reference,
        snapshot_matches=check.snapshot_matches,
        on_behalf_of=check.on_behalf_of if r.signatures_ok else None,
        statements=[{"ok": s.ok, "text": s.text} for s in check.statements(settings.org_name)],  # type: ignore[misc]
        signatures=[
            {
                "field": s.field,
                "kind": s.kind,
                "signer": s.signer,
                "certificate": s.certificate,
                "certificate_valid_until": s.certificate_valid_until,
                "signed_at": s.signed_at,
                "proven_by": s.proven_by,
                "intact": s.intact,
                "trusted": s.trusted,
                "long_term": s.long_term,
                "covers_whole_file": s.covers_whole_file,
            }
            for s in r.signatures
        ],  # type: ignore[misc]
    )
