"""The CSRF rule on its own: which requests must carry the token, where it may be carried, and
which seeds and tokens are accepted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from app.errors import CsrfError
from app.web.csrf import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token,
    is_valid_seed,
    new_seed,
    token_for_seed,
    verify_csrf,
)


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI(dependencies=[Depends(verify_csrf)])

    @app.api_route("/form", methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
    def form() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/api/thing")
    def api_thing() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/token")
    def token(request: Request) -> dict[str, str]:
        request.state.csrf_seed = request.query_params.get("seed")
        return {"token": csrf_token(request)}

    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _refused(call) -> bool:  # type: ignore[no-untyped-def]
    try:
        call()
    except CsrfError:
        return True
    return False


def test_it_issues_seeds_that_it_accepts():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(is_valid_seed(s) and len(s) == 43 for s in seeds)


@pytest.mark.parametrize(
    "seed", [None, "", "a" * 42, "a" * 44, "a" * 42 + "!", "a" * 42 + "=", " " + "a" * 42]
)
def test_it_refuses_a_seed_it_could_not_have_issued(seed):
    assert is_valid_seed(seed) is False


def test_it_accepts_a_seed_of_the_right_length_and_alphabet():
    assert is_valid_seed("aZ09_-" * 7 + "x") is True


def test_the_token_is_an_hmac_of_the_seed_with_the_secret_key():
    import hashlib
    import hmac

    from app.config import get_settings

    seed = new_seed()
    key = get_settings().resolved_secret_key().encode()
    expected = hmac.new(key, f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()
    assert token_for_seed(seed) == expected
    assert token_for_seed(seed) != token_for_seed(new_seed())


def test_the_token_of_a_request_belongs_to_its_seed(client):
    seed = new_seed()
    assert client.get("/token", params={"seed": seed}).json() == {"token": token_for_seed(seed)}
    assert client.get("/token").json() == {"token": ""}


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_it_lets_safe_methods_through_without_a_token(client, method):
    assert client.request(method, "/form").status_code in (200, 405)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_it_refuses_a_state_changing_request_without_a_token(client, method):
    client.cookies.set(CSRF_COOKIE, new_seed())
    assert _refused(lambda: client.request(method, "/form"))


def test_it_accepts_the_token_in_the_header(client):
    seed = new_seed()
    client.cookies.set(CSRF_COOKIE, seed)
    response = client.post("/form", headers={CSRF_HEADER: token_for_seed(seed)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_it_accepts_the_token_in_a_form(client, content_type):
    seed = new_seed()
    client.cookies.set(CSRF_COOKIE, seed)
    if content_type.startswith("multipart"):
        response = client.post(
            "/form", data={CSRF_FIELD: token_for_seed(seed)}, files={"f": ("a.txt", b"x")}
        )
    else:
        response = client.post("/form", data={CSRF_FIELD: token_for_seed(seed)})
    assert response.status_code == 200


def test_it_does_not_read_a_token_from_a_json_body(client):
    seed = new_seed()
    client.cookies.set(CSRF_COOKIE, seed)
    assert _refused(lambda: client.post("/form", json={CSRF_FIELD: token_for_seed(seed)}))


def test_it_refuses_a_form_with_a_file_where_the_token_belongs(client):
    seed = new_seed()
    client.cookies.set(CSRF_COOKIE, seed)
    token = token_for_seed(seed).encode()
    assert _refused(lambda: client.post("/form", files={CSRF_FIELD: ("t.txt", token)}))


def test_it_refuses_the_token_of_another_seed(client):
    client.cookies.set(CSRF_COOKIE, new_seed())
    assert _refused(lambda: client.post("/form", headers={CSRF_HEADER: token_for_seed(new_seed())}))


def test_it_refuses_a_token_without_a_cookie(client):
    seed = new_seed()
    assert _refused(lambda: client.post("/form", headers={CSRF_HEADER: token_for_seed(seed)}))


def test_it_refuses_a_forged_cookie_with_its_matching_token(client):
    seed = "short"
    client.cookies.set(CSRF_COOKIE, seed)
    assert _refused(lambda: client.post("/form", headers={CSRF_HEADER: token_for_seed(seed)}))


def test_the_header_wins_over_the_form(client):
    seed = new_seed()
    client.cookies.set(CSRF_COOKIE, seed)
    assert _refused(
        lambda: client.post(
            "/form", headers={CSRF_HEADER: "wrong"}, data={CSRF_FIELD: token_for_seed(seed)}
        )
    )


def test_it_lets_an_api_call_with_a_bearer_token_through(client):
    client.cookies.set(SESSION_COOKIE, "a-session")
    assert client.post("/api/thing", headers={"Authorization": "Bearer abc"}).status_code == 200
    assert client.post("/api/thing", headers={"Authorization": "bearer abc"}).status_code == 200


def test_it_lets_an_api_call_without_a_session_cookie_through(client):
    assert client.post("/api/thing").status_code == 200


def test_it_refuses_an_api_call_that_rides_on_a_session_cookie(client):
    client.cookies.set(SESSION_COOKIE, "a-session")
    client.cookies.set(CSRF_COOKIE, new_seed())
    assert _refused(lambda: client.post("/api/thing"))
    assert _refused(lambda: client.post("/api/thing", headers={"Authorization": "Basic abc"}))


def test_an_api_call_on_a_session_cookie_passes_with_the_token(client):
    seed = new_seed()
    client.cookies.set(SESSION_COOKIE, "a-session")
    client.cookies.set(CSRF_COOKIE, seed)
    response = client.post("/api/thing", headers={CSRF_HEADER: token_for_seed(seed)})
    assert response.status_code == 200


def test_the_api_exemption_is_only_for_paths_under_api(client):
    client.cookies.set(CSRF_COOKIE, new_seed())
    assert _refused(lambda: client.post("/form", headers={"Authorization": "Bearer abc"}))
