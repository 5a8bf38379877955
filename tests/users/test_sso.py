"""Single sign-on through a real OpenID provider on the loopback interface: the code flow
with PKCE, state and nonce through the app, the ID token's checks, roles from the groups
claim, accounts at first login, RP-initiated logout and switching local login off. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.audit.models import AuditEvent
from app.users import oidc
from app.users.models import PendingLogin, Role, User, WebSession
from app.users.service import SESSION_COOKIE, roles_of
from tests.conftest import PASSWORD, Client, on_both_databases, page_text
from tests.oidc_provider import (
    CLIENT_ID,
    Provider,
    SigningProvider,
    path_and_query,
    query_of,
    running_provider,
    running_signing_provider,
)

engine = on_both_databases()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    oidc.clear_caches()
    yield
    oidc.clear_caches()


def use_provider(app, provider: Provider, **more) -> None:  # type: ignore[no-untyped-def]
    app.state.settings = app.state.settings.model_copy(update=provider.settings_update(**more))


@pytest.fixture
def sso_app(app, provider):  # type: ignore[no-untyped-def]
    use_provider(app, provider)
    return app


def start(client: Client, next_url: str = "/") -> str:
    """Press the login button: the app's redirect to the provider."""
    response = client.get("/login/sso", params={"next": next_url})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def sso_login(client: Client, provider: Provider, sub: str, next_url: str = "/"):  # type: ignore[no-untyped-def]
    callback = provider.authorize(start(client, next_url), sub)
    return client.get(path_and_query(callback))


def events(db, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = db.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
    return [json.loads(row.details_json) for row in rows]


def test_it_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(client, sso_app, provider):
    location = start(client)
    assert location.startswith(f"{provider.issuer}/oauth2/authorize?")
    query = query_of(location)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"].endswith("/login/sso/callback")
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert "openid" in query["scope"].split()


def test_it_creates_the_account_at_the_first_login_and_starts_a_session(
    client, sso_app, provider, db
):
    provider.set_user(
        "anna-1", email="anna@example.org", email_verified=True, name="Anna Ambtenaar",
        groups=["dw-leads", "unrelated"],
    )  # fmt: skip
    response = sso_login(client, provider, "anna-1", next_url="/assessments")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/assessments"
    assert SESSION_COOKIE in client.cookies
    user = db.exec(select(User).where(User.oidc_subject == "anna-1")).one()
    assert (user.email, user.name, user.oidc_issuer) == (
        "anna@example.org", "Anna Ambtenaar", provider.issuer,
    )  # fmt: skip
    assert roles_of(db, user) == {Role.lead}
    assert "Anna Ambtenaar" in page_text(client.get("/").text)
    login = [e for e in events(db, "auth.login") if e.get("method") == "oidc"]
    assert login and login[-1]["issuer"] == provider.issuer
    web = db.exec(select(WebSession).where(WebSession.user_id == user.id)).one()
    assert web.id_token  # kept for the logout at the provider


def test_it_refuses_a_replayed_state(client, sso_app, provider, db):
    provider.set_user("rik-2", email="rik@example.org", groups=["dw-leads"])
    callback = provider.authorize(start(client), "rik-2")
    assert client.get(path_and_query(callback)).status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    replay = client.get(path_and_query(callback))
    assert replay.status_code == 400
    assert "Deze inloglink is verlopen of al gebruikt" in page_text(replay.text)
    assert SESSION_COOKIE not in client.cookies
    assert events(db, "auth.sso_refused") == []  # anyone can replay: no audit flood


def test_it_refuses_a_state_it_never_issued(client, sso_app):
    response = client.get("/login/sso/callback", params={"state": "made-up", "code": "x"})
    assert response.status_code == 400
    assert SESSION_COOKIE not in client.cookies


def test_it_refuses_a_return_in_another_browser(app, sso_app, provider, db):
    provider.set_user("eva-3", email="eva@example.org", groups=["dw-leads"])
    with (
        Client(app, base_url="http://testserver", follow_redirects=False) as victim,
        Client(app, base_url="http://testserver", follow_redirects=False) as attacker,
    ):
        callback = provider.authorize(start(attacker), "eva-3")
        response = victim.get(path_and_query(callback))
    assert response.status_code == 400
    assert "in een andere browser" in page_text(response.text)
    assert SESSION_COOKIE not in victim.cookies
    assert events(db, "auth.sso_refused")[-1]["reason"] == "other_browser"


def test_it_refuses_a_user_whose_groups_give_no_role(client, sso_app, provider, db):
    provider.set_user("olaf-4", email="olaf@example.org", groups=["catering", "parking"])
    response = sso_login(client, provider, "olaf-4")
    assert response.status_code == 403
    text = page_text(response.text)
    assert "U kunt niet inloggen" in text
    assert "geeft u geen rol in Datawaarden" in text
    assert SESSION_COOKIE not in client.cookies
    assert db.exec(select(User).where(User.oidc_subject == "olaf-4")).first() is None
    refused = events(db, "auth.sso_refused")
    assert refused[-1]["reason"] == "no_role" and refused[-1]["subject"] == "olaf-4"


def test_it_says_so_in_english_too(client, sso_app, provider):
    provider.set_user("olga-4", email="olga@example.org", groups=[])
    client.cookies.set("dw_lang", "en")
    response = sso_login(client, provider, "olga-4")
    assert response.status_code == 403
    assert "gives you no role in Datawaarden" in page_text(response.text)


def test_it_removes_a_role_whose_group_was_removed_at_the_next_login(
    app, client, sso_app, provider, db
):
    provider.set_user("ben-5", email="ben@example.org", groups=["dw-leads", "dw-chair"])
    assert sso_login(client, provider, "ben-5").status_code == 303
    user = db.exec(select(User).where(User.oidc_subject == "ben-5")).one()
    assert roles_of(db, user) == {Role.lead, Role.chair, Role.board}
    provider.set_user("ben-5", email="ben@example.org", groups=["dw-leads"])
    with Client(app, base_url="http://testserver", follow_redirects=False) as later:
        assert sso_login(later, provider, "ben-5").status_code == 303
    db.refresh(user)
    assert roles_of(db, user) == {Role.lead}
    assert events(db, "user.roles_changed")[-1] == {
        "before": ["board", "chair", "lead"],
        "after": ["lead"],
    }


def test_it_reads_roles_from_a_claim_with_a_single_string(client, app, provider, db):
    use_provider(app, provider, oidc_role_claim="role")
    provider.set_user("sam-6", email="sam@example.org", role="dw-auditors")
    assert sso_login(client, provider, "sam-6").status_code == 303
    user = db.exec(select(User).where(User.oidc_subject == "sam-6")).one()
    assert roles_of(db, user) == {Role.auditor}


def test_it_links_an_existing_account_only_when_the_provider_verified_the_address(
    app, client, sso_app, provider, db, personas
):
    provider.set_user("lia-7", email="lead@example.org", email_verified=False, groups=["dw-leads"])
    refused = sso_login(client, provider, "lia-7")
    assert refused.status_code == 403
    assert "bestaat al een account met uw e-mailadres" in page_text(refused.text)
    assert events(db, "auth.sso_refused")[-1]["reason"] == "email_in_use"
    provider.set_user("lia-7", email="lead@example.org", email_verified=True, groups=["dw-leads"])
    with Client(app, base_url="http://testserver", follow_redirects=False) as again:
        assert sso_login(again, provider, "lia-7").status_code == 303
    db.refresh(personas["lead"])
    assert personas["lead"].oidc_subject == "lia-7"


def test_it_never_links_an_address_to_an_account_of_another_identity(
    app, client, sso_app, provider, db
):
    provider.set_user("kim-8", email="kim@example.org", email_verified=True, groups=["dw-leads"])
    assert sso_login(client, provider, "kim-8").status_code == 303
    provider.set_user("mallory", email="kim@example.org", email_verified=True, groups=["dw-admins"])
    with Client(app, base_url="http://testserver", follow_redirects=False) as other:
        response = sso_login(other, provider, "mallory")
    assert response.status_code == 403
    kim = db.exec(select(User).where(User.email == "kim@example.org")).one()
    assert kim.oidc_subject == "kim-8" and roles_of(db, kim) == {Role.lead}


def test_it_refuses_an_expired_id_token(app, client, db):
    with running_provider(token_max_age=timedelta(minutes=-5)) as expiring:
        use_provider(app, expiring)
        expiring.set_user("tim-9", email="tim@example.org", groups=["dw-leads"])
        response = sso_login(client, expiring, "tim-9")
    assert response.status_code == 400
    assert "kon niet worden gecontroleerd" in page_text(response.text)
    assert SESSION_COOKIE not in client.cookies
    assert events(db, "auth.sso_refused")[-1]["reason"] == "token_expired"


def test_it_accepts_a_token_within_the_clock_skew_leeway(app, client, db):
    with running_provider(token_max_age=timedelta(seconds=-20)) as skewed:
        use_provider(app, skewed, oidc_leeway_seconds=60)
        skewed.set_user("uma-10", email="uma@example.org", groups=["dw-leads"])
        assert sso_login(client, skewed, "uma-10").status_code == 303


def test_it_refuses_the_providers_refusal(client, sso_app, provider, db):
    location = start(client)
    import httpx

    denied = httpx.post(location, data={"action": "deny"}, timeout=10)
    # This provider sends no state back with its refusal; the page still says what happened.
    response = client.get(path_and_query(denied.headers["location"]))
    assert response.status_code == 403
    assert "De inlogdienst heeft u niet ingelogd" in page_text(response.text)
    state = query_of(location)["state"]
    refused = client.get("/login/sso/callback", params={"state": state, "error": "access_denied"})
    assert refused.status_code == 403
    assert events(db, "auth.sso_refused")[-1]["reason"] == "provider_error"
    again = client.get("/login/sso/callback", params={"state": state, "code": "x"})
    assert again.status_code == 400  # that login is over


def test_it_says_when_the_provider_cannot_be_reached(client, app):
    app.state.settings = app.state.settings.model_copy(
        update={
            "oidc_issuer": "http://127.0.0.1:9",
            "oidc_client_id": CLIENT_ID,
            "oidc_role_map": {"x": ["lead"]},
        }
    )
    response = client.get("/login/sso")
    assert response.status_code == 502
    assert "De inlogdienst is niet bereikbaar" in page_text(response.text)


def test_it_logs_out_at_the_provider_after_ending_its_own_session(client, sso_app, provider, db):
    provider.set_user("ivo-11", email="ivo@example.org", groups=["dw-leads"])
    sso_login(client, provider, "ivo-11")
    user = db.exec(select(User).where(User.oidc_subject == "ivo-11")).one()
    response = client.post_form("/logout")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{provider.issuer}/oauth2/end_session?")
    query = query_of(location)
    web = db.exec(select(WebSession).where(WebSession.user_id == user.id)).one()
    assert web.ended_at is not None
    assert query["id_token_hint"] == web.id_token
    assert query["post_logout_redirect_uri"] == "http://127.0.0.1:8000/login"
    import httpx

    confirm = httpx.get(location, timeout=10)
    assert confirm.status_code == 200  # the provider's own "log out?" page
    assert client.get("/assessments").status_code == 303  # our session is gone


def test_a_local_login_logs_out_without_the_provider(login, sso_app, provider):
    lead = login("lead")
    response = lead.post_form("/logout")
    assert response.headers["location"] == "/login"


def test_the_login_page_offers_the_provider_and_the_password_form(client, app, provider):
    use_provider(app, provider, oidc_provider_name="Haarlem Entra ID")
    soup = BeautifulSoup(client.get("/login?next=/archive").text, "lxml")
    button = soup.find("a", string="Inloggen met Haarlem Entra ID")
    assert button is not None and button["href"] == "/login/sso?next=/archive"
    assert soup.find("input", {"name": "password"}) is not None


def test_local_login_works_when_enabled_with_single_sign_on(client, sso_app):
    response = client.post_form("/login", {"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 303
    assert SESSION_COOKIE in client.cookies


def test_local_login_is_refused_when_switched_off(client, app, provider, db):
    use_provider(app, provider, local_login=False)
    page = client.get("/login")
    soup = BeautifulSoup(page.text, "lxml")
    assert soup.find("input", {"name": "password"}) is None
    assert soup.find("a", href="/login/sso?next=/") is not None
    response = client.post_form("/login", {"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert "Inloggen met een wachtwoord is uitgeschakeld" in page_text(response.text)
    assert SESSION_COOKIE not in client.cookies


def test_the_pending_login_lives_in_the_database_and_expires(client, sso_app, db):
    start(client)
    pending = db.exec(select(PendingLogin)).all()
    assert len(pending) == 1
    assert pending[0].used_at is None
    assert 9 * 60 <= (pending[0].expires_at - pending[0].created_at).total_seconds() <= 10 * 60


def test_without_single_sign_on_there_is_no_provider_button(client):
    assert "/login/sso" not in client.get("/login").text
    assert client.get("/login/sso").status_code == 404


def test_forms_may_lead_to_the_provider_for_the_logout_and_nowhere_else(engine, db, provider):
    from contextlib import contextmanager

    from app.config import get_settings
    from app.main import create_app

    application = create_app(
        get_settings().model_copy(update=provider.settings_update()), engine=engine
    )

    @contextmanager
    def _session():  # type: ignore[no-untyped-def]
        yield db

    application.state.sessions = _session
    with Client(application, base_url="http://testserver") as c:
        csp = c.get("/login").headers["content-security-policy"]
    assert f"form-action 'self' {provider.issuer};" in csp
    assert "default-src 'self';" in csp


def test_a_login_started_by_one_process_is_finished_by_another(engine, db, app, provider):
    """The pending login lives in the database: a second app (another uvicorn worker) on the
    same database finishes what the first began."""
    from contextlib import contextmanager

    from app.main import create_app

    use_provider(app, provider)
    other = create_app(app.state.settings, engine=engine)

    @contextmanager
    def _session():  # type: ignore[no-untyped-def]
        yield db
        db.commit()

    other.state.sessions = _session
    provider.set_user("pim-12", email="pim@example.org", groups=["dw-auditors"])
    with (
        Client(app, base_url="http://testserver", follow_redirects=False) as first,
        Client(other, base_url="http://testserver", follow_redirects=False) as second,
    ):
        callback = provider.authorize(start(first), "pim-12")
        second.cookies.update(first.cookies)
        response = second.get(path_and_query(callback))
        assert response.status_code == 303, response.text
        assert first.get(path_and_query(callback)).status_code == 400  # and only once


def test_it_refuses_a_deactivated_account(client, app, sso_app, provider, db):
    from app.users.service import deactivate_user

    provider.set_user("dirk-13", email="dirk@example.org", groups=["dw-leads"])
    assert sso_login(client, provider, "dirk-13").status_code == 303
    dirk = db.exec(select(User).where(User.oidc_subject == "dirk-13")).one()
    deactivate_user(db, user=dirk, actor=None)
    db.commit()
    with Client(app, base_url="http://testserver", follow_redirects=False) as later:
        response = sso_login(later, provider, "dirk-13")
    assert response.status_code == 403
    assert "Uw account is gedeactiveerd" in page_text(response.text)
    assert events(db, "auth.sso_refused")[-1]["reason"] == "deactivated"


@pytest.fixture
def signing_provider() -> Iterator[SigningProvider]:
    with running_signing_provider() as running:
        running.new_key("k1")
        running.claims = {"sub": "zoe-14", "email": "zoe@example.org", "groups": ["dw-leads"]}
        yield running


def login_at(client: Client, provider: SigningProvider):  # type: ignore[no-untyped-def]
    """Through a provider of our own: its authorisation endpoint logs the user in at once."""
    import httpx

    back = httpx.get(start(client), timeout=10, follow_redirects=False)
    return client.get(path_and_query(back.headers["location"]))


def test_it_refuses_an_id_token_for_another_audience_through_the_whole_flow(
    app, client, signing_provider, db
):
    use_provider(app, signing_provider)
    signing_provider.overrides = {"aud": "another-app"}
    response = login_at(client, signing_provider)
    assert response.status_code == 400
    assert "kon niet worden gecontroleerd" in page_text(response.text)
    assert SESSION_COOKIE not in client.cookies
    assert events(db, "auth.sso_refused")[-1]["reason"] == "wrong_audience"
    assert db.exec(select(User).where(User.oidc_subject == "zoe-14")).first() is None


def test_it_follows_a_key_rotation_between_two_logins(app, client, signing_provider, db):
    use_provider(app, signing_provider)
    assert login_at(client, signing_provider).status_code == 303
    assert signing_provider.jwks_requests == 1
    signing_provider.new_key("k2")  # the provider signs with a new key from now on
    with Client(app, base_url="http://testserver", follow_redirects=False) as later:
        assert login_at(later, signing_provider).status_code == 303
    assert signing_provider.jwks_requests == 2  # one refetch for the unknown key id
