"""The committee's pages and the authors' reply page, through HTTP."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.assessments import answering
from app.assessments.models import State
from app.reviews import intake
from app.reviews.models import Advice, ReviewComment
from app.users.models import Role
from tests.conftest import (
    on_both_databases,
)

# The pages are tested on SQLite and on PostgreSQL.
engine = on_both_databases()


def soup(response):
    return BeautifulSoup(response.text, "lxml")


def test_it_lists_submitted_assessments_in_the_inbox_with_filters(
    login, submitted, make_assessment
):
    make_assessment(title="Nog een concept")  # drafts never show up
    board = login("board")
    page = soup(board.get("/committee"))
    rows = page.select("#results tbody tr")
    assert [r.select("td")[0].get_text(strip=True) for r in rows] == [submitted.reference]
    assert rows[0].select_one(".level") is not None
    assert soup(board.get("/committee?level=high")).select("#results tbody tr") == []
    fragment = board.get("/committee?state=submitted", headers={"HX-Request": "true"})
    assert (
        fragment.status_code == 200
        and "<html" not in fragment.text
        and submitted.reference in fragment.text
    )


@pytest.mark.parametrize("persona", ["lead", "lead2", "auditor", "admin"])
def test_it_keeps_the_inbox_for_the_committee(login, persona):
    assert login(persona).get("/committee").status_code == 403


def test_it_shows_the_frozen_snapshot_and_takes_comments_and_verdicts(login, submitted, db):
    board = login("board")
    page = soup(board.get(f"/committee/assessments/{submitted.id}"))
    assert (
        page.select_one("#a-name")
        .find_next("dd")
        .get_text(" ", strip=True)
        .startswith("Verkeerstellingen")
    )
    response = board.post_form(
        f"/assessments/{submitted.id}/comments",
        {"body": "<b>Graag</b> toelichten", "question_id": "name"},
    )
    assert response.status_code == 303
    page = soup(board.get(f"/committee/assessments/{submitted.id}"))
    assert "<b>Graag</b> toelichten" in page.get_text()  # escaped: shown as text
    assert page.select_one(".thread b") is None
    assert (
        board.post_form(
            f"/committee/assessments/{submitted.id}/verdicts/profile", {"verdict": "acceptable"}
        ).status_code
        == 303
    )
    assert (
        board.post_form(
            f"/committee/assessments/{submitted.id}/verdicts/profile", {"verdict": "great"}
        ).status_code
        == 422
    )
    db.refresh(submitted)
    assert submitted.state == State.in_review


def test_it_sends_back_with_comments_and_the_lead_replies(login, submitted, db):
    board = login("board")
    refused = board.post_form(
        f"/committee/assessments/{submitted.id}/request-changes", {"note": ""}
    )
    assert refused.status_code == 409
    board.post_form(
        f"/assessments/{submitted.id}/comments",
        {"body": "Bronnen ontbreken", "question_id": "sources"},
    )
    assert (
        board.post_form(
            f"/committee/assessments/{submitted.id}/request-changes", {"note": "Zie opmerking"}
        ).status_code
        == 303
    )
    db.refresh(submitted)
    assert submitted.state == State.changes_requested
    lead = login("lead")
    section = soup(lead.get(f"/assessments/{submitted.id}/sections/profile"))
    assert "Bronnen ontbreken" in section.select_one("#comments-sources").get_text()
    comment = db.exec(
        select(ReviewComment).where(ReviewComment.assessment_id == submitted.id)
    ).one()
    reply = lead.post_form(
        f"/assessments/{submitted.id}/comments",
        {"body": "Toegevoegd", "parent_id": str(comment.id)},
    )
    assert reply.status_code == 303
    assert "Toegevoegd" in lead.get(f"/assessments/{submitted.id}/comments").text
    # a lead cannot start a new thread, only reply
    assert (
        lead.post_form(f"/assessments/{submitted.id}/comments", {"body": "Nieuw"}).status_code
        == 403
    )


def test_it_shows_what_changed_after_a_resubmission(login, submitted, db, personas):
    board = login("board")
    board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Publiceren?", "question_id": "published"}
    )
    board.post_form(f"/committee/assessments/{submitted.id}/request-changes", {})
    answering.save_answer(
        db,
        assessment=submitted,
        question_id="published",
        raw="unknown",
        base_version=None,
        actor=personas["lead"],
    )
    lead = login("lead")
    assert lead.post_form(f"/assessments/{submitted.id}/submit").status_code == 303
    page = soup(board.get(f"/committee/assessments/{submitted.id}"))
    rows = page.select(".diff tbody tr")
    assert len(rows) == 1
    assert rows[0].select_one("del").get_text(strip=True) == "Ja"
    assert rows[0].select_one("ins").get_text(strip=True) == "Onbekend"
    assert "Publiceren?" in page.get_text()  # the earlier comments stay visible


def test_it_writes_advice_records_opinions_and_the_chair_finalises(login, submitted, db):
    board, chair = login("board"), login("chair")
    form = {
        "outcome": "conditional",
        "summary": "Doorgaan",
        "rationale-transparent": "Helder",
        "condition_rows": "2",
        "condition-0-text": "Publiceer de code",
        "condition-0-owner": "Team",
        "condition-0-due": "2027-03-01",
        "reassess_on": "2027-12-01",
    }
    assert board.post_form(f"/committee/assessments/{submitted.id}/advice", form).status_code == 303
    bad = board.post_form(
        f"/committee/assessments/{submitted.id}/advice", {**form, "condition-0-due": "morgen"}
    )
    assert bad.status_code == 422
    assert soup(bad).select_one("#error-summary") is not None
    assert (
        board.post_form(
            f"/committee/assessments/{submitted.id}/opinion", {"stance": "disagree", "note": ""}
        ).status_code
        == 422
    )
    assert (
        board.post_form(
            f"/committee/assessments/{submitted.id}/opinion",
            {"stance": "disagree", "note": "Te snel"},
        ).status_code
        == 303
    )
    assert (
        board.post_form(f"/committee/assessments/{submitted.id}/advice/finalise").status_code == 403
    )
    assert (
        chair.post_form(f"/committee/assessments/{submitted.id}/advice/finalise").status_code == 303
    )
    advice = db.exec(select(Advice).where(Advice.assessment_id == submitted.id)).one()
    assert advice.finalised_at is not None
    again = board.post_form(f"/committee/assessments/{submitted.id}/advice", form)
    assert again.status_code in (403, 409)
    page = soup(chair.get(f"/committee/assessments/{submitted.id}/advice"))
    assert "Te snel" in page.get_text()
    assert page.select_one("ol.conditions li") is not None


def test_it_refuses_committee_actions_to_the_lead_with_403(login, submitted):
    lead = login("lead")
    for path in (
        "claim",
        "request-changes",
        "advice",
        "opinion",
        "advice/finalise",
        "verdicts/profile",
    ):
        assert (
            lead.post_form(f"/committee/assessments/{submitted.id}/{path}", {}).status_code == 403
        ), path


def test_it_refuses_a_move_in_the_wrong_state_with_409(login, submitted, db, personas):
    intake.claim_rapporteur(db, assessment=submitted, actor=personas["board"], roles={Role.board})
    lead = login("lead")
    assert lead.post_form(f"/assessments/{submitted.id}/withdraw").status_code == 409


def test_it_shows_the_audit_trail_to_readers_and_the_whole_log_to_auditors(login, submitted):
    for persona in ("lead", "board", "auditor"):
        page = login(persona).get(f"/assessments/{submitted.id}/audit")
        assert page.status_code == 200 and "assessment.submit" in page.text
    assert login("lead2").get(f"/assessments/{submitted.id}/audit").status_code == 403
    auditor = login("auditor")
    log = auditor.get("/audit?action=assessment.submit")
    assert log.status_code == 200 and submitted.reference in log.text
    assert login("board").get("/audit").status_code == 403


def test_it_lists_notifications_and_marks_them_read(login, submitted):
    board = login("board")
    home = soup(board.get("/"))
    assert home.select_one(".main-nav .badge") is not None
    assert submitted.reference in board.get("/notifications").text
    assert board.post_form("/notifications/read").status_code == 303
    assert soup(board.get("/")).select_one(".main-nav .badge") is None


def test_it_puts_a_csrf_token_in_every_comment_form(login, submitted, db):
    board = login("board")
    board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Vraag", "question_id": "name"}
    )
    for client, url in (
        (board, f"/committee/assessments/{submitted.id}"),
        (login("lead"), f"/assessments/{submitted.id}/comments"),
    ):
        forms = soup(client.get(url)).select("form.comment-form, form.reply-form")
        assert forms, url
        assert all(f.select_one("input[name=csrf_token]")["value"] for f in forms), url


def test_it_offers_the_advice_form_as_soon_as_an_assessment_is_submitted(login, submitted):
    page = soup(login("board").get(f"/committee/assessments/{submitted.id}/advice"))
    assert page.select_one("form.advice-form") is not None


def test_it_reads_only_the_snapshots_of_assessments_waiting_in_the_inbox(
    login, db, submitted, make_assessment, personas
):
    """The archive holds years of submissions; the inbox reads those of the waiting ones."""
    from sqlalchemy import event

    from app.assessments import lifecycle
    from app.assessments.models import Submission
    from tests.conftest import COMPLETE_SAMPLE_ANSWERS

    gone = make_assessment(title="Teruggetrokken")
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db,
            assessment=gone,
            question_id=qid,
            raw=value,
            base_version=None,
            actor=personas["lead"],
        )
    lifecycle.submit_assessment(db, assessment=gone, actor=personas["lead"])
    lifecycle.withdraw_assessment(db, assessment=gone, actor=personas["lead"])
    db.commit()
    board = login("board")
    loaded: list[int] = []

    def note(target, _context) -> None:  # type: ignore[no-untyped-def]
        loaded.append(target.assessment_id)

    event.listen(Submission, "load", note)
    try:
        page = soup(board.get("/committee"))
    finally:
        event.remove(Submission, "load", note)
    rows = page.select("#results tbody tr")
    assert [r.select("td")[0].get_text(strip=True) for r in rows] == [submitted.reference]
    assert set(loaded) == {submitted.id}
