"""A real OpenID provider on the loopback interface for the single sign-on tests: the
`oidc-provider-mock` package (authlib on Flask) in a thread on a free port. Users and their
claims are set through its HTTP API; a test logs in by posting the provider's own
authorisation form, exactly as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from oidc_provider_mock import run_server_in_thread

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


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def path_and_query(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"
