"""The administrator's user pages, and role checks."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlmodel import select

from app.audit.models import AuditEvent
from app.users.models import User, UserRole
from tests.conftest import PERSONAS, page_text


def test_it_lists_every_user_for_an_admin(login):
    admin = login("admin")
    response = admin.get("/admin/users")
    assert response.status_code == 200
    rows = BeautifulSoup(response.text, "lxml").select("tbody tr")
    emails = {row.select("td")[1].get_text(strip=True) for row in rows}
    assert {p.email for p in PERSONAS.values()} <= emails


def test_it_refuses_the_user_list_to_a_lead_with_a_page_in_their_language(login):
    lead = login("lead")
    response = lead.get("/admin/users")
    assert response.status_code == 403
    assert "Uw rol geeft geen toegang tot deze pagina." in page_text(response.text)


def test_it_refuses_role_changes_to_a_non_admin(login, db, personas):
    board = login("board")
    response = board.post_form(f"/admin/users/{personas['lead'].id}/roles", {"roles": ["admin"]})
    assert response.status_code == 403
    roles = db.exec(select(UserRole.role).where(UserRole.user_id == personas["lead"].id)).all()
    assert roles == ["lead"]


def test_it_creates_a_user_with_roles(login, db):
    admin = login("admin")
    response = admin.post_form(
        "/admin/users/new",
        {
            "name": "Nina Nieuw",
            "email": "nina@example.org",
            "password": "Zeven-Eiken-Op-De-Dijk",
            "locale": "en",
            "roles": ["lead", "auditor"],
        },
    )
    assert response.status_code == 303
    user = db.exec(select(User).where(User.email == "nina@example.org")).one()
    assert user.locale == "en"
    roles = set(db.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all())
    assert roles == {"lead", "auditor"}
    listing = admin.get("/admin/users")
    assert "Het account van Nina Nieuw is aangemaakt." in page_text(listing.text)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "user.created")).first()


def test_it_shows_field_errors_and_saves_nothing_for_bad_input(login, db):
    admin = login("admin")
    before = len(db.exec(select(User)).all())
    response = admin.post_form(
        "/admin/users/new",
        {"name": "", "email": "not-an-address", "password": "short", "roles": ["lead"]},
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "lxml")
    email = soup.select_one("#f-email")
    assert email["aria-invalid"] == "true"
    assert "f-email-error" in email["aria-describedby"]
    assert "Vul een geldig e-mailadres in." in soup.select_one("#f-email-error").get_text()
    assert soup.select_one("#f-password")["aria-invalid"] == "true"
    assert len(db.exec(select(User)).all()) == before


def test_it_refuses_a_common_password(login):
    admin = login("admin")
    response = admin.post_form(
        "/admin/users/new",
        {
            "name": "Piet",
            "email": "piet@example.org",
            "password": "welkom123456",
            "roles": ["lead"],
        },
    )
    assert response.status_code == 422
    assert "te gangbaar" in page_text(response.text)


def test_it_refuses_an_unknown_role(login, personas):
    admin = login("admin")
    response = admin.post_form(f"/admin/users/{personas['lead'].id}/roles", {"roles": ["emperor"]})
    assert response.status_code == 422
    assert "Onbekende rol" in page_text(response.text)


def test_it_changes_roles_and_records_it(login, db, personas):
    admin = login("admin")
    response = admin.post_form(
        f"/admin/users/{personas['lead'].id}/roles", {"roles": ["lead", "board"]}
    )
    assert response.status_code == 303
    roles = set(db.exec(select(UserRole.role).where(UserRole.user_id == personas["lead"].id)).all())
    assert roles == {"lead", "board"}
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.roles_changed")).one()
    assert event.actor_id == personas["admin"].id


def test_it_keeps_an_admin_from_removing_their_own_admin_role(login, personas):
    admin = login("admin")
    response = admin.post_form(f"/admin/users/{personas['admin'].id}/roles", {"roles": ["lead"]})
    assert response.status_code == 409


def test_it_deactivates_instead_of_deleting_and_ends_their_sessions(login, db, personas):
    lead = login("lead")
    admin = login("admin")
    response = admin.post_form(f"/admin/users/{personas['lead'].id}/deactivate")
    assert response.status_code == 303
    db.refresh(personas["lead"])
    assert personas["lead"].is_active is False
    assert lead.get("/").status_code == 303  # their open session no longer works


def test_it_answers_404_for_an_unknown_user(login):
    admin = login("admin")
    response = admin.get("/admin/users/999999")
    assert response.status_code == 404
    assert "Deze gebruiker bestaat niet." in page_text(response.text)


def test_it_answers_a_non_numeric_id_with_a_clear_4xx(login):
    admin = login("admin")
    response = admin.get("/admin/users/abc")
    assert response.status_code == 422
    assert "Niet alle invoer is geldig" in page_text(response.text)
