"""Responses that pages and the API share: a stored report, exactly its bytes."""

from __future__ import annotations

from starlette.responses import Response

from app.assessments.models import Assessment
from app.reports import service
from app.reports.models import Report


def pdf_response(assessment: Assessment, report: Report) -> Response:
    """Exactly the stored bytes, with the reference in the file name."""
    return Response(
        report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{service.report_filename(assessment, report)}"',
            "X-Content-SHA256": report.sha256,
            "Cache-Control": "no-store",
        },
    )
