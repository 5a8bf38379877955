"""The ID token's checks (app.users.oidc.validate_id_token) on tokens from a real provider and
on tokens signed here with keys published by a small provider of our own (its keys rotate on
demand), and the settings of single sign-on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from joserfc.jwk import OctKey, RSAKey

from app.config import Settings, SettingsError, load_settings
from app.users import oidc
from app.users.sso import check_role_map, roles_from_claims
from tests.oidc_provider import (
    CLIENT_ID,
    NONCE,
    SigningProvider,
    path_and_query,
    query_of,
    running_provider,
    running_signing_provider,
)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    oidc.clear_caches()
    yield
    oidc.clear_caches()


@pytest.fixture
def keys() -> Iterator[SigningProvider]:
    with running_signing_provider() as provider:
        yield provider


def reason(settings: Settings, token: str, **kwargs: Any) -> str:
    with pytest.raises(oidc.OidcError) as excinfo:
        oidc.validate_id_token(settings, id_token=token, nonce=NONCE, **kwargs)
    return excinfo.value.reason


def test_it_accepts_a_token_signed_with_the_providers_key(keys):
    key = keys.new_key("k1")
    claims = oidc.validate_id_token(keys.settings(), id_token=keys.token(key), nonce=NONCE)
    assert claims["sub"] == "user-1"


def test_it_fetches_the_keys_once_more_when_a_token_names_a_new_key(keys):
    settings = keys.settings()
    first = keys.new_key("k1")
    oidc.validate_id_token(settings, id_token=keys.token(first), nonce=NONCE)
    assert keys.jwks_requests == 1
    rotated = keys.new_key("k2")  # the provider rotates: the cached set does not hold k2
    oidc.validate_id_token(settings, id_token=keys.token(rotated), nonce=NONCE)
    assert keys.jwks_requests == 2
    oidc.validate_id_token(settings, id_token=keys.token(rotated), nonce=NONCE)
    oidc.validate_id_token(settings, id_token=keys.token(first), nonce=NONCE)
    assert keys.jwks_requests == 2  # known keys come from the cache


def test_it_refuses_a_key_the_provider_does_not_publish_after_one_refetch(keys):
    keys.new_key("k1")
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k9"})
    assert reason(keys.settings(), keys.token(stranger)) == "bad_signature"
    assert keys.jwks_requests == 2  # the cached set, then one refetch for k9; no more


def test_it_refuses_a_forged_signature_under_a_published_key_id(keys):
    keys.new_key("k1")
    forger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    assert reason(keys.settings(), keys.token(forger)) == "bad_signature"


def test_it_refuses_a_token_signed_with_the_client_secret(keys):
    keys.new_key("k1")
    secret = OctKey.import_key("s" * 32, parameters={"kid": "k1"})
    assert reason(keys.settings(oidc_client_secret="s" * 32), keys.token(secret)) == "bad_signature"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"aud": "another-app"}, "wrong_audience"),
        ({"aud": [CLIENT_ID, "another-app"], "azp": "another-app"}, "wrong_audience"),
        ({"iss": "https://evil.example.org"}, "wrong_issuer"),
        ({"nonce": "from-another-login"}, "wrong_nonce"),
        ({"exp": int(time.time()) - 120}, "token_expired"),
    ],
)
def test_it_refuses_a_token_whose_claims_do_not_fit(keys, overrides, expected):
    key = keys.new_key("k1")
    assert reason(keys.settings(oidc_leeway_seconds=60), keys.token(key, **overrides)) == expected


def test_it_allows_the_configured_clock_skew(keys):
    key = keys.new_key("k1")
    late = keys.token(key, exp=int(time.time()) - 30)
    assert reason(keys.settings(oidc_leeway_seconds=10), late) == "token_expired"
    oidc.validate_id_token(keys.settings(oidc_leeway_seconds=60), id_token=late, nonce=NONCE)


def test_it_refuses_a_real_providers_token_for_another_application():
    with running_provider() as provider:
        # Another application of the organisation logs the user in and gets an ID token...
        authorize = httpx.post(
            f"{provider.issuer}/oauth2/authorize",
            params={
                "client_id": "another-app",
                "redirect_uri": "http://another-app.example/cb",
                "response_type": "code",
                "scope": "openid email",
                "state": "s",
                "nonce": NONCE,
            },
            data={"sub": "someone"},
            timeout=10,
        )
        code = query_of(authorize.headers["location"])["code"]
        assert path_and_query(authorize.headers["location"]).startswith("/cb?")
        token = httpx.post(
            f"{provider.issuer}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://another-app.example/cb",
                "client_id": "another-app",
                "client_secret": "its-secret",
            },
            timeout=10,
        ).json()["id_token"]
        # ...which is no ticket into Datawaarden.
        settings = Settings(**provider.settings_update())
        assert reason(settings, token) == "wrong_audience"


def test_roles_come_from_a_list_or_a_single_string():
    settings = Settings(
        oidc_issuer="https://login.example.org",
        oidc_client_id=CLIENT_ID,
        oidc_role_map={"leads": ["lead"], "chairs": ["chair", "board"]},
    )
    assert roles_from_claims(settings, {"groups": ["leads", "chairs", "other"]}) == {
        "lead",
        "chair",
        "board",
    }
    assert roles_from_claims(settings, {"groups": "chairs"}) == {"chair", "board"}
    assert roles_from_claims(settings, {"groups": [3, None]}) == set()
    assert roles_from_claims(settings, {}) == set()


def test_an_unknown_role_in_the_role_map_stops_the_start():
    settings = Settings(
        oidc_issuer="https://login.example.org",
        oidc_client_id=CLIENT_ID,
        oidc_role_map={"leads": ["leader"]},
    )
    with pytest.raises(SettingsError) as excinfo:
        check_role_map(settings)
    assert "DATAWAARDEN_OIDC_ROLE_MAP" in str(excinfo.value)
    assert "'leader'" in str(excinfo.value) and "lead, board" in str(excinfo.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATAWAARDEN_OIDC_ROLE_MAP": "{leads: lead}"}, "not valid JSON"),
        ({"DATAWAARDEN_OIDC_ROLE_MAP": '["lead"]'}, "must be a JSON object"),
        ({"DATAWAARDEN_OIDC_ROLE_MAP": '{"leads": 1}'}, "must be a JSON object"),
        ({"DATAWAARDEN_OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID"),
        ({"DATAWAARDEN_LOCAL_LOGIN": "maybe"}, "DATAWAARDEN_LOCAL_LOGIN"),
    ],
)
def test_wrong_single_sign_on_settings_stop_the_start_with_one_line(monkeypatch, env, named):
    monkeypatch.setenv("DATAWAARDEN_OIDC_ISSUER", "https://login.example.org")
    monkeypatch.setenv("DATAWAARDEN_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("DATAWAARDEN_OIDC_ROLE_MAP", '{"leads": "lead"}')
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert named in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_local_login_can_be_switched_off_only_with_single_sign_on(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_LOCAL_LOGIN", "off")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "LOCAL_LOGIN" in str(excinfo.value)
    monkeypatch.setenv("DATAWAARDEN_OIDC_ISSUER", "https://login.example.org")
    monkeypatch.setenv("DATAWAARDEN_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("DATAWAARDEN_OIDC_ROLE_MAP", '{"leads": ["lead"], "chairs": "chair"}')
    settings = load_settings()
    assert settings.local_login is False
    assert settings.oidc_role_map == {"leads": ["lead"], "chairs": ["chair"]}


def test_it_refuses_a_token_that_is_no_token_at_all(keys):
    keys.new_key("k1")
    assert reason(keys.settings(), "not.a.jwt") == "bad_signature"
    assert reason(keys.settings(), "") == "bad_signature"


def test_it_refuses_an_issuer_whose_discovery_document_names_another(keys):
    settings = Settings(
        oidc_issuer=keys.issuer + "/", oidc_client_id=CLIENT_ID, oidc_role_map={"x": ["lead"]}
    )
    with pytest.raises(oidc.OidcError) as excinfo:
        oidc.discover(settings.oidc_issuer)
    assert excinfo.value.reason == "issuer_mismatch"


@pytest.mark.parametrize(
    ("role_map", "named"),
    [
        ('{"leads": "leader"}', "unknown role 'leader'"),
        ("{leads: lead}", "not valid JSON"),
    ],
)
def test_the_server_does_not_start_with_a_wrong_role_map(role_map, named):
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        DATAWAARDEN_OIDC_ISSUER="https://login.example.org",
        DATAWAARDEN_OIDC_CLIENT_ID=CLIENT_ID,
        DATAWAARDEN_OIDC_ROLE_MAP=role_map,
    )
    result = subprocess.run(
        [sys.executable, "-c", "import app.asgi"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATAWAARDEN_OIDC_ROLE_MAP" in result.stderr and named in result.stderr
    assert "Traceback" not in result.stderr
