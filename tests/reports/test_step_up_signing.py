"""Signing by an account of the sign-in service: it confirms who it is at the provider (a
step-up, app.users.stepup) instead of typing a password, once per signature and within the
window; a local chair still signs with the password. Through the web pages, against a real
provider, on a committed database of its own (SQLite and PostgreSQL). Two reports are rendered
per database (WeasyPrint takes seconds); every refusal happens before any rendering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update
from sqlmodel import select

from app.assessments.models import Assessment, State
from app.audit.models import AuditEvent
from app.reports.models import Report, ReportKind
from app.timeutil import utcnow
from app.users import oidc
from app.users.models import User, WebSession
from app.users.service import SESSION_COOKIE, session_token_hash
from tests.conftest import (
    PASSWORD,
    Client,
    create_postgres_database,
    drop_postgres_database,
    page_text,
    skip_without_postgres,
)
from tests.oidc_provider import Provider, path_and_query, query_of, running_provider
from tests.reports.conftest import World, build_world, drive_to_advice


@dataclass
class Stage:
    """A committed database, an app that uses the provider, and its users' browsers."""

    world: World
    provider: Provider
    app: object
    clients: dict[str, Client] = field(default_factory=dict)

    def browser(self, sub: str) -> Client:
        """The browser of a provider's user, logged in through single sign-on."""
        if sub not in self.clients:
            client = Client(self.app, base_url="http://testserver", follow_redirects=False)
            start = client.get("/login/sso")
            back = self.provider.authorize(start.headers["location"], sub)
            assert client.get(path_and_query(back)).status_code == 303
            self.clients[sub] = client
        return self.clients[sub]

    def step_up(self, sub: str, assessment_id: int) -> str:
        """Confirm who `sub` is at the provider from the advice page; returns the
        authorisation request the provider received."""
        client = self.browser(sub)
        page = f"/committee/assessments/{assessment_id}/advice"
        asked = client.post_form("/login/sso/step-up", {"next": page})
        assert asked.status_code == 303, asked.text
        back = client.get(path_and_query(self.provider.authorize(asked.headers["location"], sub)))
        assert (back.status_code, back.headers["location"]) == (303, page), back.text
        return str(asked.headers["location"])

    def sign(self, client: Client, assessment_id: int, **form: str):  # type: ignore[no-untyped-def]
        return client.post_form(f"/committee/assessments/{assessment_id}/sign", form)

    def reports(self, assessment_id: int) -> list[Report]:
        with self.world.session() as session:
            return list(
                session.exec(select(Report).where(Report.assessment_id == assessment_id)).all()
            )

    def web_session(self, sub: str) -> WebSession:
        token_hash = session_token_hash(self.browser(sub).cookies[SESSION_COOKIE])
        with self.world.session() as session:
            return session.exec(select(WebSession).where(WebSession.token_hash == token_hash)).one()

    def event(self, action: str, report_id: int) -> dict:  # type: ignore[type-arg]
        with self.world.session() as session:
            row = session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(report_id)
                )
            ).one()
            return dict(json.loads(row.details_json))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stage(request: pytest.FixtureRequest, tmp_path_factory, pki) -> Iterator[Stage]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    world = build_world(Path(tmp_path_factory.mktemp("step-up")), url)
    oidc.clear_caches()
    with running_provider() as provider:
        provider.set_user(
            "chair-sso", email="voorzitter@example.org", email_verified=True,
            name="Sanne Voorzitter", groups=["dw-chair"],
        )  # fmt: skip
        provider.set_user("member-sso", email="secretaris@example.org", groups=["dw-committee"])
        for sub in ("chair-unconfirmed", "chair-late", "chair-two-sessions"):
            provider.set_user(sub, email=f"{sub}@example.org", groups=["dw-chair"])
        app = world.app()
        app.state.settings = app.state.settings.model_copy(update=provider.settings_update())
        built = Stage(world, provider, app)
        yield built
        for client in built.clients.values():
            client.close()
    oidc.clear_caches()
    world.engine.dispose()
    if url:
        drop_postgres_database(url)


@dataclass(frozen=True)
class SsoSigned:
    assessment_id: int
    asked: str  # the authorisation request of the step-up
    page_before: str
    page_after: str
    status: int


@pytest.fixture(scope="module")
def sso_signed(stage: Stage) -> SsoSigned:
    """The chair of the sign-in service confirms at the provider, then signs (rendered once)."""
    assessment_id = drive_to_advice(stage.world, title="Parkeerdruk voorspellen")
    client = stage.browser("chair-sso")
    page = f"/committee/assessments/{assessment_id}/advice"
    before = client.get(page).text
    asked = stage.step_up("chair-sso", assessment_id)
    after = client.get(page).text
    response = stage.sign(client, assessment_id)
    assert response.status_code == 303, response.text
    return SsoSigned(assessment_id, asked, before, after, response.status_code)


def test_it_offers_the_confirmation_at_the_provider_instead_of_the_password(sso_signed):
    before = BeautifulSoup(sso_signed.page_before, "lxml")
    assert before.find("input", {"type": "password"}) is None
    form = before.find("form", {"action": "/login/sso/step-up"})
    assert form is not None and "Bevestig bij de inlogdienst wie u bent" in form.get_text()
    after = BeautifulSoup(sso_signed.page_after, "lxml")
    assert after.find("form", {"action": "/login/sso/step-up"}) is None
    sign_form = after.find(
        "form", {"action": f"/committee/assessments/{sso_signed.assessment_id}/sign"}
    )
    assert sign_form is not None and sign_form.find("input", {"type": "password"}) is None
    assert "U hebt bij de inlogdienst bevestigd wie u bent" in page_text(str(sign_form))


def test_it_asks_the_provider_for_a_new_login(sso_signed):
    query = query_of(sso_signed.asked)
    assert (query["prompt"], query["max_age"]) == ("login", "0")


def test_it_signs_for_the_sso_chair_after_the_confirmation(stage, sso_signed):
    (report,) = stage.reports(sso_signed.assessment_id)
    with stage.world.session() as session:
        signer = session.get(User, report.signed_by_id)
        assessment = session.get(Assessment, sso_signed.assessment_id)
        assert signer is not None and signer.oidc_subject == "chair-sso"
        assert assessment is not None and assessment.state == State.archived
    assert report.pdf.startswith(b"%PDF")
    assert stage.event("report.signed", report.id or 0)["reauthenticated"] == "oidc"


def test_one_confirmation_signs_once(stage, sso_signed):
    assert stage.web_session("chair-sso").reauthenticated_at is None  # used up
    second = drive_to_advice(stage.world, title="Tweede advies", comment=None)
    response = stage.sign(stage.browser("chair-sso"), second)
    assert response.status_code == 422
    assert "Bevestig eerst bij de inlogdienst wie u bent" in page_text(response.text)
    assert stage.reports(second) == []


def test_it_refuses_to_sign_without_a_confirmation(stage):
    assessment_id = drive_to_advice(stage.world, title="Zonder bevestiging", comment=None)
    client = stage.browser("chair-unconfirmed")
    for form in ({}, {"password": PASSWORD}, {"password": "geraden"}):
        response = stage.sign(client, assessment_id, **form)
        assert response.status_code == 422, form
    assert stage.reports(assessment_id) == []


def test_it_refuses_a_confirmation_older_than_the_window(stage):
    assessment_id = drive_to_advice(stage.world, title="Te laat", comment=None)
    stage.step_up("chair-late", assessment_id)
    web = stage.web_session("chair-late")
    assert web.reauthenticated_at is not None
    with stage.world.session() as session:  # six minutes pass
        session.execute(
            update(WebSession)
            .where(WebSession.id == web.id)  # type: ignore[arg-type]
            .values(reauthenticated_at=utcnow() - timedelta(minutes=6))
        )
        session.commit()
    response = stage.sign(stage.browser("chair-late"), assessment_id)
    assert response.status_code == 422
    assert "binnen 5 minuten" in page_text(response.text)
    assert stage.reports(assessment_id) == []


def test_it_refuses_a_confirmation_of_another_session(stage):
    """A confirmation counts on the session that asked for it, not on another of the same user."""
    assessment_id = drive_to_advice(stage.world, title="Andere sessie", comment=None)
    stage.step_up("chair-two-sessions", assessment_id)
    other = Client(stage.app, base_url="http://testserver", follow_redirects=False)
    with other:
        start = other.get("/login/sso")
        back = stage.provider.authorize(start.headers["location"], "chair-two-sessions")
        assert other.get(path_and_query(back)).status_code == 303
        assert stage.sign(other, assessment_id).status_code == 422
    assert stage.reports(assessment_id) == []


def test_a_local_chair_still_signs_with_the_password(stage):
    assessment_id = drive_to_advice(stage.world, title="Met wachtwoord", comment=None)
    with stage.world.login("chair", stage.app) as chair:
        page = BeautifulSoup(
            chair.get(f"/committee/assessments/{assessment_id}/advice").text, "lxml"
        )
        assert page.find("input", {"id": "f-sign-password"}) is not None
        assert page.find("form", {"action": "/login/sso/step-up"}) is None
        assert stage.sign(chair, assessment_id, password="niet goed").status_code == 422
        response = stage.sign(chair, assessment_id, password=PASSWORD)
    assert response.status_code == 303, response.text
    (report,) = stage.reports(assessment_id)
    assert stage.event("report.signed", report.id or 0)["reauthenticated"] == "password"


def test_an_sso_member_cosigns_after_a_confirmation(stage, sso_signed):
    client = stage.browser("member-sso")
    url = f"/committee/assessments/{sso_signed.assessment_id}/cosign"
    assert client.post_form(url, {}).status_code == 422  # not without one
    stage.step_up("member-sso", sso_signed.assessment_id)
    response = client.post_form(url, {})
    assert response.status_code == 303, response.text
    cosigned = [
        r for r in stage.reports(sso_signed.assessment_id) if r.kind == ReportKind.cosignature
    ]
    assert len(cosigned) == 1
    assert stage.event("report.cosigned", cosigned[0].id or 0)["reauthenticated"] == "oidc"
    assert stage.web_session("member-sso").reauthenticated_at is None
