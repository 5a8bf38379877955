"""The consultation page of the committee and the lead, without JavaScript, on SQLite and
PostgreSQL: the rapporteur drafts, the lead corrects and confirms, the chair publishes and
moderates; refusals come back as the form with the messages; the lead never reads what
residents wrote; nobody without a part in it gets in."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import update
from sqlmodel import col, select

from app.audit.models import AuditEvent
from app.consultations import moderating
from app.consultations.models import Consultation, ConsultationReaction
from app.timeutil import amsterdam_today, utcnow
from tests.conftest import page_text
from tests.consultations.conftest import react, summary


def url(assessment) -> str:  # type: ignore[no-untyped-def]
    return f"/assessments/{assessment.id}/consultation"


def english(client):  # type: ignore[no-untyped-def]
    client.cookies.set("dw_lang", "en")
    return client


def fields(**changes: str) -> dict[str, str]:
    form = summary(**changes)
    return {
        "purpose": form.purpose,
        "data_used": form.data_used,
        "questions": form.questions,
        "starts_on": form.starts_on,
        "ends_on": form.ends_on,
    }


def stored(db, assessment) -> Consultation | None:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.exec(select(Consultation).where(Consultation.assessment_id == assessment.id)).first()


def test_it_runs_the_whole_consultation_by_pages(login, submitted, db):
    board = english(login("board"))
    assert board.post_form(f"/committee/assessments/{submitted.id}/claim").status_code == 303

    # The rapporteur finds a form filled in with a suggestion, and saves the draft.
    page = board.get(url(submitted))
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "lxml")
    assert soup.find("textarea", id="f-purpose").text == submitted.description
    start = amsterdam_today() + timedelta(days=7)
    assert soup.find("input", id="f-starts_on")["value"] == start.isoformat()
    assert soup.find("input", attrs={"name": "version"})["value"] == "0"
    saved = board.post_form(url(submitted), {**fields(), "version": "0"})
    assert saved.status_code == 303 and saved.headers["location"] == url(submitted)
    page = board.get(url(submitted))
    assert "The draft summary has been saved." in page_text(page.text)
    assert "Waiting for the lead's check." in page_text(page.text)
    publish = BeautifulSoup(page.text, "lxml").find("form", action=url(submitted) + "/publish")
    assert publish.find("button").has_attr("disabled")
    consultation = stored(db, submitted)
    assert consultation is not None and consultation.published_at is None

    # The lead corrects it first, then confirms.
    lead = english(login("lead"))
    page = lead.get(url(submitted))
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "lxml").find("form", action=url(submitted) + "/check")
    corrected = fields(purpose="De gemeente telt fietsers en auto's op kruispunten.")
    version = str(consultation.version)
    response = lead.post_form(
        url(submitted) + "/check", {**corrected, "version": version, "confirm": "no"}
    )
    assert response.status_code == 303
    consultation = stored(db, submitted)
    assert consultation.purpose.startswith("De gemeente telt fietsers")
    assert consultation.lead_confirmed_at is None
    response = lead.post_form(
        url(submitted) + "/check",
        {**corrected, "version": str(consultation.version), "confirm": "yes"},
    )
    assert response.status_code == 303
    page = lead.get(url(submitted))
    assert "You have confirmed the summary." in page_text(page.text)
    assert stored(db, submitted).lead_confirmed_at is not None

    # The chair sees the confirmation and publishes.
    chair = english(login("chair"))
    page = chair.get(url(submitted))
    assert "Confirmed by the lead on" in page_text(page.text)
    publish = BeautifulSoup(page.text, "lxml").find("form", action=url(submitted) + "/publish")
    assert not publish.find("button").has_attr("disabled")
    version = publish.find("input", attrs={"name": "version"})["value"]
    assert chair.post_form(url(submitted) + "/publish", {"version": version}).status_code == 303
    consultation = stored(db, submitted)
    assert consultation.published_at is not None

    # A resident reacts; the chair reads it and moderates it.
    reaction = react(
        db,
        consultation,
        submitted,
        body="Meet <b>niet</b> te veel.\nEn bewaar https://x.example/y niet.",
        name="Jan Jansen",
        email="jan@example.org",
    )
    page = chair.get(url(submitted))
    text = page_text(page.text)
    assert f'href="/consultations/{consultation.id}"' in page.text
    assert "1 reaction received." in text
    assert "Jan Jansen" in text and "jan@example.org" not in page.text
    body = BeautifulSoup(page.text, "lxml").select_one(f"#reaction-{reaction.id} blockquote p")
    assert body.text == "Meet <b>niet</b> te veel.\nEn bewaar https://x.example/y niet."
    assert "&lt;b&gt;niet&lt;/b&gt;" in page.text and body.find("a") is None
    moderated = chair.post_form(
        f"{url(submitted)}/reactions/{reaction.id}",
        {
            "tags": "Bewaartermijn, privacy",
            "decision": "published",
            "public_summary": "Een inwoner vraagt de gegevens niet lang te bewaren.",
            "version": "1",
        },
    )
    assert moderated.status_code == 303
    assert moderated.headers["location"] == f"{url(submitted)}#reaction-{reaction.id}"
    db.expire_all()
    reaction = db.get(ConsultationReaction, reaction.id)
    assert moderating.tags_of(reaction) == ["bewaartermijn", "privacy"]
    assert reaction.moderation == "published"
    page = chair.get(url(submitted))
    themes = BeautifulSoup(page.text, "lxml").select(".consultation-themes li")
    assert [li.text for li in themes] == ["bewaartermijn (1)", "privacy (1)"]

    actions = db.exec(
        select(AuditEvent.action)
        .where(AuditEvent.assessment_id == submitted.id)
        .where(col(AuditEvent.action).startswith("consultation."))
        .order_by(col(AuditEvent.id))
    ).all()
    assert actions == [
        "consultation.drafted",
        "consultation.corrected_by_lead",
        "consultation.confirmed_by_lead",
        "consultation.published",
        "consultation.reaction_received",
        "consultation.reaction_moderated",
    ]


def test_it_never_shows_the_lead_what_residents_wrote(login, submitted, published, db):
    react(db, published, submitted, body="Een geheime zorg over privacy.", name="Piet Geheim")
    lead = english(login("lead"))
    page = lead.get(url(submitted))
    assert page.status_code == 200
    text = page_text(page.text)
    assert "1 reaction received." in text
    assert "Een geheime zorg" not in text and "Piet Geheim" not in text
    assert "/reactions/" not in page.text
    # The lead's overview links to the page; so does the committee's review page.
    assert f'href="{url(submitted)}"' in lead.get(f"/assessments/{submitted.id}").text
    review = login("board").get(f"/committee/assessments/{submitted.id}")
    assert f'href="{url(submitted)}"' in review.text


def test_it_shows_a_reader_of_the_committee_the_reactions_but_no_forms(
    login, submitted, published, db
):
    # Bea is the rapporteur in the fixture; an assessment without one makes her a reader.
    db.execute(
        update(type(submitted))
        .where(col(type(submitted).id) == submitted.id)
        .values(rapporteur_id=None)
    )
    db.commit()
    react(db, published, submitted, body="Fijn dat u het vraagt.")
    page = login("board").get(url(submitted))
    assert page.status_code == 200
    assert "Fijn dat u het vraagt." in page.text
    assert "/reactions/" not in page.text


def test_it_refuses_who_has_no_part_in_it(login, submitted, drafted, published, db):
    reaction = react(db, published, submitted)
    assert login("lead2").get(url(submitted)).status_code == 403
    assert login("auditor").get(url(submitted)).status_code == 403
    lead = login("lead")
    refused = lead.post_form(
        f"{url(submitted)}/reactions/{reaction.id}",
        {"tags": "x", "decision": "withheld", "public_summary": "", "version": "1"},
    )
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(ConsultationReaction, reaction.id).moderation == "new"


def test_it_refuses_a_board_member_who_is_not_the_rapporteur_the_managing_forms(
    login, submitted, db
):
    board = login("board")  # committee member, nobody is rapporteur yet
    assert board.get(url(submitted)).status_code == 200
    assert board.post_form(url(submitted), {**fields(), "version": "0"}).status_code == 403
    assert stored(db, submitted) is None
    assert board.post_form(url(submitted) + "/publish", {"version": "0"}).status_code == 403


def test_it_refuses_to_publish_before_the_lead_confirmed(login, submitted, drafted, db):
    chair = english(login("chair"))
    response = chair.post_form(url(submitted) + "/publish", {"version": str(drafted.version)})
    assert response.status_code == 409
    assert "The lead has not yet confirmed the summary." in page_text(response.text)
    assert stored(db, submitted).published_at is None


def test_it_refuses_a_stale_form_with_a_conflict(login, submitted, drafted, db):
    board = english(login("board"))
    stale = str(drafted.version)
    assert board.post_form(url(submitted), {**fields(), "version": stale}).status_code == 303
    again = board.post_form(
        url(submitted), {**fields(purpose="Een andere tekst."), "version": stale}
    )
    assert again.status_code == 409
    assert "Reload the page and try again." in page_text(again.text)
    assert "Een andere tekst." in again.text  # what was typed stays
    assert stored(db, submitted).purpose != "Een andere tekst."
    # A form from before the draft existed cannot overwrite it either.
    late = board.post_form(url(submitted), {**fields(purpose="Nog een."), "version": "0"})
    assert late.status_code == 409


def test_it_shows_bad_dates_at_their_fields_and_saves_nothing(login, submitted, db):
    board = english(login("board"))
    board.post_form(f"/committee/assessments/{submitted.id}/claim")
    response = board.post_form(
        url(submitted),
        {
            **fields(
                starts_on="31-02-2026", ends_on=(amsterdam_today() - timedelta(days=1)).isoformat()
            ),
            "purpose": "Mijn getypte doel",
            "version": "0",
        },
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "lxml")
    assert "Enter a valid date (yyyy-mm-dd)." in soup.find(id="f-starts_on-error").text
    assert soup.find("input", id="f-starts_on")["aria-invalid"] == "true"
    assert soup.find("input", id="f-starts_on")["value"] == "31-02-2026"
    assert soup.find("textarea", id="f-purpose").text == "Mijn getypte doel"
    assert soup.select_one("#error-summary a[href='#f-starts_on']") is not None
    assert soup.title.text.startswith("Error")
    too_long = board.post_form(
        url(submitted),
        {**fields(ends_on=(amsterdam_today() + timedelta(days=120)).isoformat()), "version": "0"},
    )
    assert too_long.status_code == 422
    assert "at most 90 days" in page_text(too_long.text)
    assert stored(db, submitted) is None
    assert (
        db.exec(select(AuditEvent).where(AuditEvent.action == "consultation.drafted")).first()
        is None
    )


def test_it_shows_a_refused_moderation_at_its_reaction(login, submitted, published, db):
    reaction = react(db, published, submitted, name="Jan Jansen")
    chair = english(login("chair"))
    response = chair.post_form(
        f"{url(submitted)}/reactions/{reaction.id}",
        {
            "tags": "privacy",
            "decision": "published",
            "public_summary": "Jan Jansen wil dit niet.",
            "version": "1",
        },
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "lxml")
    error = soup.find(id=f"f-r{reaction.id}-public_summary-error")
    assert "names the respondent" in error.text
    assert soup.find("input", id=f"f-r{reaction.id}-tags")["value"] == "privacy"
    assert soup.find("input", id=f"r{reaction.id}-decision-published").has_attr("checked")
    db.expire_all()
    assert db.get(ConsultationReaction, reaction.id).moderation == "new"


def test_it_says_when_a_text_was_deleted_after_retention(login, submitted, published, db):
    reaction = react(db, published, submitted, body="Mijn tekst.", name="Jan Jansen")
    db.execute(
        update(ConsultationReaction)
        .where(col(ConsultationReaction.id) == reaction.id)
        .values(body=None, name=None, email=None, personal_data_deleted_at=utcnow())
    )
    db.commit()
    page = english(login("chair")).get(url(submitted))
    assert "deleted after the retention period" in page_text(page.text)
    assert "Mijn tekst." not in page.text
