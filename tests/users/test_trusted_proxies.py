"""The client address comes from X-Forwarded-For only when the peer is a trusted proxy
(DATAWAARDEN_TRUSTED_PROXIES); otherwise it is the socket's peer. The app is run here exactly as
`datawaarden serve` runs it: uvicorn's Config with the options serve() passes, loaded in process."""

from __future__ import annotations

import pytest
import uvicorn
from sqlmodel import select

from app.cli.setup import uvicorn_proxy_options
from app.config import Settings, SettingsError, get_settings, load_settings
from app.users.models import WebSession
from tests.conftest import PASSWORD, PERSONAS, Client

PROXY = "10.0.0.2"
CLIENT = "203.0.113.9"
CHAIR = PERSONAS["chair"].email


def served(app, trusted: str):  # type: ignore[no-untyped-def]
    """The ASGI application uvicorn serves with these settings."""
    settings = Settings(trusted_proxies=trusted)
    config = uvicorn.Config(app, log_config=None, **uvicorn_proxy_options(settings))
    config.load()
    return config.loaded_app


def browser(asgi, peer: str) -> Client:  # type: ignore[no-untyped-def]
    return Client(asgi, base_url="http://testserver", follow_redirects=False, client=(peer, 4321))


def session_client(db, email: str) -> str:  # type: ignore[no-untyped-def]
    from app.users.service import get_user_by_email

    user = get_user_by_email(db, email)
    row = db.exec(
        select(WebSession).where(WebSession.user_id == user.id).order_by(WebSession.id.desc())
    ).first()
    return row.client


def log_in(c: Client, xff: str | None, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": xff} if xff else {}
    return c.post_form("/login", {"email": CHAIR, "password": password}, headers=headers)


def test_it_trusts_no_proxy_by_default():
    assert Settings().trusted_proxies == ""
    assert uvicorn_proxy_options(Settings()) == {"proxy_headers": False}


def test_it_reads_and_checks_the_trusted_proxies_setting(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_TRUSTED_PROXIES", " 10.0.0.2, 10.1.0.0/16 ,::1 ")
    settings = load_settings()
    assert settings.trusted_proxies == "10.0.0.2,10.1.0.0/16,::1"
    assert uvicorn_proxy_options(settings) == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.2,10.1.0.0/16,::1",
    }
    for wrong in ("proxy.example.org", "10.0.0.300", "*"):
        monkeypatch.setenv("DATAWAARDEN_TRUSTED_PROXIES", wrong)
        with pytest.raises(SettingsError, match="DATAWAARDEN_TRUSTED_PROXIES"):
            load_settings()


def test_serve_passes_the_trusted_proxies_to_uvicorn(monkeypatch):
    from app.cli import setup

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("DATAWAARDEN_TRUSTED_PROXIES", "10.0.0.0/24")
    get_settings.cache_clear()
    try:
        setup.serve(host="127.0.0.1", port=8000, workers=1)
    finally:
        get_settings.cache_clear()
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.0/24"
    monkeypatch.delenv("DATAWAARDEN_TRUSTED_PROXIES")
    seen.clear()
    try:
        setup.serve(host="127.0.0.1", port=8000, workers=1)
    finally:
        get_settings.cache_clear()
    assert seen["proxy_headers"] is False and "forwarded_allow_ips" not in seen


def test_it_ignores_x_forwarded_for_from_an_untrusted_peer(app, db):
    c = browser(served(app, ""), PROXY)
    assert log_in(c, CLIENT).status_code == 303
    assert session_client(db, CHAIR) == PROXY
    # Not even a loopback peer is trusted unless configured (uvicorn's own default would).
    c = browser(served(app, ""), "127.0.0.1")
    assert log_in(c, CLIENT).status_code == 303
    assert session_client(db, CHAIR) == "127.0.0.1"


def test_it_uses_x_forwarded_for_from_a_trusted_proxy(app, db):
    c = browser(served(app, "10.0.0.0/24"), PROXY)
    assert log_in(c, CLIENT).status_code == 303
    assert session_client(db, CHAIR) == CLIENT
    # Entries a client wrote itself, left of what the proxy appended, are not believed.
    assert log_in(c, f"198.51.100.1, {CLIENT}").status_code == 303
    assert session_client(db, CHAIR) == CLIENT


def test_it_throttles_each_real_client_behind_a_trusted_proxy_on_its_own(app):
    asgi = served(app, PROXY)
    attacker = browser(asgi, PROXY)
    for _ in range(5):
        assert log_in(attacker, "198.51.100.66", "not-the-password-1").status_code == 401
    assert log_in(attacker, "198.51.100.66").status_code == 429
    # The chair behind the same proxy is another client: she gets in.
    assert log_in(browser(asgi, PROXY), CLIENT).status_code == 303


def test_an_untrusted_peer_cannot_escape_its_delays_by_inventing_addresses(app):
    asgi = served(app, PROXY)
    attacker = browser(asgi, "198.51.100.66")
    for i in range(5):
        assert log_in(attacker, f"192.0.2.{i}", "not-the-password-1").status_code == 401
    assert log_in(attacker, "192.0.2.99").status_code == 429


def recording(app, seen: list):  # type: ignore[no-untyped-def]
    """The app, noting the scheme and client of each request as uvicorn hands it over."""

    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            seen.append((scope["scheme"], scope["client"][0]))
        await app(scope, receive, send)

    return asgi


def test_it_takes_the_scheme_from_a_trusted_proxy_only(app):
    seen: list = []
    headers = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"}
    trusted = browser(served(recording(app, seen), "10.0.0.0/24"), PROXY)
    assert trusted.get("/livez", headers=headers).status_code == 200
    untrusted = browser(served(recording(app, seen), ""), PROXY)
    assert untrusted.get("/livez", headers=headers).status_code == 200
    assert seen == [("https", CLIENT), ("http", PROXY)]
