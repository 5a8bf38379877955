"""Every refused form comes back as its own page (a 4xx), with what was typed, the message next
to its field (aria-invalid, aria-describedby) and an error summary that takes focus and links
to the field; with htmx, the form's fragment with its errors (app.web.forms, one macro set in
templates/_macros/forms.html)."""

from __future__ import annotations

import io

from bs4 import BeautifulSoup

from app.reviews import commenting, judging
from app.users.models import Role
from tests.conftest import PERSONAS, on_both_databases

engine = on_both_databases()

HX = {"HX-Request": "true"}
COMMITTEE = frozenset({Role.board})


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "lxml")


def refused_at(page: BeautifulSoup, field_id: str) -> str:
    """The message of a refused field: the field is invalid and described by its message, which
    the focusable error summary at the top repeats as a link to the field. Returns it."""
    field = page.select_one(f"#{field_id}")
    assert field is not None, field_id
    assert field.get("aria-invalid") == "true", field
    described = [page.select_one(f"#{i}") for i in field["aria-describedby"].split()]
    errors = [d for d in described if d is not None and "field-error" in d.get("class", [])]
    assert errors, f"#{field_id} is not described by an error message"
    text = errors[0].get_text(" ", strip=True)
    assert text.startswith("Fout: "), text  # said as an error, also to a screen reader
    message = text.removeprefix("Fout: ")
    summary = page.select_one("#error-summary")
    assert summary is not None, "no error summary"
    assert summary["tabindex"] == "-1" and summary.has_attr("autofocus")
    assert summary.select_one("h2").get_text(strip=True)
    link = summary.select_one(f'a[href="#{field_id}"]')
    assert link is not None, f"the summary does not link to #{field_id}"
    assert message in link.get_text(" ", strip=True)
    assert page.select_one(".error-page") is None  # the form itself, not the bare error page
    return message


def value_of(page: BeautifulSoup, field_id: str) -> str:
    field = page.select_one(f"#{field_id}")
    return field.get_text() if field.name == "textarea" else field.get("value", "")


def hx_post(client, url, data):
    """As htmx posts a form: its fields, and the CSRF token in the header the page sets."""
    return client.post(url, data=data, headers={**HX, "X-CSRF-Token": client.csrf()})


# --- logging in and the administrator's forms ---------------------------------------------


def test_it_shows_the_login_form_again_with_the_address_and_what_is_missing(client):
    empty = client.post_form("/login", {"email": "", "password": ""})
    assert empty.status_code == 422
    page = soup(empty)
    assert refused_at(page, "f-email") == "Vul uw e-mailadres in."
    assert refused_at(page, "f-password") == "Vul uw wachtwoord in."
    assert page.title.get_text().startswith("Fout: ")

    wrong = client.post_form("/login", {"email": PERSONAS["lead"].email, "password": "Fout-1234"})
    assert wrong.status_code == 401
    page = soup(wrong)
    assert refused_at(page, "f-email") == "Het e-mailadres of het wachtwoord klopt niet."
    assert value_of(page, "f-email") == PERSONAS["lead"].email
    assert value_of(page, "f-password") == ""  # a password is never sent back


def test_it_shows_the_new_user_form_again_with_the_input(login):
    admin = login("admin")
    response = admin.post_form(
        "/admin/users/new",
        {"name": "Nina Nieuw", "email": "geen adres", "password": "kort", "roles": ["lead"]},
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-email") == "Vul een geldig e-mailadres in."
    assert refused_at(page, "f-password")
    assert value_of(page, "f-name") == "Nina Nieuw" and value_of(page, "f-email") == "geen adres"
    assert page.select_one("#role-lead").has_attr("checked")


def test_it_shows_the_roles_again_as_chosen_when_an_admin_drops_their_own(login, personas):
    admin = login("admin")
    response = admin.post_form(
        f"/admin/users/{personas['admin'].id}/roles", {"roles": ["lead", "auditor"]}
    )
    assert response.status_code == 409
    page = soup(response)
    assert refused_at(page, "role-lead") == "U kunt uw eigen beheerdersrol niet intrekken."
    assert page.select_one("#role-lead").has_attr("checked")
    assert page.select_one("#role-auditor").has_attr("checked")
    assert not page.select_one("#role-admin").has_attr("checked")


def test_it_shows_the_token_form_again_with_the_name_and_the_validity(login):
    lead = login("lead")
    response = lead.post_form("/account/tokens", {"name": "Rapportage", "expires_days": "veel"})
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-expires_days") == "De geldigheid moet tussen 1 en 3650 dagen liggen."
    assert value_of(page, "f-name") == "Rapportage" and value_of(page, "f-expires_days") == "veel"


# --- the lead's forms ---------------------------------------------------------------------


def test_it_shows_the_new_assessment_form_again_with_the_input(login, sample_version):
    lead = login("lead")
    response = lead.post_form(
        "/assessments/new",
        {
            "title": " ",
            "department": "Mobiliteit",
            "description": "Tellingen per kruispunt.",
            "questionnaire": str(sample_version.id),
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-title") == "Vul een titel in van hoogstens 200 tekens."
    assert value_of(page, "f-department") == "Mobiliteit"
    assert value_of(page, "f-description") == "Tellingen per kruispunt."


def test_it_shows_a_refused_co_author_at_its_field_with_the_address(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/coauthors", {"email": "vroegsignalering haarlem"}
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-coauthor") == "Vul een e-mailadres in, zoals naam@haarlem.nl."
    assert value_of(page, "f-coauthor") == "vroegsignalering haarlem"
    assert page.h1.get_text(" ", strip=True).startswith(a.title)

    again = lead.post_form(f"/assessments/{a.id}/coauthors", {"email": PERSONAS["lead"].email})
    assert again.status_code == 409  # the lead edits it already
    assert refused_at(soup(again), "f-coauthor") == "Lia Lead kan deze beoordeling al bewerken."


def test_it_shows_the_section_again_with_the_refused_answer(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/sections/profile",
        {"a-name": "Tellingen", "a-personal": "ordinary", "a-people": "veel", "go": "next"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "a-people") == "Vul een getal in."
    assert value_of(page, "a-people") == "veel" and value_of(page, "a-name") == "Tellingen"


def test_it_says_on_the_review_page_why_an_incomplete_assessment_was_not_submitted(
    login, make_assessment
):
    a = make_assessment()
    response = login("lead").post_form(f"/assessments/{a.id}/submit")
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one("#error-summary")
    assert summary["tabindex"] == "-1" and summary.has_attr("autofocus")
    assert "nog niet compleet" in summary.get_text(" ", strip=True)
    assert page.select_one("#missing a[href$='/find/name']") is not None


def test_it_shows_the_import_form_again_with_the_reason_at_the_file(login):
    lead = login("lead")
    without = lead.post_form("/assessments/import", {})
    assert without.status_code == 422
    assert refused_at(soup(without), "f-file") == "Kies een bestand."
    other = lead.post(
        "/assessments/import",
        data={"csrf_token": lead.csrf()},
        files={"file": ("notities.json", io.BytesIO(b"geen json"), "application/json")},
    )
    assert other.status_code == 422
    assert refused_at(soup(other), "f-file") == "Dit is geen geëxporteerde beoordeling (JSON)."


def test_it_names_every_refused_field_of_the_verify_form_at_once(client):
    response = client.post_form("/verify", {"at": "31-01-2040"})
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-file") == "Kies een bestand."
    assert refused_at(page, "f-at") == "Vul een datum in, bijvoorbeeld 2040-01-31."
    assert value_of(page, "f-at") == "31-01-2040"


def test_it_says_at_the_field_that_a_date_filter_of_the_audit_log_is_not_a_date(login):
    response = login("auditor").get("/audit", params={"since": "2024-13-45", "actor": "Lia"})
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-since") == "Vul een geldige datum in (jjjj-mm-dd)."
    assert value_of(page, "f-since") == "2024-13-45"
    assert page.select_one("#f-actor")["value"] == "Lia"


# --- the committee's forms ----------------------------------------------------------------


def test_it_keeps_the_message_when_changes_are_asked_before_any_comment(login, submitted):
    board = login("board")
    response = board.post_form(
        f"/committee/assessments/{submitted.id}/request-changes", {"note": "Graag de bronnen."}
    )
    assert response.status_code == 409
    page = soup(response)
    assert refused_at(page, "f-note") == (
        "Schrijf minstens één opmerking voordat u om aanpassingen vraagt."
    )
    assert value_of(page, "f-note") == "Graag de bronnen."


def test_it_answers_an_htmx_comment_the_state_no_longer_allows_with_the_form_and_a_message(
    login, submitted, db, personas
):
    commenting.add_comment(
        db, assessment=submitted, actor=personas["chair"], roles=COMMITTEE, body="Bronnen?"
    )
    judging.request_changes(db, assessment=submitted, actor=personas["chair"], roles=COMMITTEE)
    db.commit()
    board = login("board")
    response = hx_post(
        board, f"/assessments/{submitted.id}/comments", {"body": "Nog één", "question_id": "name"}
    )
    assert response.status_code == 409 and "<html" not in response.text
    fragment = soup(response)
    assert fragment.select_one("#comments-name") is not None  # swapped in place of the block
    assert fragment.select_one(".error-page") is None
    live = fragment.select_one('[hx-swap-oob="innerHTML:#flash"] .flash--error')
    assert live.get_text(strip=True).startswith("De commissie kan in de huidige status")

    plain = board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Nog één", "question_id": "name"}
    )
    assert plain.status_code == 409
    page = soup(plain)
    assert page.select_one("#error-summary").has_attr("autofocus")
    assert "De commissie kan in de huidige status" in page.select_one("#error-summary").get_text()


def test_it_answers_resolving_a_resolved_thread_with_the_thread_and_a_message(
    login, submitted, db, personas
):
    comment = commenting.add_comment(
        db, assessment=submitted, actor=personas["board"], roles=COMMITTEE, body="Bronnen?"
    )
    commenting.resolve_comment(
        db, assessment=submitted, comment_id=comment.id, actor=personas["board"], roles=COMMITTEE
    )
    db.commit()
    url = f"/assessments/{submitted.id}/comments/{comment.id}/resolve"
    response = hx_post(login("board"), url, {})
    assert response.status_code == 409
    fragment = soup(response)
    assert fragment.select_one(f"#comment-{comment.id}") is not None
    live = fragment.select_one('[hx-swap-oob="innerHTML:#flash"] .flash--error')
    assert live.get_text(strip=True) == "Deze opmerking is al opgelost."


def test_it_shows_the_draft_advice_again_with_every_message_at_its_field(login, submitted):
    board = login("board")
    response = board.post_form(
        f"/committee/assessments/{submitted.id}/advice",
        {
            "outcome": "",
            "summary": " ",
            "rationale-transparent": "Open genoeg.",
            "condition_rows": "1",
            "condition-0-text": "Publiceer de bronnen.",
            "condition-0-owner": "",
            "condition-0-due": "volgende week",
            "reassess_on": "2030-02-30",
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "outcome-positive") == "Kies een van de gegeven uitkomsten."
    assert refused_at(page, "f-summary") == "Schrijf een samenvatting van het advies."
    assert refused_at(page, "f-condition-1-owner").startswith("Noem wie verantwoordelijk is")
    assert refused_at(page, "f-condition-1-due") == "Vul een geldige datum in (jjjj-mm-dd)."
    assert refused_at(page, "f-reassess_on") == "Vul een geldige datum in (jjjj-mm-dd)."
    assert value_of(page, "f-rationale-transparent") == "Open genoeg."
    assert value_of(page, "f-condition-1-text") == "Publiceer de bronnen."
    assert value_of(page, "f-condition-1-due") == "volgende week"
    assert value_of(page, "f-reassess_on") == "2030-02-30"


def test_it_ties_a_missing_condition_to_the_first_condition_field(login, submitted):
    board = login("board")
    response = board.post_form(
        f"/committee/assessments/{submitted.id}/advice",
        {"outcome": "conditional", "summary": "Ja, mits.", "condition_rows": "0"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert refused_at(page, "f-condition-1-text") == (
        "Een advies onder voorwaarden heeft minstens één voorwaarde nodig."
    )
    assert page.select_one("#outcome-conditional").has_attr("checked")
    assert value_of(page, "f-summary") == "Ja, mits."
