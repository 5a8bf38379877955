"""The lead's pages: full pages, htmx fragments, the no-JavaScript path, and who may see what."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import answering, coauthoring, lifecycle
from app.assessments.models import State
from tests.conftest import (
    COMPLETE_SAMPLE_ANSWERS,
    on_both_databases,
    page_text,
)

# The pages are tested on SQLite and on PostgreSQL.
engine = on_both_databases()


def soup(response):
    return BeautifulSoup(response.text, "lxml")


def _fill(db, assessment, user, answers):
    for qid, value in answers.items():
        answering.save_answer(
            db, assessment=assessment, question_id=qid, raw=value, base_version=None, actor=user
        )


def test_it_lists_my_assessments_with_state_completeness_and_level(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    page = soup(lead.get("/assessments"))
    row = page.select_one("tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[0] == a.reference
    assert cells[2] == "Concept"
    assert cells[4] == "0 %"  # Dutch puts a space before the sign
    assert row.select_one(".level").get_text(strip=True) in {"Laag", "Midden", "Hoog"}


def test_it_starts_an_assessment_from_the_form(login, sample_version, db):
    lead = login("lead")
    form = soup(lead.get("/assessments/new"))
    assert form.select_one(f"option[value='{sample_version.id}']") is not None
    response = lead.post_form(
        "/assessments/new",
        {
            "title": "Schuldhulp",
            "department": "Sociaal domein",
            "description": "Vroegsignalering",
            "questionnaire": str(sample_version.id),
        },
    )
    assert response.status_code == 303
    overview = lead.get(response.headers["location"])
    assert "Schuldhulp" in page_text(overview.text)


def test_it_keeps_the_input_and_names_the_fields_when_starting_fails(login, sample_version):
    lead = login("lead")
    response = lead.post_form(
        "/assessments/new",
        {"title": "", "department": "X" * 300, "description": "d", "questionnaire": "999999"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#f-title")["aria-invalid"] == "true"
    assert page.select_one("#f-department")["value"] == "X" * 300
    assert page.select_one("#f-questionnaire-error") is not None


def test_it_refuses_the_new_assessment_form_to_someone_without_the_lead_role(login):
    assert login("auditor").get("/assessments/new").status_code == 403


def test_it_renders_every_question_type_accessibly(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    page = soup(lead.get(f"/assessments/{a.id}/sections/profile"))
    name = page.select_one("#a-name")
    assert page.select_one("label[for=a-name]").get_text(" ", strip=True).startswith("Naam")
    assert name["aria-describedby"] == "q-name-help q-name-error"
    legend = page.select_one("#q-personal fieldset legend")
    assert "Persoonsgegevens?" in legend.get_text()
    assert len(page.select("#q-personal input[type=radio]")) == 3
    assert page.select_one("#q-people")["hidden"] is not None  # shown only with personal data
    assert page.select_one("#q-sources table caption") is not None
    assert page.select_one("label[for=a-sources-0-name]") is not None
    assert page.select_one("form.section-form")["action"] == f"/assessments/{a.id}/sections/profile"
    assert page.select_one("#decision-support") is not None
    assert page.select_one("#steps a[aria-current=step]").get_text(strip=True) == "Profiel"


def test_it_autosaves_one_answer_and_updates_the_panel_and_visibility(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    response = lead.post(
        f"/assessments/{a.id}/answers/personal",
        data={"a-personal": "special", "v-personal": "0"},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )
    assert response.status_code == 200
    fragment = soup(response)
    assert fragment.select_one("#status-personal .saved") is not None
    assert fragment.select_one("#v-personal")["value"] == "1"
    assert fragment.select_one("#v-personal")["hx-swap-oob"] == "true"
    people = fragment.select_one("#q-people")
    assert people["hx-swap-oob"] == "true" and not people.has_attr("hidden")
    assert fragment.select_one("#decision-support[hx-swap-oob]") is not None
    assert fragment.select_one("#steps[hx-swap-oob]") is not None
    assert answering.answer_values(db, a)["personal"] == "special"


def _shown(page) -> str:
    return page.select_one("form.section-form input[name=shown]")["value"]


def test_it_leaves_the_panel_alone_when_an_autosave_does_not_change_it(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    headers = {"HX-Request": "true", "X-CSRF-Token": lead.csrf()}
    first = lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Tellingen", "v-name": "0", "shown": "what-the-page-showed"},
        headers=headers,
    )
    # A first answer changes the completeness: steps, panel and fingerprint come along.
    fragment = soup(first)
    assert fragment.select_one("#steps[hx-swap-oob]") is not None
    assert fragment.select_one("#decision-support[hx-swap-oob]") is not None
    shown = fragment.select_one("input#shown[hx-swap-oob]")["value"]
    assert shown == _shown(soup(lead.get(f"/assessments/{a.id}/sections/profile")))
    # Rewording the answer changes nothing the page shows besides the field itself.
    second = lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Verkeerstellingen", "v-name": "1", "shown": shown},
        headers=headers,
    )
    fragment = soup(second)
    assert fragment.select_one("#status-name .saved") is not None
    assert fragment.select_one("#v-name")["value"] == "2"
    assert fragment.select_one("#decision-support") is None
    assert fragment.select_one("#steps") is None
    assert fragment.select_one("input#shown") is None
    # Nothing to announce besides "Saved" (the field's own status says it): the panel's live
    # region stays silent, so that a screen reader hears the save once.
    assert fragment.select_one("#support-live") is None
    assert "Opgeslagen" in fragment.select_one("#status-name .saved").get_text()
    assert answering.answer_values(db, a)["name"] == "Verkeerstellingen"
    # An answer that moves the levels brings the panel back, with its new fingerprint.
    third = lead.post(
        f"/assessments/{a.id}/answers/personal",
        data={"a-personal": "special", "v-personal": "0", "shown": shown},
        headers=headers,
    )
    fragment = soup(third)
    assert fragment.select_one("#decision-support[hx-swap-oob]") is not None
    assert fragment.select_one("input#shown[hx-swap-oob]")["value"] != shown
    announced = fragment.select_one("#support-live").get_text(" ", strip=True)
    assert announced.startswith("Totaalniveau:") and "Opgeslagen" not in announced


def test_it_autosaves_only_the_fields_of_the_question(login, make_assessment):
    a = make_assessment()
    page = soup(login("lead").get(f"/assessments/{a.id}/sections/profile"))
    name = page.select_one("#a-name")
    assert name["hx-params"] == "a-name,present-name,v-name,overwrite,shown"
    personal = page.select_one("#q-personal fieldset")
    assert personal["hx-params"] == "a-personal,present-personal,v-personal,overwrite,shown"
    # A table's cells are numbered per row, so its autosave posts the whole form.
    assert not page.select_one("#q-sources fieldset").has_attr("hx-params")


def test_it_saves_a_table_without_sending_back_the_rows_being_typed_in(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    headers = {"HX-Request": "true", "X-CSRF-Token": lead.csrf()}
    url = f"/assessments/{a.id}/answers/sources"
    first = lead.post(
        url,
        data={"rows-sources": "1", "a-sources-0-name": "Spaarnelanden", "v-sources": "0"},
        headers=headers,
    )
    assert first.status_code == 200
    fragment = BeautifulSoup(first.text, "html.parser")  # keeps a <tbody> inside <template>
    # Only a new empty row (index 1) and the row count come back; no cell of row 0, and the
    # question itself is not re-rendered.
    assert fragment.select_one("#q-sources") is None
    assert fragment.select_one("#a-sources-0-name") is None
    added = fragment.find("tbody", attrs={"hx-swap-oob": "beforeend:#tbody-sources"})
    assert added is not None and added.find_parent("template") is not None
    assert added is not None and added.select_one("input#a-sources-1-name")["value"] == ""
    assert fragment.select_one("input#rows-sources[hx-swap-oob]")["value"] == "2"
    assert fragment.select_one("input#v-sources[hx-swap-oob]")["value"] == "1"
    assert answering.answer_values(db, a)["sources"] == [{"name": "Spaarnelanden"}]
    # A save while the last row is still empty adds nothing.
    second = lead.post(
        url,
        data={
            "rows-sources": "2",
            "a-sources-0-name": "Spaarnelanden BV",
            "v-sources": "1",
        },
        headers=headers,
    )
    assert second.status_code == 200
    assert not soup(second).select("template, #rows-sources")
    assert answering.answer_values(db, a)["sources"] == [{"name": "Spaarnelanden BV"}]


def test_it_answers_an_invalid_autosave_with_the_error_next_to_the_field(
    login, make_assessment, db
):
    a = make_assessment()
    lead = login("lead")
    response = lead.post(
        f"/assessments/{a.id}/answers/personal",
        data={"a-personal": "special", "v-personal": "0"},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )
    response = lead.post(
        f"/assessments/{a.id}/answers/people",
        data={"a-people": "veel", "v-people": "0"},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )
    assert response.status_code == 422
    fragment = soup(response)
    assert "Vul een getal in." in fragment.select_one("#q-people-error").get_text()
    assert fragment.select_one("#status-people")["data-field-invalid"] == "true"
    assert "people" not in answering.answer_values(db, a)
    # Nothing changed, so the steps, the panel and the live region are left as they are.
    assert not fragment.select("[hx-swap-oob]"), fragment


def test_it_reports_an_autosave_conflict_with_the_newer_value(login, make_assessment, db, personas):
    a = make_assessment()
    _fill(db, a, personas["lead"], {"name": "Van het andere tabblad"})
    lead = login("lead")
    response = lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Mijn versie", "v-name": "0"},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )
    assert response.status_code == 409
    text = page_text(response.text)
    assert "Van het andere tabblad" in text
    assert soup(response).select_one("input[name=overwrite][value=name]") is not None
    overwrite = lead.post(
        f"/assessments/{a.id}/answers/name",
        data={"a-name": "Mijn versie", "v-name": "0", "overwrite": "name"},
        headers={"HX-Request": "true", "X-CSRF-Token": lead.csrf()},
    )
    assert overwrite.status_code == 200
    assert answering.answer_values(db, a)["name"] == "Mijn versie"


def test_it_saves_a_section_without_javascript_and_goes_to_the_next(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/sections/profile",
        {
            "a-name": "Tellingen",
            "a-personal": "ordinary",
            "a-people": "",
            "rows-sources": "2",
            "a-sources-0-name": "NDW",
            "a-sources-0-personal": "no",
            "go": "next",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{a.id}/sections/transparency"
    values = answering.answer_values(db, a)
    assert values["name"] == "Tellingen" and values["sources"] == [
        {"name": "NDW", "personal": "no"}
    ]


def test_it_shows_errors_and_keeps_the_input_when_a_section_is_invalid(login, make_assessment, db):
    a = make_assessment()
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/sections/profile",
        {"a-name": "Tellingen", "a-personal": "ordinary", "a-people": "ontelbaar", "go": "next"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#error-summary a[href='#a-people']") is not None
    assert page.select_one("#a-people")["aria-invalid"] == "true"
    assert page.select_one("#a-people")["value"] == "ontelbaar"
    assert page.select_one("#a-name")["value"] == "Tellingen"
    assert answering.answer_values(db, a) == {}  # nothing half-saved


def test_it_shows_a_conflict_in_the_section_form_without_javascript(
    login, make_assessment, db, personas
):
    a = make_assessment()
    _fill(db, a, personas["lead"], {"name": "Nieuwer"})
    lead = login("lead")
    response = lead.post_form(
        f"/assessments/{a.id}/sections/profile", {"a-name": "Ouder", "v-name": "0", "go": "stay"}
    )
    assert response.status_code == 409
    assert "Nieuwer" in page_text(response.text)
    assert answering.answer_values(db, a)["name"] == "Nieuwer"


def test_it_shows_the_history_of_an_answer_and_restores_it(login, make_assessment, db, personas):
    a = make_assessment()
    _fill(db, a, personas["lead"], {"name": "Eerste"})
    _fill(db, a, personas["lead"], {"name": "Tweede"})
    lead = login("lead")
    page = soup(lead.get(f"/assessments/{a.id}/questions/name/history"))
    rows = page.select("tbody tr")
    assert [r.select("td")[3].get_text(strip=True) for r in rows] == ["Tweede", "Eerste"]
    form = rows[1].select_one("form")
    version = form.select_one("input[name=base_version]")["value"]
    assert version == "2"  # the version the page showed goes with the restore
    assert lead.post_form(form["action"], {"base_version": version}).status_code == 303
    assert answering.answer_values(db, a)["name"] == "Eerste"
    # The same restore sent again (a double click) changes nothing and is no conflict; a
    # restore over a newer change is one (test_service.py).
    assert lead.post_form(form["action"], {"base_version": version}).status_code == 303
    assert len(answering.answer_history(db, a, "name")) == 3


def test_it_lists_missing_answers_with_links_on_the_review_page(login, make_assessment):
    a = make_assessment()
    lead = login("lead")
    page = soup(lead.get(f"/assessments/{a.id}/review"))
    links = [x["href"] for x in page.select("#missing a")]
    assert links == [f"/assessments/{a.id}/find/{q}" for q in ("name", "personal", "published")]
    found = lead.get(links[2])
    assert found.headers["location"] == f"/assessments/{a.id}/sections/transparency#q-published"


def test_it_submits_from_the_review_page_or_lists_what_is_missing(
    login, make_assessment, db, personas
):
    a = make_assessment()
    lead = login("lead")
    refused = lead.post_form(f"/assessments/{a.id}/submit")
    assert refused.status_code == 422
    assert soup(refused).select_one("#error-summary") is not None
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    assert lead.post_form(f"/assessments/{a.id}/submit").status_code == 303
    db.refresh(a)
    assert a.state == State.submitted
    section = soup(lead.get(f"/assessments/{a.id}/sections/profile"))
    assert section.select_one("#a-name").has_attr("disabled")


# --- who may see and change what -------------------------------------------------------


@pytest.fixture
def draft(make_assessment, db, personas):
    a = make_assessment()
    coauthoring.add_coauthor(db, assessment=a, email="auditor@example.org", actor=personas["lead"])
    return a


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("lead", 200),
        ("auditor", 200),
        ("lead2", 403),
        ("board", 403),
        ("chair", 403),
        ("admin", 403),
    ],
)
def test_it_keeps_drafts_private_to_their_authors(login, draft, persona, expected):
    client = login(persona)
    for path in ("", "/sections/profile", "/review", "/questions/name/history"):
        assert client.get(f"/assessments/{draft.id}{path}").status_code == expected, path


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("lead", 200),
        ("lead2", 403),
        ("board", 200),
        ("chair", 200),
        ("auditor", 200),
        ("admin", 200),
    ],
)
def test_it_lets_readers_see_a_submitted_assessment(
    login, make_assessment, db, personas, persona, expected
):
    a = make_assessment()
    _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    assert login(persona).get(f"/assessments/{a.id}").status_code == expected


@pytest.mark.parametrize("persona", ["lead2", "board", "admin"])
def test_it_refuses_edits_by_anyone_but_the_authors(login, draft, db, persona):
    client = login(persona)
    response = client.post(
        f"/assessments/{draft.id}/answers/name",
        data={"a-name": "ingebroken", "v-name": "0"},
        headers={"X-CSRF-Token": client.csrf()},
    )
    assert response.status_code == 403
    section = client.post_form(
        f"/assessments/{draft.id}/sections/profile", {"a-name": "ingebroken", "go": "stay"}
    )
    assert section.status_code == 403
    assert "name" not in answering.answer_values(db, draft)


def test_it_sends_an_anonymous_visitor_to_login(client, draft):
    response = client.get(f"/assessments/{draft.id}")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_it_answers_404_for_an_unknown_assessment_or_section(login, draft):
    lead = login("lead")
    assert lead.get("/assessments/999999").status_code == 404
    assert lead.get(f"/assessments/{draft.id}/sections/nope").status_code == 404


def test_it_refuses_an_answer_to_an_unknown_question(login, draft):
    lead = login("lead")
    response = lead.post(
        f"/assessments/{draft.id}/answers/nope",
        data={"a-nope": "x"},
        headers={"X-CSRF-Token": lead.csrf()},
    )
    assert response.status_code == 422


def test_it_lets_only_the_lead_manage_coauthors(login, draft, db):
    auditor = login("auditor")  # a co-author, not the lead
    assert (
        auditor.post_form(
            f"/assessments/{draft.id}/coauthors", {"email": "board@example.org"}
        ).status_code
        == 403
    )
    lead = login("lead")
    # An unknown address gets the same neutral answer as a known one (test_coauthors.py);
    # something that is no address at all is refused.
    assert (
        lead.post_form(f"/assessments/{draft.id}/coauthors", {"email": "nobody"}).status_code == 422
    )


def test_it_lists_submitted_assessments_with_what_their_submission_froze(
    login, db, make_assessment, personas
):
    """A lead's list holds years of submitted and archived assessments: those are not
    evaluated again, and the list takes as many statements for three as for one."""
    from tests.conftest import statements_run

    def submit_one(title: str):  # type: ignore[no-untyped-def]
        a = make_assessment(title=title)
        _fill(db, a, personas["lead"], COMPLETE_SAMPLE_ANSWERS)
        lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
        db.commit()
        return a

    first = submit_one("Eerste")
    draft = make_assessment(title="Concept")
    lead = login("lead")
    lead.get("/assessments")  # the session's first page reads a little more
    with statements_run(db) as one:
        page = soup(lead.get("/assessments"))
    cells = {
        row.select("td")[0].get_text(strip=True): [
            td.get_text(" ", strip=True) for td in row.select("td")
        ]
        for row in page.select("tbody tr")
    }
    frozen = answering.decision_support_for(db, first)
    assert cells[first.reference][4] == "100 %"
    assert (
        cells[first.reference][5]
        == {"low": "Laag", "medium": "Midden", "high": "Hoog"}[frozen.score.overall]
    )
    assert cells[draft.reference][4] == "0 %"
    submit_one("Tweede")
    submit_one("Derde")
    with statements_run(db) as three:
        assert len(soup(lead.get("/assessments")).select("tbody tr")) == 4
    assert len(three) == len(one)
