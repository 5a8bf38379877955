from __future__ import annotations

import pytest

from app.users.tokens import create_token
from tests.conftest import on_both_databases

# The API suites run on SQLite and on PostgreSQL.
engine = on_both_databases()


@pytest.fixture
def token(db, personas):
    """A personal API token for a persona: token('lead') -> 'dw_…'."""

    def _make(key: str, **kwargs) -> str:
        _row, text = create_token(
            db, user=personas[key], name=f"test {key}", expires_days=kwargs.get("expires_days")
        )
        db.commit()
        return text

    return _make


@pytest.fixture
def api(client, token):
    """A client that sends a persona's token."""

    def _for(key: str | None):
        headers = {"Authorization": f"Bearer {token(key)}"} if key else {}

        class Caller:
            def get(self, url, **kw):
                return client.get(url, headers={**headers, **kw.pop("headers", {})}, **kw)

            def post(self, url, **kw):
                return client.post(url, headers={**headers, **kw.pop("headers", {})}, **kw)

            def put(self, url, **kw):
                return client.put(url, headers={**headers, **kw.pop("headers", {})}, **kw)

        return Caller()

    return _for
