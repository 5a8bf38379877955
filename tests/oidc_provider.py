"""A real OpenID provider on the loopback interface for the single sign-on tests: the
`oidc-provider-mock` package (authlib on Flask) in a thread on a free port. Users and their
claims are set through its HTTP API; a test logs in by posting the provider's own
authorisation form, exactly as a browser would."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from oidc_provider_mock import run_server_in_thread

from app.config import Settings

CLIENT_ID = "datawaarden"
CLIENT_SECRET = "test-client-secret"
ROLE_MAP = {
    "dw-leads": ["lead"],
    "dw-committee": ["board"],
    "dw-chair": ["chair", "board"],
    "dw-auditors": ["auditor"],
    "dw-admins": ["admin"],
}


@dataclass(frozen=True)
class Provider:
    """A running provider: its issuer URL and how to put a user into it."""

    issuer: str

    def set_user(self, sub: str, **claims: Any) -> None:
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Log `sub` in on the provider's page for this authorisation request; returns where
        the provider sends the browser back to (the app's callback with code and state)."""
        response = httpx.post(authorization_url, data={"sub": sub}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def settings_update(self, **more: Any) -> dict[str, Any]:
        """The app's settings for this provider."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_role_claim": "groups",
            "oidc_role_map": ROLE_MAP,
            **more,
        }


@contextmanager
def running_provider(*, token_max_age: timedelta = timedelta(hours=1)) -> Iterator[Provider]:
    """A provider that requires a nonce and signs ID tokens valid for `token_max_age`
    (negative: already expired when issued)."""
    with run_server_in_thread(require_nonce=True, access_token_max_age=token_max_age) as server:
        yield Provider(issuer=f"http://localhost:{server.server_port}")


NONCE = "nonce-of-this-login"


class SigningProvider:
    """A provider of our own for what the mock cannot do: it signs ID tokens with keys the test
    chooses (and rotates), publishes them as a JWKS, and lets a test bend the token's claims
    (`overrides`). Discovery, an authorisation endpoint that logs `sub` in at once, a token
    endpoint and the JWKS, on the loopback interface."""

    def __init__(self) -> None:
        self.keys: list[RSAKey] = []
        self.jwks_requests = 0
        self.claims: dict[str, Any] = {"sub": "user-1", "email": "user-1@example.org"}
        self.overrides: dict[str, Any] = {}
        self.codes: dict[str, str] = {}  # code -> nonce
        self.authorization_requests: list[dict[str, str]] = []  # the query of each, in order
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.httpd.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _sep, query = self.path.partition("?")
                if path == "/authorize":
                    params = {k: v[0] for k, v in parse_qs(query).items()}
                    provider.authorization_requests.append(params)
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = params.get("nonce", "")
                    target = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path == "/.well-known/openid-configuration":
                    self._json(provider.discovery())
                elif path == "/jwks":
                    provider.jwks_requests += 1
                    self._json({"keys": [key.as_dict(private=False) for key in provider.keys]})
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                nonce = provider.codes.pop(form.get("code", ""), None)
                if self.path != "/token" or nonce is None:
                    self._json({"error": "invalid_grant"}, status=400)
                    return
                id_token = provider.token(provider.keys[-1], nonce=nonce, **provider.claims)
                self._json({"access_token": "at", "token_type": "Bearer", "id_token": id_token})

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
        }

    def new_key(self, kid: str) -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
        self.keys.append(key)
        return key

    def settings(self, **more: Any) -> Settings:
        return Settings(**self.settings_update(**more))

    def settings_update(self, **more: Any) -> dict[str, Any]:
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_role_claim": "groups",
            "oidc_role_map": ROLE_MAP,
            **more,
        }

    def token(self, key: RSAKey | OctKey, **claims: Any) -> str:
        """An ID token signed with `key`; the claims given, then `overrides`, win."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": "user-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": NONCE,
            **claims,
            **self.overrides,
        }
        alg = "HS256" if isinstance(key, OctKey) else "RS256"
        return jwt.encode({"alg": alg, "kid": key.kid or "k"}, payload, key)


@contextmanager
def running_signing_provider() -> Iterator[SigningProvider]:
    provider = SigningProvider()
    thread = threading.Thread(target=provider.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        provider.httpd.shutdown()
        provider.httpd.server_close()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def path_and_query(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"
