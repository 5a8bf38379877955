"""The resident's side of a consultation, through the pages and on both databases: the list,
the public page with its form, the refusals at the field, the rate limit, the honeypot, the
phases; and that nothing a respondent wrote shows on any public page."""

from __future__ import annotations

import re

from sqlmodel import select

from app.config import get_settings
from app.consultations import moderating
from app.consultations.models import ConsultationReaction
from app.web.middleware import MAX_BODY
from tests.conftest import page_text
from tests.consultations.conftest import CHAIR, let_days_pass, react

EN = {"Accept-Language": "en"}
NAME = "Jozefien Privénaam"
EMAIL = "jozefien.prive@example.net"
BODY = "Mijn geheime zorg: de tellingen bij de Zijlweg zeggen iets over mijn straat."
PUBLIC_SUMMARY = "Een inwoner vraagt de tellingen niet langer dan nodig te bewaren."


def reactions(db) -> list[ConsultationReaction]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.exec(select(ConsultationReaction)).all())


def send(client, consultation, **fields):  # type: ignore[no-untyped-def]
    headers = fields.pop("headers", EN)
    data = {"body": "Ik vind het een goed plan.", **fields}
    return client.post_form(f"/consultations/{consultation.id}/reactions", data, headers=headers)


def test_it_lists_the_published_consultation_with_its_period(client, published, submitted):
    response = client.get("/consultations")
    assert response.status_code == 200
    text = page_text(response.text)
    assert submitted.title in text
    assert "Mobiliteit" in text
    assert f'href="/consultations/{published.id}"' in response.text
    assert "Open" in text  # in Dutch, by default
    english = page_text(client.get("/consultations", headers=EN).text)
    assert "Open: you can react until" in english


def test_it_shows_the_summary_the_questions_and_the_form(client, published, submitted):
    response = client.get(f"/consultations/{published.id}", headers=EN)
    assert response.status_code == 200
    text = page_text(response.text)
    assert "De gemeente telt verkeer op drukke kruispunten" in text
    assert "Geen kentekens, geen camerabeelden." in text
    assert "Wat vindt u ervan dat de gemeente dit meet?" in text
    assert "Waar moeten wij op letten?" in text
    assert "Transparent:" in text and "Reliable:" in text  # levels per value
    assert 'name="body"' in response.text and 'maxlength="2000"' in response.text
    assert 'name="website"' in response.text and 'tabindex="-1"' in response.text
    assert 'aria-hidden="true"' in response.text
    assert 'href="/consultations/privacy"' in response.text
    assert 'value="transparent"' in response.text


def test_it_stores_a_reaction_and_says_thanks(client, db, published):
    response = send(client, published, value_id="reliable", name=NAME, email=EMAIL)
    assert response.status_code == 303
    assert response.headers["location"] == f"/consultations/{published.id}/thanks"
    [stored] = reactions(db)
    assert (stored.value_id, stored.name, stored.email) == ("reliable", NAME, EMAIL)
    assert stored.locale == "en"
    thanks = client.get(response.headers["location"], headers=EN)
    assert thanks.status_code == 200
    assert "by e-mail" in page_text(thanks.text)


def test_it_refuses_bad_input_at_the_field_and_keeps_what_was_typed(client, db, published):
    response = send(client, published, body="  ", name="Piet", email="geen-adres")
    assert response.status_code == 422
    assert "Write your reaction first." in response.text
    assert "Enter a valid e-mail address, or leave it empty." in response.text
    assert 'id="error-summary"' in response.text
    assert 'href="#f-body"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="Piet"' in response.text and 'value="geen-adres"' in response.text
    assert reactions(db) == []


def test_it_refuses_link_stuffed_and_too_long_reactions(client, db, published):
    links = "Kijk op http://a.example/x en www.b.example en c.example/d voor meer."
    stuffed = send(client, published, body=links)
    assert stuffed.status_code == 422
    assert "too many web addresses" in stuffed.text
    assert "Kijk op http://a.example/x" in stuffed.text  # kept, but as text
    assert 'href="http://a.example' not in stuffed.text
    long = send(client, published, body="a" * 2001)
    assert long.status_code == 422
    assert "Your reaction is too long: at most 2,000 characters (now 2,001)." in long.text
    assert reactions(db) == []


def test_it_refuses_an_oversized_request_with_a_clear_413(client, db, published):
    response = client.post(
        f"/consultations/{published.id}/reactions",
        content=b"body=" + b"a" * (MAX_BODY + 10),
        headers={"Content-Type": "application/x-www-form-urlencoded", **EN},
    )
    assert response.status_code == 413
    assert "too large" in response.text
    assert reactions(db) == []


def test_it_slows_down_a_burst_from_one_address(client, db, published):
    limit = get_settings().consultation_reactions_per_hour
    for n in range(limit):
        assert send(client, published, body=f"Reactie nummer {n}.").status_code == 303
    response = send(client, published, body="Nog een reactie.")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Many reactions came from your address in a short time." in response.text
    assert "Nog een reactie." in response.text  # what they typed is kept
    assert len(reactions(db)) == limit


def test_it_answers_a_filled_honeypot_as_success_and_stores_nothing(client, db, published):
    response = send(client, published, website="https://spam.example")
    assert response.status_code == 303
    assert response.headers["location"] == f"/consultations/{published.id}/thanks"
    assert reactions(db) == []


def test_it_shows_no_form_before_the_period_and_refuses_a_reaction(client, db, published):
    let_days_pass(db, published, -3)  # the period starts in three days
    response = client.get(f"/consultations/{published.id}", headers=EN)
    assert response.status_code == 200
    assert 'name="body"' not in response.text
    assert "You can react from" in page_text(response.text)
    refused = send(client, published)
    assert refused.status_code == 409
    assert "This consultation is not open for reactions." in refused.text
    assert reactions(db) == []


def test_it_shows_no_form_after_the_period_and_refuses_a_reaction(client, db, published):
    let_days_pass(db, published, 20)
    response = client.get(f"/consultations/{published.id}", headers=EN)
    assert 'name="body"' not in response.text
    assert "This consultation closed on" in page_text(response.text)
    assert "Closed" in page_text(client.get("/consultations", headers=EN).text)
    refused = send(client, published)
    assert refused.status_code == 409
    assert reactions(db) == []


def test_it_hides_a_draft_and_an_unknown_consultation(client, drafted):
    assert client.get(f"/consultations/{drafted.id}").status_code == 404
    assert client.get("/consultations/999999").status_code == 404
    assert send(client, drafted).status_code == 404
    assert str(drafted.id) not in re.findall(
        r"/consultations/(\d+)", client.get("/consultations").text
    )


def test_it_states_the_privacy_terms_with_the_retention_period(client):
    days = get_settings().consultation_retention_days
    response = client.get("/consultations/privacy", headers=EN)
    assert response.status_code == 200
    text = page_text(response.text)
    assert f"{days} days after the consultation ends" in text
    assert "at most two hours" in text
    assert get_settings().org_name in text


def test_it_never_shows_what_a_respondent_wrote(
    client, db, published, submitted, personas, dev_pki
):
    reaction = react(db, published, submitted, body=BODY, name=NAME, email=EMAIL)
    moderating.moderate(
        db,
        assessment=submitted,
        reaction_id=reaction.id,
        actor=personas["chair"],
        roles=CHAIR,
        decision="published",
        tags="bewaartermijn",
        public_summary=PUBLIC_SUMMARY + "\nZie <b>www.example.org/x</b>",
    )
    db.commit()
    page = client.get(f"/consultations/{published.id}", headers=EN)
    assert "The committee has received 1 reaction." in page_text(page.text)
    assert PUBLIC_SUMMARY in page.text
    assert "&lt;b&gt;www.example.org/x&lt;/b&gt;" in page.text  # escaped, never a link
    assert 'href="http://www.example.org' not in page.text
    for path in (
        "/consultations",
        f"/consultations/{published.id}",
        f"/consultations/{published.id}/thanks",
        "/register",
        "/register/feed.atom",
        "/register.json",
    ):
        for locale in ({}, EN):
            response = client.get(path, headers=locale)
            assert response.status_code == 200, path
            for personal in (NAME, EMAIL, BODY, "Jozefien", "Zijlweg"):
                assert personal not in response.text, (path, personal)
