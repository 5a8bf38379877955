"""The health check."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import get_settings
from app.db import make_engine
from app.main import create_app


def test_it_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_reports_503_with_the_reason_when_the_database_is_unreachable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite'}")
    app = create_app(get_settings(), engine=engine)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"]


def unreachable_app(tmp_path, **settings):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'db.sqlite'}")
    return create_app(get_settings().model_copy(update=settings), engine=engine)


def test_it_is_live_without_asking_the_database(tmp_path):
    with TestClient(unreachable_app(tmp_path)) as client:
        response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_is_ready_when_the_database_answers_and_the_signing_key_loads(client, dev_pki):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "signing_key": "ok"},
    }


def test_it_is_not_ready_and_names_the_database_when_it_does_not_answer(tmp_path, dev_pki):
    with TestClient(unreachable_app(tmp_path)) as client:
        response = client.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/problems/not-ready")
    assert problem["failed"] == ["database"]
    assert problem["checks"]["database"].startswith("failed: ")
    assert problem["checks"]["signing_key"] == "ok"
    assert problem["detail"] == "Not ready: the database."


def test_it_is_not_ready_when_the_signing_key_cannot_be_loaded(engine, tmp_path):
    broken = tmp_path / "signing.p12"
    broken.write_bytes(b"not a PKCS#12 file")
    app = create_app(get_settings().model_copy(update={"signing_p12": broken}), engine=engine)
    with TestClient(app) as client:
        response = client.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    problem = response.json()
    assert problem["failed"] == ["signing_key"]
    assert problem["checks"]["database"] == "ok"
    assert problem["detail"] == "Not ready: the signing key."
