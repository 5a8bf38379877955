"""Liveness and readiness for load balancers and orchestrators (/healthz stays for monitors
that know it).

* `/livez`: the process runs and answers; it touches nothing, so a slow database never gets a
  healthy process restarted.
* `/readyz`: the process can serve: the database answers a query and the signing key (or the
  development certificate) can be loaded. 503 with a problem body naming what failed.
* `/metrics`: Prometheus' text format, only with the bearer token DATAWAARDEN_METRICS_TOKEN
  (404 when none is configured). See app.metrics.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.responses import Response

from app import metrics
from app.db import READ_ONLY
from app.errors import NotFound
from app.i18n import _
from app.reports.signing import SigningUnavailable, load_signing_key
from app.web.handlers import problem_response
from app.web.problems import status_title

router = APIRouter()
log = logging.getLogger("datawaarden.health")
OK = "ok"


@router.get("/livez", summary="Liveness: the process answers")
def livez() -> JSONResponse:
    return JSONResponse({"status": OK})


def _database(request: Request) -> str:
    try:
        with request.app.state.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True}).execute(text("SELECT 1"))
    except Exception as exc:  # reported, never raised: this is what the load balancer reads
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return f"failed: {type(exc).__name__}"
    return OK


def _signing_key(request: Request) -> str:
    try:
        load_signing_key(request.app.state.settings)
    except SigningUnavailable:  # the reason is logged by load_signing_key
        return "failed: the signing key cannot be loaded"
    except OSError as exc:
        log.warning("readiness: the signing key cannot be read (%s)", type(exc).__name__)
        return f"failed: {type(exc).__name__}"
    return OK


@router.get("/metrics", summary="Prometheus metrics (with the metrics bearer token)")
def metrics_endpoint(request: Request) -> Response:
    expected = request.app.state.settings.metrics_token
    if not expected:
        raise NotFound()
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return problem_response(
            request,
            status=401,
            slug="not-authenticated",
            title=status_title(401),
            detail=_("Send the metrics token as a bearer token."),
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


@router.get("/readyz", summary="Readiness: the database and the signing key")
def readyz(request: Request) -> Response:
    checks = {"database": _database(request), "signing_key": _signing_key(request)}
    failed = [name for name, result in checks.items() if result != OK]
    if not failed:
        return JSONResponse({"status": "ready", "checks": checks})
    names = {"database": _("the database"), "signing_key": _("the signing key")}
    return problem_response(
        request,
        status=503,
        slug="not-ready",
        title=status_title(503),
        detail=_("Not ready: %(failed)s.", failed=", ".join(str(names[name]) for name in failed)),
        extra={"checks": checks, "failed": failed},
        headers={"Cache-Control": "no-store"},
    )
