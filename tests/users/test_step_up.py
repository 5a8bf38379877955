"""Step-up before signing (app.users.stepup), up to the marked session: the request for a
fresh login at a real provider, and the checks of its return (same subject, a fresh
`auth_time`, the same session). Signing with it: tests/reports/test_step_up_signing.py. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.timeutil import utcnow
from app.users import oidc
from app.users.models import PendingLogin, User, WebSession
from app.users.service import SESSION_COOKIE
from tests.conftest import PASSWORD, Client, on_both_databases, page_text
from tests.oidc_provider import (
    Provider,
    SigningProvider,
    path_and_query,
    query_of,
    running_provider,
    running_signing_provider,
)

engine = on_both_databases()

ADVICE = "/committee/assessments/1/advice"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        running.set_user(
            "chair-7", email="chair7@example.org", email_verified=True, name="Carla Voorzitter",
            groups=["dw-chair"],
        )  # fmt: skip
        running.set_user("intruder-8", email="intruder@example.org", groups=["dw-chair"])
        yield running


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    oidc.clear_caches()
    yield
    oidc.clear_caches()


def use(app, provider: Provider | SigningProvider) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update=provider.settings_update())


def log_in(client: Client, provider: Provider, sub: str) -> None:
    start = client.get("/login/sso", params={"next": "/"})
    back = provider.authorize(start.headers["location"], sub)
    assert client.get(path_and_query(back)).status_code == 303


def ask_step_up(client: Client, next_url: str = ADVICE) -> str:
    """Press "Confirm who you are": the app's redirect to the provider."""
    response = client.post_form("/login/sso/step-up", {"next": next_url})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def web_session(db, client: Client) -> WebSession:  # type: ignore[no-untyped-def]
    from app.users.service import session_token_hash

    token_hash = session_token_hash(client.cookies[SESSION_COOKIE])
    web = db.exec(select(WebSession).where(WebSession.token_hash == token_hash)).one()
    db.refresh(web)
    return web


def refusals(db) -> list[str]:  # type: ignore[no-untyped-def]
    rows = db.exec(select(AuditEvent).where(AuditEvent.action == "auth.sso_refused")).all()
    return [json.loads(row.details_json)["reason"] for row in rows]


def test_it_asks_the_provider_for_a_fresh_login_and_marks_the_session(client, app, provider, db):
    use(app, provider)
    log_in(client, provider, "chair-7")
    sessions_before = len(db.exec(select(WebSession)).all())
    location = ask_step_up(client)
    query = query_of(location)
    assert (query["prompt"], query["max_age"]) == ("login", "0")
    assert query["redirect_uri"].endswith("/login/sso/callback")  # the one registered
    pending = db.exec(select(PendingLogin).where(PendingLogin.state == query["state"])).one()
    user = db.exec(select(User).where(User.oidc_subject == "chair-7")).one()
    assert (pending.step_up_user_id, pending.next_url) == (user.id, ADVICE)
    back = provider.authorize(location, "chair-7")  # the provider took the request
    response = client.get(path_and_query(back))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == ADVICE
    at = web_session(db, client).reauthenticated_at
    assert at is not None and utcnow() - at < timedelta(minutes=1)
    assert len(db.exec(select(WebSession)).all()) == sessions_before  # no new session
    step_up = db.exec(select(AuditEvent).where(AuditEvent.action == "auth.step_up")).one()
    assert step_up.actor_id == user.id


def test_it_refuses_a_confirmation_by_another_account_at_the_provider(client, app, provider, db):
    use(app, provider)
    log_in(client, provider, "chair-7")
    back = provider.authorize(ask_step_up(client), "intruder-8")
    response = client.get(path_and_query(back))
    assert response.status_code == 403
    assert "met een ander account dan het account waarmee u bent ingelogd" in page_text(
        response.text
    )
    assert f'href="{ADVICE}"' in response.text  # back to the advice, not to the login page
    assert web_session(db, client).reauthenticated_at is None
    assert refusals(db)[-1] == "step_up_other_subject"


def test_it_refuses_a_confirmation_that_returns_to_another_session(app, provider, db):
    use(app, provider)
    with (
        Client(app, base_url="http://testserver", follow_redirects=False) as first,
        Client(app, base_url="http://testserver", follow_redirects=False) as second,
    ):
        log_in(first, provider, "chair-7")
        location = ask_step_up(first)
        back = provider.authorize(location, "chair-7")
        # The browser cookie of the step-up, but the session of another login.
        log_in(second, provider, "intruder-8")
        second.cookies.set("dw_sso", first.cookies["dw_sso"])
        response = second.get(path_and_query(back))
        assert response.status_code == 403
        assert "gestart voor een andere sessie" in page_text(response.text)
        assert web_session(db, first).reauthenticated_at is None
        assert web_session(db, second).reauthenticated_at is None
    assert refusals(db)[-1] == "step_up_other_session"


def test_a_local_account_confirms_with_its_password_not_at_the_provider(login, app, provider):
    use(app, provider)
    chair = login("chair")
    response = chair.post_form("/login/sso/step-up", {"next": ADVICE})
    assert response.status_code == 422
    assert "Bevestig met uw wachtwoord wie u bent" in page_text(response.text)


def test_it_needs_a_login_and_a_provider(client, app, login):
    assert client.post_form("/login/sso/step-up", {"next": ADVICE}).status_code in (303, 401)
    assert login("chair").post_form("/login/sso/step-up", {"next": ADVICE}).status_code == 404


@pytest.fixture
def own_provider() -> Iterator[SigningProvider]:
    with running_signing_provider() as running:
        running.new_key("k1")
        running.claims = {"sub": "chair-9", "email": "chair9@example.org", "groups": ["dw-chair"]}
        yield running


def through(client: Client, location: str):  # type: ignore[no-untyped-def]
    """Through the provider of our own: its authorisation endpoint logs the user in at once."""
    back = httpx.get(location, timeout=10, follow_redirects=False)
    return client.get(path_and_query(back.headers["location"]))


@pytest.mark.parametrize(
    "auth_time", [None, -6 * 60, +5 * 60], ids=["absent", "too-old", "in-the-future"]
)
def test_it_refuses_a_confirmation_without_a_fresh_auth_time(
    client, app, own_provider, db, auth_time
):
    use(app, own_provider)
    assert through(client, client.get("/login/sso").headers["location"]).status_code == 303
    if auth_time is not None:
        own_provider.overrides = {"auth_time": int(time.time()) + auth_time}
    response = through(client, ask_step_up(client))
    assert response.status_code == 403
    assert "geen nieuwe inlog bevestigd" in page_text(response.text)
    assert own_provider.authorization_requests[-1]["prompt"] == "login"
    assert own_provider.authorization_requests[-1]["max_age"] == "0"
    assert web_session(db, client).reauthenticated_at is None
    assert refusals(db)[-1] == "step_up_not_fresh"


def test_it_accepts_an_auth_time_of_a_minute_ago(client, app, own_provider, db):
    use(app, own_provider)
    assert through(client, client.get("/login/sso").headers["location"]).status_code == 303
    own_provider.overrides = {"auth_time": int(time.time()) - 60}
    response = through(client, ask_step_up(client))
    assert response.status_code == 303, response.text
    at = web_session(db, client).reauthenticated_at
    assert at is not None and timedelta(seconds=50) < utcnow() - at < timedelta(seconds=120)


def test_a_confirmation_cancelled_at_the_provider_leads_back_to_the_advice(
    client, app, provider, db
):
    use(app, provider)
    log_in(client, provider, "chair-7")
    denied = httpx.post(ask_step_up(client), data={"action": "deny"}, timeout=10)
    assert denied.status_code == 302, denied.text
    response = client.get(path_and_query(denied.headers["location"]))
    assert response.status_code == 403
    text = page_text(response.text)
    assert "De inlogdienst heeft niet bevestigd wie u bent" in text
    assert "We konden niet bevestigen wie u bent" in text
    assert f'href="{ADVICE}"' in response.text
    assert SESSION_COOKIE in client.cookies  # still logged in
    assert client.get("/").status_code == 200
    assert web_session(db, client).reauthenticated_at is None
    assert refusals(db)[-1] == "provider_error"


@pytest.mark.parametrize("local_login", [True, False])
def test_a_linked_account_keeps_its_password_only_while_local_login_is_on(
    app, db, personas, provider, local_login
):
    from app.errors import InvalidInput
    from app.users.stepup import take_proof

    settings = app.state.settings.model_copy(
        update={**provider.settings_update(), "local_login": local_login}
    )
    chair = personas["chair"]  # a local account with a password, linked to the provider
    chair.oidc_issuer, chair.oidc_subject = provider.issuer, "chair-linked"

    def prove() -> str:
        return take_proof(db, user=chair, password=PASSWORD, session_token="", settings=settings)

    if local_login:
        assert prove() == "password"
    else:
        with pytest.raises(InvalidInput) as refused:
            prove()
        assert "reauthenticate" in refused.value.fields
