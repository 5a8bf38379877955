"""The user's notifications."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from app.deps import CurrentUser, SessionDep
from app.i18n import get_locale
from app.notifications.service import (
    list_notifications,
    mark_all_read,
    notification_path,
    render_notification,
)

router = APIRouter()


@router.get("/notifications", summary="Your notifications")
def notifications(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    rows = []
    for n in list_notifications(session, user=user):
        subject, body = render_notification(n.kind, json.loads(n.params_json), get_locale())
        rows.append(
            {
                "n": n,
                "subject": subject,
                "body": body,
                "path": notification_path(n.kind, n.assessment_id),
            }
        )
    return render_page(request, rows)


def render_page(request: Request, rows: list[dict[str, object]]) -> Response:
    from app.web.templating import render

    return render(request, "notifications/list.html", {"rows": rows})


@router.post("/notifications/read", summary="Mark all notifications as read")
def read_all(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    mark_all_read(session, user=user)
    return RedirectResponse("/notifications", status_code=303)
