"""The follow-up pages without JavaScript, on SQLite and PostgreSQL: the owner reports on
their condition, the rapporteur judges, refusals come back as the form with the message, and
nobody else gets in."""

from __future__ import annotations

from sqlmodel import select

from app.reviews.models import ConditionFollowUp, ConditionUpdate
from tests.conftest import on_both_databases, page_text

engine = on_both_databases()


def url(signed) -> str:  # type: ignore[no-untyped-def]
    return f"/assessments/{signed.assessment.id}/follow-up"


def test_it_shows_the_owner_their_condition_and_only_the_moves_they_may_make(login, signed):
    owner = login("lead2")
    response = owner.get(url(signed))
    assert response.status_code == 200
    html = response.text
    first, second, _third = signed.conditions
    assert f'action="{url(signed)}/{first.id}"' in html
    assert f'action="{url(signed)}/{second.id}"' not in html  # not theirs
    assert 'name="action" value="report"' in html and 'value="accept"' not in html
    # The owner is no author: the assessment itself stays closed to them.
    assert owner.get(f"/assessments/{signed.assessment.id}").status_code == 403


def test_it_records_a_report_from_a_plain_form_and_says_so(login, signed, db):
    owner = login("lead2")
    condition = signed.conditions[0]
    response = owner.post_form(
        f"{url(signed)}/{condition.id}",
        {"action": "report", "note": "De IAMA is afgerond en vastgesteld.", "version": "1"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{url(signed)}#condition-{condition.id}"
    page = owner.get(url(signed))
    assert "De IAMA is afgerond en vastgesteld." in page.text
    db.expire_all()
    assert db.get(ConditionFollowUp, condition.id).status == "done"


def test_it_shows_the_form_again_with_the_message_when_the_explanation_is_missing(
    login, signed, db
):
    owner = login("lead2")
    condition = signed.conditions[0]
    response = owner.post_form(
        f"{url(signed)}/{condition.id}", {"action": "report", "note": "", "version": "1"}
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert f'href="#f-c{condition.id}-report-note"' in response.text
    assert "Schrijf eerst een korte toelichting." in page_text(response.text)
    db.expire_all()
    assert db.get(ConditionFollowUp, condition.id).status == "open"
    assert db.exec(select(ConditionUpdate)).all() == []


def test_it_refuses_a_stale_form_with_a_conflict(login, signed):
    owner = login("lead2")
    condition = signed.conditions[0]
    owner.post_form(f"{url(signed)}/{condition.id}", {"action": "start", "version": "1"})
    again = owner.post_form(
        f"{url(signed)}/{condition.id}", {"action": "report", "note": "Klaar.", "version": "1"}
    )
    assert again.status_code == 409
    assert "Iemand anders heeft deze voorwaarde intussen gewijzigd" in page_text(again.text)


def test_it_lets_the_rapporteur_accept_after_the_report(login, signed, db):
    condition = signed.conditions[2]
    login("lead").post_form(
        f"{url(signed)}/{condition.id}", {"action": "report", "note": "Gedaan.", "version": "1"}
    )
    board = login("board")
    page = board.get(url(signed))
    assert 'value="accept"' in page.text and 'value="reopen"' in page.text
    assert 'value="waive"' not in page.text  # only the chair waives
    done = board.post_form(f"{url(signed)}/{condition.id}", {"action": "accept", "version": "2"})
    assert done.status_code == 303
    db.expire_all()
    assert db.get(ConditionFollowUp, condition.id).status == "accepted"


def test_it_shows_where_each_condition_stands_on_the_leads_and_the_committees_pages(login, signed):
    for who, path in (
        ("lead", f"/assessments/{signed.assessment.id}"),
        ("board", f"/committee/assessments/{signed.assessment.id}"),
    ):
        html = login(who).get(path).text
        assert "Opvolging van de voorwaarden" in html
        assert html.count('class="status status--open"') == 3


def test_it_lists_what_waits_for_the_owner(login, signed):
    html = login("lead2").get("/follow-up").text
    assert f"#condition-{signed.conditions[0].id}" in html
    assert f"#condition-{signed.conditions[1].id}" not in html


def test_it_keeps_others_out_and_answers_not_found_for_strange_conditions(login, signed):
    assert login("lead2").get("/assessments/999999/follow-up").status_code == 404
    auditor = login("auditor")
    page = auditor.get(url(signed))
    assert page.status_code == 200 and 'name="action"' not in page.text
    refused = auditor.post_form(
        f"{url(signed)}/{signed.conditions[0].id}", {"action": "accept", "version": "1"}
    )
    assert refused.status_code == 403
    missing = login("lead").post_form(
        f"{url(signed)}/999999", {"action": "report", "note": "x", "version": "1"}
    )
    assert missing.status_code == 404
    nonsense = login("lead").post_form(
        f"{url(signed)}/{signed.conditions[2].id}", {"action": "explode", "version": "1"}
    )
    assert nonsense.status_code == 422
    garbled = login("lead").post_form(
        f"{url(signed)}/{signed.conditions[2].id}", {"action": "start", "version": "abc"}
    )
    assert garbled.status_code == 422 and "Traceback" not in garbled.text


def test_it_takes_evidence_from_the_owner_and_lists_it_with_the_condition(login, signed, db):
    from app.attachments.models import Attachment
    from tests.attachments import files

    owner = login("lead2")
    condition = signed.conditions[0]
    added = owner.post_form(
        f"{url(signed)}/{condition.id}/evidence",
        files={"file": ("IAMA-rapport.pdf", files.pdf(), "application/octet-stream")},
    )
    assert added.status_code == 303
    page = owner.get(url(signed)).text
    assert "IAMA-rapport.pdf" in page
    stored = db.exec(select(Attachment).where(Attachment.condition_id == condition.id)).one()
    assert stored.media_type == "application/pdf" and stored.question_id is None


def test_it_refuses_evidence_that_is_no_accepted_file_and_keeps_nothing(login, signed, db):
    from app.attachments.models import Attachment

    owner = login("lead2")
    condition = signed.conditions[0]
    refused = owner.post_form(
        f"{url(signed)}/{condition.id}/evidence",
        files={"file": ("bewijs.pdf", b"<html><script>alert(1)</script></html>", "text/html")},
    )
    assert refused.status_code == 422
    assert f'href="#evidence-{condition.id}"' in refused.text
    assert db.exec(select(Attachment)).all() == []


def test_it_takes_evidence_only_from_the_owner_and_before_the_report(login, signed):
    from tests.attachments import files

    pdf = {"file": ("bewijs.pdf", files.pdf(), "application/pdf")}
    stranger = login("lead2").post_form(
        f"{url(signed)}/{signed.conditions[1].id}/evidence", files=pdf
    )
    assert stranger.status_code == 403
    lead = login("lead")
    condition = signed.conditions[2]
    lead.post_form(f"{url(signed)}/{condition.id}", {"action": "report", "note": "Gedaan."})
    late = lead.post_form(f"{url(signed)}/{condition.id}/evidence", files=pdf)
    assert late.status_code == 409
