"""A session that expires loses no work: the page is told when it expires and can extend it, a
form sent after expiry is kept for its user, and it is saved when that user logs in again."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import text
from sqlmodel import select

from app.assessments import answering
from app.reviews.models import ReviewComment
from app.timeutil import utcnow
from app.users.models import ParkedRequest, WebSession
from app.users.parking import MAX_AGE
from app.users.service import SESSION_COOKIE, session_token_hash
from tests.conftest import PASSWORD, PERSONAS, on_both_databases

engine = on_both_databases()

HX = {"HX-Request": "true"}


def expire(db, client) -> None:
    """The client's session has been idle for longer than the limit (as raw SQL, outside the app)."""
    token_hash = session_token_hash(client.cookies[SESSION_COOKIE])
    db.execute(
        text("UPDATE web_sessions SET last_seen_at = :then WHERE token_hash = :hash"),
        {"then": utcnow() - timedelta(hours=3), "hash": token_hash},
    )
    db.commit()


def log_in_again(client, key: str, next_url: str):
    return client.post_form(
        "/login", {"email": PERSONAS[key].email, "password": PASSWORD, "next": next_url}
    )


def test_it_tells_a_logged_in_page_when_its_session_expires(login, app):
    lead = login("lead")
    response = lead.get("/assessments")
    expires_in = int(response.headers["Dw-Session-Expires-In"])
    ends_in = int(response.headers["Dw-Session-Ends-In"])
    settings = app.state.settings
    assert (
        settings.session_idle_minutes * 60 - 5 <= expires_in <= settings.session_idle_minutes * 60
    )
    assert expires_in <= ends_in <= settings.session_absolute_hours * 3600
    warning = BeautifulSoup(response.text, "lxml").select_one("#session-warning")
    assert warning is not None and warning.has_attr("hidden")
    assert warning["role"] == "alertdialog"
    assert abs(int(warning["data-expires-in"]) - expires_in) <= 2
    form = warning.select_one("form[action='/session/extend']")
    assert form.select_one("input[name=csrf_token]")["value"]
    assert form.select_one("input[name=next]")["value"] == "/assessments"


def test_it_gives_an_anonymous_page_neither_a_warning_nor_session_headers(client):
    response = client.get("/login")
    assert "Dw-Session-Expires-In" not in response.headers
    assert 'id="session-warning"' not in response.text


def test_it_extends_a_session_that_was_nearly_idle_too_long(login, db, app):
    lead = login("lead")
    token_hash = session_token_hash(lead.cookies[SESSION_COOKIE])
    idle = app.state.settings.session_idle_minutes
    db.execute(
        text("UPDATE web_sessions SET last_seen_at = :then WHERE token_hash = :hash"),
        {"then": utcnow() - timedelta(minutes=idle - 2), "hash": token_hash},
    )
    db.commit()
    response = lead.post(
        "/session/extend",
        data={"csrf_token": lead.csrf()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.json() == {"extended": True}
    assert int(response.headers["Dw-Session-Expires-In"]) >= idle * 60 - 5
    seen = db.exec(select(WebSession).where(WebSession.token_hash == token_hash)).one()
    db.refresh(seen)
    assert utcnow() - seen.last_seen_at < timedelta(minutes=1)


def test_it_extends_without_javascript_and_goes_back_to_the_page(login):
    lead = login("lead")
    response = lead.post_form("/session/extend", {"next": "/assessments?state=draft"})
    assert response.status_code == 303
    assert response.headers["location"] == "/assessments?state=draft"


def test_it_cannot_extend_a_session_that_already_expired(login, db):
    lead = login("lead")
    expire(db, lead)
    response = lead.post(
        "/session/extend",
        data={"csrf_token": lead.csrf()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401  # the page's script then says the user is logged out
    plain = lead.post_form(
        "/session/extend",
        {"next": "/assessments"},
        headers={"Referer": "http://testserver/assessments"},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/login?next=/assessments"
    assert db.exec(select(ParkedRequest)).all() == []  # nothing of the session itself is kept


def test_it_keeps_an_answer_sent_after_expiry_and_saves_it_after_the_login(
    login, make_assessment, db
):
    a = make_assessment()
    lead = login("lead")
    expire(db, lead)
    page = f"http://testserver/assessments/{a.id}/sections/profile"
    response = lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Tellingen na de pauze", "v-name": "0"},
        headers={**HX, "X-CSRF-Token": lead.csrf(), "HX-Current-URL": page},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == (f"/login?next=/assessments/{a.id}/sections/profile")
    assert "name" not in answering.answer_values(db, a)
    login_page = lead.get(response.headers["HX-Redirect"])
    assert "wordt dan alsnog opgeslagen" in login_page.text

    back = log_in_again(lead, "lead", f"/assessments/{a.id}/sections/profile")
    assert back.status_code == 303
    assert back.headers["location"].startswith("/resume?")
    resumed = lead.get(back.headers["location"])
    assert resumed.status_code == 303
    assert resumed.headers["location"] == f"/assessments/{a.id}/sections/profile"
    assert answering.answer_values(db, a)["name"] == "Tellingen na de pauze"
    landed = lead.get(resumed.headers["location"])
    assert "Tellingen na de pauze" in landed.text
    assert "wat u eerder verstuurde, is opgeslagen" in landed.text
    assert db.exec(select(ParkedRequest)).all() == []


def test_it_keeps_a_comment_sent_after_expiry_and_saves_it_once(login, submitted, db):
    board = login("board")
    expire(db, board)
    page = f"http://testserver/committee/assessments/{submitted.id}"
    response = board.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Wie leest deze gegevens mee?", "question_id": "name"},
        headers={**HX, "X-CSRF-Token": board.csrf(), "HX-Current-URL": page},
    )
    assert response.status_code == 401
    assert db.exec(select(ReviewComment)).all() == []
    back = log_in_again(board, "board", f"/committee/assessments/{submitted.id}")
    resumed = board.get(back.headers["location"])
    assert resumed.headers["location"] == f"/committee/assessments/{submitted.id}"
    comments = db.exec(select(ReviewComment)).all()
    assert [c.body for c in comments] == ["Wie leest deze gegevens mee?"]
    # Going past /resume again sends nothing twice.
    again = board.get("/resume?next=/")
    assert again.status_code == 303
    assert len(db.exec(select(ReviewComment)).all()) == 1


def test_it_keeps_a_plain_form_post_and_returns_to_the_page_it_came_from(login, submitted, db):
    board = login("board")
    expire(db, board)
    response = board.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Zonder JavaScript", "question_id": "name", "csrf_token": board.csrf()},
        headers={"Referer": f"http://testserver/committee/assessments/{submitted.id}?tab=1"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/login?next=/committee/assessments/{submitted.id}%3Ftab%3D1"
    )
    back = log_in_again(board, "board", f"/committee/assessments/{submitted.id}?tab=1")
    resumed = board.get(back.headers["location"])
    assert resumed.headers["location"] == f"/committee/assessments/{submitted.id}?tab=1"
    assert [c.body for c in db.exec(select(ReviewComment)).all()] == ["Zonder JavaScript"]


def test_it_never_saves_what_was_kept_for_another_user(login, submitted, db, personas):
    board = login("board")
    expire(db, board)
    board.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Van het lid", "question_id": "name"},
        headers={**HX, "X-CSRF-Token": board.csrf()},
    )
    assert len(db.exec(select(ParkedRequest)).all()) == 1
    # Someone else logs in on the same browser: the member's form is dropped unsent.
    back = log_in_again(board, "chair", "/")
    resumed = board.get(back.headers["location"])
    assert resumed.status_code == 303
    assert db.exec(select(ReviewComment)).all() == []
    assert db.exec(select(ParkedRequest)).all() == []


def test_it_keeps_nothing_for_a_browser_that_never_had_a_session(client, submitted, db):
    response = client.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Anoniem", "question_id": "name"},
        headers={**HX, "X-CSRF-Token": client.csrf()},
    )
    assert response.status_code == 401
    assert db.exec(select(ParkedRequest)).all() == []
    assert "dw_parked" not in response.headers.get("set-cookie", "")


def test_it_drops_a_kept_form_that_waited_too_long(login, submitted, db):
    board = login("board")
    expire(db, board)
    board.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Te laat", "question_id": "name"},
        headers={**HX, "X-CSRF-Token": board.csrf()},
    )
    db.execute(
        text("UPDATE parked_requests SET created_at = :then"),
        {"then": utcnow() - MAX_AGE - timedelta(minutes=1)},
    )
    db.commit()
    back = log_in_again(board, "board", "/")
    board.get(back.headers["location"])
    assert db.exec(select(ReviewComment)).all() == []


def test_it_shows_the_text_of_a_kept_form_that_is_refused_after_the_login(
    login, make_assessment, db, personas
):
    a = make_assessment()
    lead = login("lead")
    expire(db, lead)
    lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Mijn versie", "v-name": "0"},
        headers={**HX, "X-CSRF-Token": lead.csrf()},
    )
    # Meanwhile a co-author (here: the same lead in another browser) saved the same answer.
    answering.save_answer(
        db,
        assessment=a,
        question_id="name",
        raw="Andere versie",
        base_version=None,
        actor=personas["lead"],
    )
    db.commit()
    back = log_in_again(lead, "lead", f"/assessments/{a.id}/sections/profile")
    resumed = lead.get(back.headers["location"])
    assert resumed.status_code == 200
    page = BeautifulSoup(resumed.text, "lxml")
    assert page.select_one("#error-summary") is not None
    assert [t.get_text() for t in page.select("textarea[readonly]")] == ["Mijn versie"]
    assert answering.answer_values(db, a)["name"] == "Andere versie"
    assert page.select_one(f"a[href='/assessments/{a.id}/sections/profile']") is not None
