"""Logging in and out, throttling, sessions and CSRF."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlmodel import select

from app.users.models import WebSession
from app.users.service import SESSION_COOKIE
from tests.conftest import PASSWORD, PERSONAS, page_text, statements_run


def test_it_logs_a_user_in_and_shows_the_home_page(client):
    response = client.post_form("/login", {"email": "lead@example.org", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "Welkom, Lia Lead" in page_text(home.text)


def test_it_accepts_the_email_address_in_any_case(client):
    response = client.post_form("/login", {"email": "  LEAD@Example.org ", "password": PASSWORD})
    assert response.status_code == 303


def test_it_gives_the_same_message_for_an_unknown_email_and_a_wrong_password(client):
    unknown = client.post_form("/login", {"email": "nobody@example.org", "password": PASSWORD})
    wrong = client.post_form(
        "/login", {"email": "lead@example.org", "password": "wrong-password-1"}
    )
    assert unknown.status_code == wrong.status_code == 401
    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in page_text(unknown.text)
    assert message in page_text(wrong.text)
    assert SESSION_COOKIE not in client.cookies


def test_it_starts_a_new_session_at_every_login(client, db, personas):
    client.post_form("/login", {"email": "lead@example.org", "password": PASSWORD})
    first = client.cookies[SESSION_COOKIE]
    client.post_form("/login", {"email": "lead@example.org", "password": PASSWORD})
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    sessions = db.exec(select(WebSession).where(WebSession.user_id == personas["lead"].id)).all()
    assert len(sessions) == 2


def test_it_throttles_an_account_after_repeated_failures(client):
    from app.i18n import gettext, use_locale

    for _ in range(5):
        client.post_form("/login", {"email": "board@example.org", "password": "not-the-password"})
    locked = client.post_form("/login", {"email": "board@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    with use_locale("nl"):
        wait = gettext(
            "Too many failed attempts. Wait %(seconds)s seconds before you try again.", seconds=30
        )
    assert wait in page_text(locked.text)
    assert int(locked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in client.cookies


def test_it_throttles_a_client_address_that_tries_many_accounts(app, client):
    # Loosely (an address may be an office behind NAT), and never the other accounts from it
    # sooner: 20 failures no longer lock everybody at the address out (tests/users/
    # test_login_throttle.py has the rest).
    app.state.settings = app.state.settings.model_copy(update={"login_address_max_failures": 20})
    for i in range(19):
        client.post_form("/login", {"email": f"guess{i}@example.org", "password": "nope-nope-nope"})
    response = client.post_form("/login", {"email": "auditor@example.org", "password": PASSWORD})
    assert response.status_code == 303
    client.post_form("/login", {"email": "guess20@example.org", "password": "nope-nope-nope"})
    response = client.post_form("/login", {"email": "lead@example.org", "password": PASSWORD})
    assert response.status_code == 429


def test_it_refuses_a_login_without_a_csrf_token(client):
    response = client.post("/login", data={"email": "lead@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert "Dit formulier is verlopen" in page_text(response.text)
    assert SESSION_COOKIE not in client.cookies


def test_it_refuses_a_forged_csrf_token(client):
    client.get("/login")
    response = client.post(
        "/login", data={"email": "lead@example.org", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert response.status_code == 403


def test_it_ends_the_session_on_the_server_at_logout(login, client, db):
    lead = login("lead")
    token = lead.cookies[SESSION_COOKIE]
    assert lead.get("/").status_code == 200
    response = lead.post_form("/logout")
    assert response.status_code == 303
    # Replaying the old cookie must not work: the session ended on the server.
    client.cookies.set(SESSION_COOKIE, token)
    again = client.get("/")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")


def test_it_redirects_an_anonymous_visitor_to_the_login_page_and_back(client):
    response = client.get("/admin/users")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"
    form = BeautifulSoup(client.get(response.headers["location"]).text, "lxml")
    assert form.select_one("form[action='/login'] input[name=next]")["value"] == "/admin/users"


def test_it_never_redirects_to_another_site_after_login(client):
    response = client.post_form(
        "/login",
        {"email": "lead@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/"


def test_it_does_not_let_a_deactivated_user_log_in(login, client, personas):
    admin = login("admin")
    user_id = personas["auditor"].id
    assert admin.post_form(f"/admin/users/{user_id}/deactivate").status_code == 303
    response = client.post_form(
        "/login", {"email": PERSONAS["auditor"].email, "password": PASSWORD}
    )
    assert response.status_code == 401


def test_it_finds_the_session_its_user_and_all_roles_in_one_statement(db, personas):
    from app.config import get_settings
    from app.users.models import Role
    from app.users.service import resolve_session, start_session

    chair = personas["chair"]
    token = start_session(db, user=chair, client="test")
    db.expunge_all()
    with statements_run(db) as seen:
        live = resolve_session(db, token=token, settings=get_settings())
    assert live is not None
    assert live.user.id == chair.id and live.roles == {Role.chair, Role.board}
    assert len(seen) == 1, seen
    assert resolve_session(db, token=token + "x", settings=get_settings()) is None


def test_it_gives_a_new_csrf_seed_at_login_in_one_cookie_and_no_internal_marker(client):
    from app.web.csrf import CSRF_COOKIE

    client.csrf()
    old_seed = client.cookies[CSRF_COOKIE]
    response = client.post_form("/login", {"email": "lead@example.org", "password": PASSWORD})
    assert response.status_code == 303
    seeds = [
        c.split(";")[0].split("=", 1)[1]
        for c in response.headers.get_list("set-cookie")
        if c.startswith(f"{CSRF_COOKIE}=")
    ]
    assert len(seeds) == 1 and seeds[0] != old_seed
    assert "dw-csrf-rotated" not in response.headers


def test_it_resolves_a_session_of_a_user_without_roles(db):
    from app.config import get_settings
    from app.users.models import User
    from app.users.service import resolve_session, start_session

    user = User(email="noroles@example.org", name="Nora Roleless", password_hash="x")
    db.add(user)
    db.flush()
    token = start_session(db, user=user, client="test")
    live = resolve_session(db, token=token, settings=get_settings())
    assert live is not None and live.user.id == user.id and live.roles == frozenset()
