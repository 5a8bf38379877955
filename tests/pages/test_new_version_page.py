"""The page that moves a draft to the newest questionnaire version: the notice on the overview,
the lists of what differs, and the confirm form, which works without JavaScript."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import answering
from app.assessments.reading import get_assessment
from tests.assessments.sample_v2 import V1_ANSWERS, store_sample_v2
from tests.conftest import on_both_databases, page_text

engine = on_both_databases()


@pytest.fixture
def v2(db, tmp_path):  # type: ignore[no-untyped-def]
    return store_sample_v2(db, tmp_path / "questionnaires")


@pytest.fixture
def answered(db, make_assessment, personas):  # type: ignore[no-untyped-def]
    a = make_assessment()
    for qid, value in V1_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    db.commit()
    return a


@pytest.fixture
def english(login):  # type: ignore[no-untyped-def]
    """Log a persona in with English as their language (the messages are English msgids, so
    the assertions hold before and after the Dutch catalog has them)."""

    def _login(key: str = "lead"):  # type: ignore[no-untyped-def]
        client = login(key)
        assert client.post_form("/language", {"locale": "en", "next": "/"}).status_code == 303
        return client

    return _login


def _soup(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "lxml")


def _section(page: BeautifulSoup, heading_id: str) -> str:
    return page_text(str(page.select_one(f"section[aria-labelledby='{heading_id}']")))


def test_it_tells_the_lead_of_a_draft_on_the_overview_that_a_newer_version_exists(
    english, answered, v2
):
    page = _soup(english().get(f"/assessments/{answered.id}"))
    notice = page.select_one(".new-version")
    assert notice is not None
    assert "version 2 is available" in page_text(str(notice))
    assert notice.select_one("a")["href"] == f"/assessments/{answered.id}/new-version"


def test_it_shows_no_notice_without_a_newer_version_or_once_submitted(
    english, make_assessment, submitted, v2
):
    lead = english()
    assert _soup(lead.get(f"/assessments/{submitted.id}")).select_one(".new-version") is None
    draft = make_assessment()
    lead.post_form(f"/assessments/{draft.id}/new-version", _confirm(lead, draft.id))
    assert _soup(lead.get(f"/assessments/{draft.id}")).select_one(".new-version") is None


def test_it_lists_what_is_new_changed_and_dropped_and_the_answers_that_will_not_carry(
    english, answered, v2
):
    lead = english()
    response = lead.get(f"/assessments/{answered.id}/new-version")
    assert response.status_code == 200
    page = _soup(response)
    assert page.title.get_text().startswith("Move to version 2 · ")
    assert page.title.get_text().count("Datawaarden") == 1
    assert "Goal" in _section(page, "vc-new")
    changed = _section(page, "vc-changed")
    assert "Options removed: “Special”." in changed
    assert "The answer is now one choice instead of a scale from 1 to 5." in changed
    assert "An answer is no longer required." in changed
    assert "Website" in _section(page, "vc-dropped")
    lost = _section(page, "vc-lost")
    for shown in (
        "Personal data? : Special",
        "Confidence : 3 / 5",
        "Website : https://example.org",
    ):
        assert shown in lost
    assert "The question is no longer asked in the new version." in lost
    assert "Name" not in lost  # carried over
    form = page.select_one("form.confirm-form")
    assert form["method"] == "post"
    assert form["action"] == f"/assessments/{answered.id}/new-version"
    assert {i["name"] for i in form.select("input[type=hidden]")} == {
        "csrf_token",
        "version",
        "seen",
    }


def _confirm(client, assessment_id) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The confirm form's fields as the page gives them (what a browser without JS sends)."""
    page = _soup(client.get(f"/assessments/{assessment_id}/new-version"))
    form = page.select_one("form.confirm-form")
    return {i["name"]: i["value"] for i in form.select("input[type=hidden]")}


def test_it_moves_on_a_plain_form_post_and_says_so_on_the_overview(db, english, answered, v2):
    lead = english()
    response = lead.post_form(
        f"/assessments/{answered.id}/new-version", _confirm(lead, answered.id)
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{answered.id}"
    overview = lead.get(response.headers["location"])
    flash = page_text(str(_soup(overview).select_one("#flash")))
    assert flash == (
        f"Assessment {answered.reference} now uses version 2 of the questionnaire. Answers "
        "carried over: 4; not carried over: 3."
    )
    assert get_assessment(db, answered.id).questionnaire_version_id == v2.id
    assert "Sample, version 2" in page_text(overview.text)


def test_it_refuses_the_form_without_its_csrf_token(db, english, answered, v2, sample_version):
    lead = english()
    fields = _confirm(lead, answered.id)
    del fields["csrf_token"]
    response = lead.post(f"/assessments/{answered.id}/new-version", data=fields)
    assert response.status_code == 403
    assert get_assessment(db, answered.id).questionnaire_version_id == sample_version.id


def test_it_refuses_someone_who_is_not_an_author(db, english, answered, v2, sample_version):
    lead = english()
    fields = _confirm(lead, answered.id)
    other = english("lead2")
    assert other.get(f"/assessments/{answered.id}/new-version").status_code == 403
    fields["csrf_token"] = other.csrf()
    response = other.post(f"/assessments/{answered.id}/new-version", data=fields)
    assert response.status_code == 403
    assert get_assessment(db, answered.id).questionnaire_version_id == sample_version.id


def test_it_refuses_a_submitted_assessment_and_one_already_on_the_newest(
    db, english, submitted, make_assessment, v2
):
    lead = english()
    fields = {"version": str(v2.id), "seen": str(submitted.version)}
    assert lead.get(f"/assessments/{submitted.id}/new-version").status_code == 409
    response = lead.post_form(f"/assessments/{submitted.id}/new-version", fields)
    assert response.status_code == 409
    assert "submitted" in page_text(response.text)
    draft = make_assessment()
    first = _confirm(lead, draft.id)
    assert lead.post_form(f"/assessments/{draft.id}/new-version", first).status_code == 303
    assert lead.get(f"/assessments/{draft.id}/new-version").status_code == 409
    again = lead.post_form(f"/assessments/{draft.id}/new-version", first)
    assert again.status_code == 409
    assert get_assessment(db, draft.id).questionnaire_version_id == v2.id


def test_it_shows_the_page_again_when_the_answers_changed_after_it_was_opened(
    db, english, answered, v2, personas, sample_version
):
    lead = english()
    fields = _confirm(lead, answered.id)
    answering.save_answer(
        db, assessment=answered, question_id="personal", raw="ordinary", base_version=None,
        actor=personas["lead"],
    )  # fmt: skip
    db.commit()
    response = lead.post_form(f"/assessments/{answered.id}/new-version", fields)
    assert response.status_code == 409
    page = _soup(response)
    assert page.select_one("#error-summary") is not None
    assert page.title.get_text().startswith("Error: ")
    assert "Special" not in _section(page, "vc-lost")  # the lists as they are now
    assert get_assessment(db, answered.id).questionnaire_version_id == sample_version.id
    again = lead.post_form(
        f"/assessments/{answered.id}/new-version",
        {i["name"]: i["value"] for i in page.select("form.confirm-form input[type=hidden]")},
    )
    assert again.status_code == 303


def test_it_marks_the_answer_history_entry_written_by_the_move(english, answered, v2):
    lead = english()
    lead.post_form(f"/assessments/{answered.id}/new-version", _confirm(lead, answered.id))
    history = lead.get(f"/assessments/{answered.id}/questions/personal/history")
    assert history.status_code == 200
    assert "on moving to a newer questionnaire version" in page_text(history.text)
