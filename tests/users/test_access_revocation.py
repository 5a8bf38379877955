"""Deactivating a user or an administrator's password reset ends every way in: all the user's
web sessions and API tokens, with an audit event."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent
from app.audit.service import event_details
from app.users.models import ApiToken, WebSession
from app.users.service import set_password
from app.users.tokens import create_token
from tests.conftest import on_both_databases

engine = on_both_databases()


def make_tokens(db, user, n: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    texts = [
        create_token(db, user=user, name=f"script {i}", expires_days=None)[1] for i in range(n)
    ]
    db.commit()
    return texts


def api_status(client, token: str) -> int:  # type: ignore[no-untyped-def]
    return client.get(
        "/api/v1/assessments", headers={"Authorization": f"Bearer {token}"}
    ).status_code


def assert_logged_out(browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.get("/")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = browser.get("/api/v1/assessments")
    assert api.status_code == 401


def revocations(db, user_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.action == "user.access_revoked", AuditEvent.object_id == str(user_id)
        )
    ).all()
    return [event_details(e) for e in events]


def test_it_revokes_every_token_and_session_when_an_admin_deactivates_a_user(
    login, client, db, personas
):
    auditor = personas["auditor"]
    tokens = make_tokens(db, auditor)
    browser = login("auditor")
    assert browser.get("/").status_code == 200
    assert all(api_status(client, t) == 200 for t in tokens)

    admin = login("admin")
    assert admin.post_form(f"/admin/users/{auditor.id}/deactivate").status_code == 303

    assert all(api_status(client, t) == 401 for t in tokens)
    assert_logged_out(browser)
    rows = db.exec(select(ApiToken).where(ApiToken.user_id == auditor.id)).all()
    assert rows and all(r.revoked_at is not None for r in rows)  # for good, not while inactive
    sessions = db.exec(select(WebSession).where(WebSession.user_id == auditor.id)).all()
    assert sessions and all(s.ended_at is not None for s in sessions)
    assert revocations(db, auditor.id) == [{"reason": "deactivated", "sessions": 1, "tokens": 2}]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.access_revoked")).one()
    assert event.actor_id == personas["admin"].id


def test_it_revokes_every_token_and_session_when_an_admin_resets_a_password(
    login, client, db, personas
):
    lead = personas["lead"]
    tokens = make_tokens(db, lead)
    browser = login("lead")
    assert browser.get("/").status_code == 200
    assert all(api_status(client, t) == 200 for t in tokens)

    # `datawaarden users set-password` (the administrator's reset) calls this.
    set_password(db, user=lead, password="Another-Correct-Horse-77", actor=None)
    db.commit()

    assert all(api_status(client, t) == 401 for t in tokens)
    assert_logged_out(browser)
    assert revocations(db, lead.id) == [{"reason": "password_reset", "sessions": 1, "tokens": 2}]
    # The user can make a new token that works.
    (fresh,) = make_tokens(db, lead, 1)
    assert api_status(client, fresh) == 200


def test_it_leaves_other_users_tokens_and_sessions_alone(login, client, db, personas):
    (other,) = make_tokens(db, personas["board"], 1)
    board = login("board")
    make_tokens(db, personas["lead"], 1)
    set_password(db, user=personas["lead"], password="Another-Correct-Horse-77", actor=None)
    db.commit()
    assert api_status(client, other) == 200
    assert board.get("/").status_code == 200
