"""Responses that pages and the API share: a stored report, exactly its bytes; an attached
file, never shown inline."""

from __future__ import annotations

from starlette.responses import Response

from app.assessments.models import Assessment
from app.attachments.models import Attachment
from app.attachments.names import content_disposition
from app.reports import service
from app.reports.models import Report
from app.web.middleware import SANDBOX_CSP


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


def attachment_response(attachment: Attachment, data: bytes) -> Response:
    """An attached file as a download, never rendered by the browser: `attachment`, its type as
    read from its content, no sniffing, and a policy that lets nothing in it run or load."""
    return Response(
        data,
        media_type=attachment.media_type,
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            "Content-Security-Policy": SANDBOX_CSP,
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": attachment.sha256,
            "Cache-Control": "no-store",
        },
    )
