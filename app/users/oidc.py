"""The OpenID Connect client: the provider's discovery document and keys (cached), the
authorization request with PKCE, the code exchange, and the checks of the ID token. No database
and no web framework: app.users.sso decides what a login means for an account."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from app.config import Settings

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_MAX_AGE = 3600.0  # seconds a discovery document is used before it is fetched again
JWKS_MAX_AGE = 24 * 3600.0  # the keys are fetched again sooner when a token names a new key
HTTP_TIMEOUT = 10.0
# Asymmetric signatures only: "none" and the HMAC algorithms (keyed with the client secret,
# which this app and the provider share) are never accepted for an ID token.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


class OidcError(Exception):
    """A login through the provider failed; `reason` is a short code for the audit log."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class _Cached:
    value: Any
    fetched_at: float


_lock = threading.Lock()
_discovery: dict[str, _Cached] = {}
_jwks: dict[str, _Cached] = {}


def clear_caches() -> None:
    """Forget every discovery document and key set (tests; a changed provider)."""
    with _lock:
        _discovery.clear()
        _jwks.clear()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError("provider_unreachable", f"{url}: {exc}") from None
    if not isinstance(data, dict):
        raise OidcError("provider_unreachable", f"{url}: not a JSON object")
    return data


def discover(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, fetched at most once per DISCOVERY_MAX_AGE."""
    now = time.monotonic()
    with _lock:
        cached = _discovery.get(issuer)
    if cached is not None and now - cached.fetched_at < DISCOVERY_MAX_AGE:
        return dict(cached.value)
    metadata = _get_json(issuer.rstrip("/") + DISCOVERY_PATH)
    if metadata.get("issuer") != issuer:
        raise OidcError("issuer_mismatch", f"the provider calls itself {metadata.get('issuer')!r}")
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(needed), str):
            raise OidcError("provider_unreachable", f"discovery document without {needed}")
    with _lock:
        _discovery[issuer] = _Cached(metadata, now)
    return dict(metadata)


def _key_set(jwks_uri: str, *, refresh: bool) -> KeySet:
    now = time.monotonic()
    with _lock:
        cached = _jwks.get(jwks_uri)
    if cached is not None and not refresh and now - cached.fetched_at < JWKS_MAX_AGE:
        keys: KeySet = cached.value
        return keys
    document = _get_json(jwks_uri)
    try:
        keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcError("bad_jwks", str(exc)) from None
    with _lock:
        _jwks[jwks_uri] = _Cached(keys, now)
    return keys


def _signing_keys(jwks_uri: str, kid: str | None) -> KeySet:
    """The cached keys; fetched once more when the token names a key they do not hold (the
    provider rotated its keys)."""
    keys = _key_set(jwks_uri, refresh=False)
    if kid is not None and all(key.kid != kid for key in keys.keys):
        keys = _key_set(jwks_uri, refresh=True)
    return keys


def _client(settings: Settings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if settings.oidc_client_secret else "none",
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def authorization_url(
    settings: Settings,
    *,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_verifier: str,
    locale: str,
    fresh_login: bool = False,
) -> str:
    """Where to send the browser: the authorization request (code flow, PKCE S256). With
    `fresh_login` the provider must ask the user to log in again, whatever session it holds
    (`prompt=login`, `max_age=0`: its ID token then carries `auth_time`)."""
    extra = {"prompt": "login", "max_age": "0"} if fresh_login else {}
    metadata = discover(settings.oidc_issuer)
    with _client(settings, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            ui_locales=locale,
            **extra,
        )
    return str(url)


def exchange_code(
    settings: Settings, *, code: str, code_verifier: str, redirect_uri: str
) -> dict[str, Any]:
    """The provider's token response for an authorization code."""
    metadata = discover(settings.oidc_issuer)
    with _client(settings, redirect_uri) as client:
        try:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=HTTP_TIMEOUT,
            )
        except OAuth2Error as exc:
            raise OidcError("token_refused", f"{exc.error}: {exc.description}") from None
        except requests.RequestException as exc:
            raise OidcError("provider_unreachable", str(exc)) from None
        except ValueError as exc:  # a token response that is not JSON
            raise OidcError("token_refused", str(exc)) from None
    if not isinstance(token.get("id_token"), str):
        raise OidcError("no_id_token", "the token response holds no ID token")
    return dict(token)


def validate_id_token(
    settings: Settings, *, id_token: str, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The claims of an ID token after every check: signature by one of the provider's keys,
    issuer, audience (and authorised party), expiry and issue time within the leeway, nonce."""
    metadata = discover(settings.oidc_issuer)
    keys = _signing_keys(metadata["jwks_uri"], _kid_of(id_token))
    try:
        token = jwt.decode(id_token, keys, algorithms=list(SIGNING_ALGORITHMS))
    except JoseError as exc:
        raise OidcError("bad_signature", str(exc)) from None
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=settings.oidc_leeway_seconds,
        iss={"essential": True, "value": settings.oidc_issuer},
        aud={"essential": True, "value": settings.oidc_client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise OidcError("token_expired", "the ID token has expired") from None
    except ClaimError as exc:
        raise OidcError(_claim_reason(exc), str(exc)) from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise OidcError("wrong_audience", "several audiences and another authorised party")
    return claims


def _kid_of(id_token: str) -> str | None:
    """The key id in the token's (not yet verified) header, to choose the key."""
    try:
        segment = id_token.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


_CLAIM_REASONS = {"aud": "wrong_audience", "iss": "wrong_issuer", "nonce": "wrong_nonce"}


def _claim_reason(exc: ClaimError) -> str:
    return _CLAIM_REASONS.get(exc.claim, "bad_claims")


def end_session_url(settings: Settings, *, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's logout (RP-initiated logout) for a session of ours, or "" when the
    provider offers none or cannot be reached."""
    try:
        endpoint = discover(settings.oidc_issuer).get("end_session_endpoint")
    except OidcError:
        return ""
    if not isinstance(endpoint, str) or not endpoint:
        return ""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": settings.oidc_client_id,
        }
    )
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}"
