"""The review page's forms with htmx (a fragment back) and without (a redirect to the anchor),
and a refused form shown again with the input kept and the message next to the field."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.reviews.models import ReviewComment
from tests.conftest import on_both_databases, page_text

engine = on_both_databases()

HX = {"HX-Request": "true"}


def soup(response):
    return BeautifulSoup(response.text, "lxml")


def hx_post(client, url, data):
    """As htmx posts a form: its fields, and the CSRF token in the header the page sets."""
    return client.post(url, data=data, headers={**HX, "X-CSRF-Token": client.csrf()})


def live_message(fragment) -> str:
    oob = fragment.select_one('[hx-swap-oob="innerHTML:#flash"]')
    assert oob is not None
    return oob.get_text(" ", strip=True)


def test_it_answers_an_htmx_comment_with_the_comments_of_that_question_only(login, submitted, db):
    board = login("board")
    response = hx_post(
        board,
        f"/assessments/{submitted.id}/comments",
        {"body": "Graag toelichten", "question_id": "name"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = soup(response)
    block = fragment.select_one("#comments-name")
    assert block is not None and "Graag toelichten" in block.get_text()
    comment = db.exec(select(ReviewComment)).one()
    assert block.select_one(f"#comment-{comment.id}[data-focus-after-swap]") is not None
    assert block.select_one("textarea#new-comment-name").get_text() == ""  # ready for the next
    assert live_message(fragment) == "Uw opmerking is toegevoegd."
    # The first act starts the review: the state in the page's facts follows out of band.
    assert (
        fragment.select_one('#review-state[hx-swap-oob="true"]').get_text(strip=True)
        == "In behandeling"
    )


def test_it_redirects_a_plain_comment_post_to_its_anchor(login, submitted, db):
    board = login("board")
    response = board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Graag toelichten", "question_id": "name"}
    )
    comment = db.exec(select(ReviewComment)).one()
    assert response.status_code == 303
    assert (
        response.headers["location"]
        == f"/committee/assessments/{submitted.id}#comment-{comment.id}"
    )


def _comment(board, submitted, db, question_id="name") -> ReviewComment:
    board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Eerste", "question_id": question_id}
    )
    return db.exec(select(ReviewComment).order_by(col(ReviewComment.id).desc())).first()


def test_it_answers_an_htmx_reply_and_resolve_with_the_thread(login, submitted, db):
    board = login("board")
    comment = _comment(board, submitted, db)
    reply = hx_post(
        board,
        f"/assessments/{submitted.id}/comments",
        {"body": "Een antwoord", "parent_id": str(comment.id)},
    )
    assert reply.status_code == 200 and "<html" not in reply.text
    thread = soup(reply).select_one(f"#comment-{comment.id}")
    assert [p.get_text() for p in thread.select(".reply .comment__body")] == ["Een antwoord"]

    resolved = hx_post(board, f"/assessments/{submitted.id}/comments/{comment.id}/resolve", {})
    assert resolved.status_code == 200 and "<html" not in resolved.text
    thread = soup(resolved).select_one(f"#comment-{comment.id}")
    assert "thread--resolved" in thread["class"]
    assert thread.select_one("form[action$='/resolve']") is None
    assert thread.select_one("form.reply-form") is None  # a resolved thread is closed
    assert live_message(soup(resolved)) == "De opmerking is gemarkeerd als opgelost."
    db.refresh(comment)
    assert comment.resolved_at is not None


def test_it_refuses_a_reply_to_a_resolved_comment_with_a_clear_message(login, submitted, db):
    board = login("board")
    comment = _comment(board, submitted, db)
    hx_post(board, f"/assessments/{submitted.id}/comments/{comment.id}/resolve", {})
    late = board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Te laat", "parent_id": str(comment.id)}
    )
    assert late.status_code == 409
    assert "Deze opmerking is opgelost." in page_text(late.text)
    assert (
        db.exec(select(ReviewComment).where(col(ReviewComment.parent_id) == comment.id)).all() == []
    )


def test_it_redirects_a_plain_reply_and_resolve_to_the_thread(login, submitted, db):
    board = login("board")
    comment = _comment(board, submitted, db)
    reply = board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Antwoord", "parent_id": str(comment.id)}
    )
    assert reply.status_code == 303
    assert reply.headers["location"].endswith(f"#comment-{comment.id}")
    resolved = board.post_form(f"/assessments/{submitted.id}/comments/{comment.id}/resolve")
    assert resolved.status_code == 303
    assert (
        resolved.headers["location"]
        == f"/committee/assessments/{submitted.id}#comment-{comment.id}"
    )


def test_it_answers_an_htmx_verdict_with_the_block_and_the_contents_status(login, submitted):
    board = login("board")
    response = hx_post(
        board, f"/committee/assessments/{submitted.id}/verdicts/profile", {"verdict": "acceptable"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    fragment = soup(response)
    block = fragment.select_one("#verdict-profile")
    assert "Acceptabel" in block.select_one(".verdict-status").get_text()
    assert block.select_one("#v-profile-acceptable").has_attr("checked")
    toc = fragment.select_one('#toc-verdict-profile[hx-swap-oob="true"]')
    assert toc.get_text(strip=True) == "Acceptabel"
    assert live_message(fragment) == "Het oordeel is opgeslagen."
    page = soup(board.get(f"/committee/assessments/{submitted.id}"))
    assert page.select_one("#toc-verdict-profile").get_text(strip=True) == "Acceptabel"


def test_it_redirects_a_plain_verdict_post_to_the_verdict_of_that_section(login, submitted):
    board = login("board")
    response = board.post_form(
        f"/committee/assessments/{submitted.id}/verdicts/profile", {"verdict": "acceptable"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/committee/assessments/{submitted.id}#verdict-profile"


def test_it_shows_the_verdict_form_after_the_answers_of_its_section_and_a_contents(
    login, submitted
):
    page = soup(login("board").get(f"/committee/assessments/{submitted.id}"))
    section = page.select_one("#section-profile")
    children = [c for c in section.children if getattr(c, "name", None)]
    names = [c.name if c.name != "div" else c.get("id", "") for c in children]
    assert names.index("dl") < names.index("verdict-profile")
    links = [a["href"] for a in page.select(".review-toc a")]
    sections = page.select(".review-section")
    assert len(sections) >= 2
    assert links == [f"#{s['id']}" for s in sections] + ["#general"]
    statuses = [
        page.select_one(f"#toc-verdict-{s['id'].removeprefix('section-')}") for s in sections
    ]
    assert all("toc__verdict--given" not in status["class"] for status in statuses)


def test_it_puts_no_blank_lines_around_comment_threads(login, submitted, db):
    board = login("board")
    _comment(board, submitted, db)
    page = soup(board.get(f"/committee/assessments/{submitted.id}"))
    # Only the texts themselves keep their line breaks; nothing pre-formatted holds markup.
    for pre in page.select(".pre"):
        assert pre.find(True) is None or pre.name == "td", pre
    answer = page.select_one("#a-name").find_next("dd")
    assert "pre" not in (answer.get("class") or [])


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Schrijf eerst een tekst."), ("x" * 5001, "Gebruik hoogstens 5000 tekens (nu 5001).")],
)
def test_it_shows_a_refused_htmx_comment_again_with_the_input_and_the_message(
    login, submitted, db, body, message
):
    board = login("board")
    response = hx_post(
        board, f"/assessments/{submitted.id}/comments", {"body": body, "question_id": "name"}
    )
    assert response.status_code == 422 and "<html" not in response.text
    fragment = soup(response)
    field = fragment.select_one("#comments-name textarea#new-comment-name")
    assert field.get_text() == body
    assert field["aria-invalid"] == "true"
    error = fragment.select_one(f"#{field['aria-describedby']}")
    assert error.get_text(" ", strip=True) == f"Fout: {message}"
    assert fragment.select_one("#comments-name details.add-comment").has_attr("open")
    assert live_message(fragment) == ""
    assert db.exec(select(ReviewComment)).all() == []


def test_it_shows_the_whole_page_again_for_a_refused_comment_without_javascript(
    login, submitted, db
):
    board = login("board")
    comment = _comment(board, submitted, db)
    response = board.post_form(
        f"/assessments/{submitted.id}/comments", {"body": " ", "parent_id": str(comment.id)}
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("h1").get_text(" ", strip=True).startswith(submitted.title)
    summary = page.select_one("#error-summary")
    assert summary.select_one("a")["href"] == f"#reply-{comment.id}"
    field = page.select_one(f"#reply-{comment.id}")
    assert (
        field["aria-invalid"] == "true" and field["aria-describedby"] == f"reply-{comment.id}-error"
    )
    assert (
        page.select_one(f"#reply-{comment.id}-error").get_text(" ", strip=True)
        == "Fout: Schrijf eerst een tekst."
    )
    assert page.select_one(".error-page") is None
    assert not re.search(r"\bbody\b", page_text(response.text))


def test_it_shows_a_verdict_without_a_choice_again_next_to_the_choices(login, submitted):
    board = login("board")
    response = hx_post(board, f"/committee/assessments/{submitted.id}/verdicts/profile", {})
    assert response.status_code == 422 and "<html" not in response.text
    block = soup(response).select_one("#verdict-profile")
    error = block.select_one("#verdict-profile-error")
    assert error.get_text(" ", strip=True) == "Fout: Kies een van de gegeven oordelen."
    radios = block.select("input[type=radio]")
    assert radios and all(r["aria-invalid"] == "true" for r in radios)
    assert all(r["aria-describedby"] == "verdict-profile-error" for r in radios)

    plain = board.post_form(f"/committee/assessments/{submitted.id}/verdicts/profile", {})
    assert plain.status_code == 422
    page = soup(plain)
    assert page.select_one("#error-summary a")["href"] == "#v-profile-acceptable"
    assert page.select_one("#verdict-profile-error") is not None
    assert page.select_one(".error-page") is None  # not the bare error page naming fields


def test_it_answers_an_authors_htmx_reply_on_the_comments_page_with_the_thread(
    login, submitted, db
):
    board = login("board")
    comment = _comment(board, submitted, db)
    lead = login("lead")
    response = hx_post(
        lead,
        f"/assessments/{submitted.id}/comments",
        {"body": "Aangevuld", "parent_id": str(comment.id)},
    )
    assert response.status_code == 200
    fragment = soup(response)
    assert "Aangevuld" in fragment.select_one(f"#comment-{comment.id}").get_text()
    assert fragment.select_one("form[action$='/resolve']") is None
    assert fragment.select_one("#review-state") is None  # the comments page shows no state
    plain = lead.post_form(
        f"/assessments/{submitted.id}/comments", {"body": "Nog meer", "parent_id": str(comment.id)}
    )
    assert plain.headers["location"] == f"/assessments/{submitted.id}/comments#comment-{comment.id}"


def test_it_refuses_an_htmx_post_without_the_csrf_token(login, submitted):
    board = login("board")
    response = board.post(
        f"/assessments/{submitted.id}/comments",
        data={"body": "Zonder token", "question_id": "name"},
        headers=HX,
    )
    assert response.status_code == 403


def test_it_shows_a_disagreement_without_a_note_again_with_the_choice_kept(
    login, submitted, db, personas
):
    from app.reviews import advising
    from app.users.models import Role

    advising.save_advice(
        db,
        assessment=submitted,
        actor=personas["chair"],
        roles=frozenset({Role.chair, Role.board}),
        outcome="positive",
        summary="Ga door.",
        rationale={},
        conditions=[],
        reassess_on="",
    )
    db.commit()
    board = login("board")
    response = board.post_form(
        f"/committee/assessments/{submitted.id}/opinion", {"stance": "disagree", "note": "  "}
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".error-page") is None
    assert page.select_one("#stance-disagree").has_attr("checked")
    note = page.select_one("#f-opinion-note")
    assert note["aria-invalid"] == "true"
    assert page.select_one(f"#{note['aria-describedby']}").get_text(" ", strip=True) == (
        "Fout: Leg uit waarom u het oneens bent."
    )
    assert page.select_one("#error-summary a[href='#f-opinion-note']") is not None
