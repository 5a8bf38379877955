"""create_app(): routers, static files, middleware and error handlers. No logic here."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

import app.models  # noqa: F401  (every table must be known before the first query)
from app.config import ROOT, Settings, get_settings
from app.db import make_engine
from app.i18n import translations
from app.logs import configure_logging
from app.web import assets, handlers
from app.web.csrf import verify_csrf
from app.web.hygiene import refuse_nul_characters
from app.web.middleware import RequestContextMiddleware


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the application for the given settings (defaults: the environment)."""
    settings = settings or get_settings()
    configure_logging(settings.resolved_log_format, settings.log_level)
    for locale in ("nl", "en"):
        translations(locale)  # fail at start-up, not on the first page, when catalogs are missing
    app = FastAPI(
        title="Datawaarden",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(refuse_nul_characters), Depends(verify_csrf)],
    )
    app.state.settings = settings
    if settings.sso_enabled:  # an unknown role in the role map stops the start
        from app.users.sso import check_role_map

        check_role_map(settings)
    app.state.engine = engine or make_engine(settings.resolved_database_url)
    # Error pages look up who is logged in through this (app.web knows no users).
    from app.deps import resolve_user

    app.state.identify_viewer = resolve_user

    from app.api import docs as api_docs
    from app.api import v1 as api_v1
    from app.assessments.presenters import level_label
    from app.assessments.transitions import state_label
    from app.followup.transitions import status_label as condition_status_label
    from app.pages import (
        advice,
        archive,
        assessments,
        attachments,
        audit,
        committee,
        consultations_committee,
        consultations_feed,
        consultations_public,
        dashboard,
        follow_up,
        guided_form,
        health,
        new_version,
        notifications,
        open_data,
        reassessment,
        register,
        reports,
        session,
        site,
        sso,
        tokens,
        users,
        working_copies,
    )
    from app.web.templating import templates

    # Checking every template file for changes on every render is for development only.
    templates.env.auto_reload = settings.env == "development"
    templates.env.globals["level_label"] = level_label
    templates.env.globals["state_label"] = state_label
    templates.env.globals["condition_status_label"] = condition_status_label
    # The guided form first: its autosave is by far the most frequent request, and FastAPI
    # tries routes in order (no path of it overlaps another router's; a test checks that).
    app.include_router(guided_form.router)
    app.include_router(api_v1.router)
    app.include_router(api_docs.router)
    for pages in (
        health,
        tokens,
        archive,
        dashboard,
        open_data,  # before register: /register/feed.atom is no reference
        register,
        consultations_feed,  # before consultations_public: feed.atom is no id
        consultations_public,
        reports,
        working_copies,
        attachments,
        committee,
        advice,
        follow_up,
        consultations_committee,
        reassessment,
        audit,
        notifications,
        session,
        site,
        users,
        sso,
        assessments,
        new_version,
    ):
        app.include_router(pages.router)
    api_docs.publish(open_data.router)

    app.mount(
        "/static/vendor/htmx",
        StaticFiles(directory=ROOT / "node_modules/htmx.org/dist", check_dir=False),
        name="htmx",
    )
    assets.install(app, settings)
    templates.env.globals["stylesheets"] = assets.stylesheets()
    templates.env.globals["swagger_ui"] = assets.package_url(assets.SWAGGER_UI)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    handlers.install(app)
    session.install(app)  # after the general handlers: a not-logged-in request keeps its work
    app.add_middleware(RequestContextMiddleware, settings=settings)
    return app
