"""Browser test of what the project lead sees of the committee's work: the committee sends the
assessment back with a message and a verdict "to correct", the lead follows the notification
and finds both on the assessment's pages; after the chair signed, the lead follows the next
notification and finds the outcome and the condition with its owner and due date, downloads
the signed PDF and finds the verification link. axe-core on these pages at 1280 and 390 px;
screenshots of the archived assessment's page (test-artifacts/screenshots)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import PERSONAS, assert_accessible, screenshot
from .test_full_journey import (
    CHANGES_REQUESTED,
    CONDITION,
    CONDITION_DUE_SHOWN,
    CONDITION_OWNER,
    CONDITIONAL,
    DOWNLOAD,
    NOTE_TO_LEAD,
    NOTIFICATIONS,
    NOTIFICATIONS_LINK,
    PROFILE,
    SEND_BACK,
    SENT_BACK,
    SUBMITTED,
    VERDICT_ON,
    VERDICT_SAVED,
    Actors,
    Journey,
    board_drafts_advice,
    board_gives_a_verdict,
    board_records_opinion,
    chair_finalises,
    chair_opens_advice,
    chair_signs,
    comment_on_client_question,
    flash,
    lead_starts_and_fills,
    lead_submits,
    nav_link,
    open_advice,
    open_review_from_inbox,
)
from .test_full_journey import actors as actors  # the fixture, used by name
from .test_lead_journey import heading, state_of

pytestmark = pytest.mark.e2e

MESSAGE = "Beschrijf wie de restrisico's accepteert en waarom dat verantwoord is."
TO_CORRECT = "Moet worden gecorrigeerd"
SAVE_VERDICT = "Oordeel opslaan {section}"
CHANGES_NOTIFICATION = "Aanpassingen gevraagd voor {ref}"
SIGNED_NOTIFICATION = "Advies over {ref} is ondertekend"
WIDTHS = (1280, 390)


def board_judges_and_sends_back(j: Journey, board: Page) -> None:
    j.pages["board"] = board
    open_review_from_inbox(j, board)
    comment_on_client_question(j, board)
    group = board.get_by_role("group", name=VERDICT_ON.format(section=PROFILE))
    group.get_by_role("radio", name=TO_CORRECT, exact=True).check()
    board.get_by_role("button", name=SAVE_VERDICT.format(section=PROFILE), exact=True).click()
    expect(flash(board)).to_have_text(VERDICT_SAVED)
    board.get_by_role("textbox", name=NOTE_TO_LEAD).fill(MESSAGE)
    board.get_by_role("button", name=SEND_BACK, exact=True).click()
    expect(flash(board)).to_have_text(SENT_BACK)


def open_notification(j: Journey, subject: str) -> None:
    lead = j.pages["lead"]
    nav_link(lead, NOTIFICATIONS_LINK).click()
    expect(heading(lead, NOTIFICATIONS)).to_be_visible()
    lead.get_by_role("link", name=subject, exact=True).first.click()
    expect(lead).to_have_url(j.overview_url)


def accessible_at_both_widths(page: Page, name: str, *, shot: str | None = None) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if shot:
            screenshot(page, f"{shot}-{width}")
        assert_accessible(page, context_name=f"{name} at {width} px")
    page.set_viewport_size({"width": 1280, "height": 900})


def lead_sees_the_message_and_the_verdict(j: Journey) -> None:
    lead = j.pages["lead"]
    open_notification(j, CHANGES_NOTIFICATION.format(ref=j.reference))
    expect(state_of(lead)).to_have_text(CHANGES_REQUESTED)
    notice = lead.locator("section.change-request")
    expect(notice.locator(".change-request__note")).to_have_text(MESSAGE)
    expect(notice).to_contain_text(PERSONAS["board"].name)  # who sent it back
    profile = lead.locator(".section-list li").filter(has_text=PROFILE)
    expect(profile.locator(".section-verdict")).to_have_text(TO_CORRECT)
    accessible_at_both_widths(lead, "the lead's overview, back for changes", shot="lead-changes")
    profile.get_by_role("link", name=PROFILE, exact=True).click()
    expect(lead).to_have_url(f"{j.overview_url}/sections/profile")
    expect(lead.locator("section.change-request .change-request__note")).to_have_text(MESSAGE)
    expect(lead.locator(".section-verdict strong")).to_have_text(TO_CORRECT)
    accessible_at_both_widths(lead, "the lead's section page, back for changes")


def committee_advises_and_signs(j: Journey, actors: Actors) -> None:
    board = j.pages["board"]
    open_review_from_inbox(j, board)
    expect(state_of(board)).to_have_text(SUBMITTED)
    board_gives_a_verdict(board)
    open_advice(j, board)
    board_drafts_advice(j)
    board_records_opinion(j)
    chair_opens_advice(j, actors.open("chair"))
    chair_finalises(j)
    chair_signs(j)


def lead_sees_the_signed_advice(j: Journey, folder: Path) -> None:
    lead = j.pages["lead"]
    open_notification(j, SIGNED_NOTIFICATION.format(ref=j.reference))
    advice = lead.locator("section.advice-summary")
    expect(advice.locator(".advice-outcome")).to_have_text(CONDITIONAL)
    expect(advice.locator("ol.conditions li")).to_have_text(
        [f"{CONDITION} — eigenaar: {CONDITION_OWNER}, uiterlijk {CONDITION_DUE_SHOWN}"]
    )
    expect(lead.locator("section.change-request")).to_have_count(0)
    verify = advice.locator("a.verify-link")
    expect(verify).to_have_attribute("href", f"/verify?reference={j.reference}")
    with lead.expect_download() as info:
        advice.get_by_role("link", name=DOWNLOAD, exact=True).click()
    download = info.value
    assert download.suggested_filename == f"{j.reference}-advies.pdf"
    path = folder / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-"), "the download is not a PDF"
    accessible_at_both_widths(lead, "the lead's archived assessment", shot="lead-archived")
    verify.click()
    expect(lead).to_have_url(re.compile(re.escape(f"/verify?reference={j.reference}") + "$"))


def test_it_shows_the_lead_the_committees_message_verdict_and_signed_advice(
    actors: Actors, base_url: str, tmp_path: Path
) -> None:
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, actors.open("lead"))
    lead_submits(j)
    board_judges_and_sends_back(j, actors.open("board"))
    lead_sees_the_message_and_the_verdict(j)
    lead_submits(j)
    committee_advises_and_signs(j, actors)
    lead_sees_the_signed_advice(j, tmp_path)
    j.assert_no_problems()
