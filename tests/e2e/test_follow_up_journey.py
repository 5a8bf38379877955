"""Browser walk of life after the advice: the committee gives an advice with two conditions
owned by the lead, the chair signs; the lead (without JavaScript) adds evidence to the first
one and reports it done; the job runner reminds the lead of the second;
the chair accepts it; the lead starts the re-assessment, finds it pre-filled, changes an answer
and submits; the committee sees what changed against the signed assessment. axe-core on every
new page at 1280 and 390 px, screenshots in test-artifacts/screenshots."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.attachments import files

from .conftest import PERSONAS, _app_env, _run_cli, screenshot
from .test_full_journey import (
    ADVICE_SAVED,
    ADVICE_SUMMARY,
    COND_DUE,
    COND_OWNER,
    COND_TEXT,
    CONDITIONAL,
    SAVE_ADVICE,
    AxeLog,
    Journey,
    board_gives_a_verdict,
    board_records_opinion,
    chair_finalises,
    chair_opens_advice,
    chair_signs,
    flash,
    lead_changes_the_answer,
    lead_starts_and_fills,
    lead_submits,
    open_advice,
    open_review_from_inbox,
)
from .test_full_journey import actors as actors  # the fixture, used by name
from .test_lead_journey import heading

pytestmark = pytest.mark.e2e

COND_EMAIL = "Voorwaarde {n}: e-mailadres van de eigenaar"
CONDITIONS = (
    ("Rond de IAMA af voordat het systeem live gaat.", 5),
    ("Herhaal de bias-analyse en publiceer de uitkomst.", 10),
)
FOLLOW_UP = "Opvolging van de voorwaarden"
FOLLOW_UP_LINK = "Opvolging van de voorwaarden: melden, accepteren en geschiedenis"
REPORT_NOTE = "Wat er is gedaan, en waar het bewijs te vinden is (voorwaarde 1)"
REPORT = re.compile(r"^Melden als uitgevoerd\s*\(voorwaarde 1\)$")
ACCEPT = re.compile(r"^Accepteren\s*\(voorwaarde 1\)$")
RECORDED = "De opvolging van de voorwaarde is vastgelegd."
CONDITIONS_FOR_YOU = "Voorwaarden voor u"
START_REASSESSMENT = "Herbeoordeling starten"
CHANGED_SINCE_SIGNED = re.compile(r"^Gewijzigd sinds de ondertekende beoordeling DW-")
WIDTHS = (1280, 390)
NOTE = "De IAMA is afgerond en door de directie vastgesteld; het rapport staat in het zaaksysteem."


def check_at_both_widths(axe: AxeLog, page: Page, name: str) -> None:
    """axe and screenshots need JavaScript in the page: a page seen without it is checked in
    a context of the same person with it (`seeing`)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        axe.check(page, f"{name} at {width}px")
        screenshot(page, f"{name}-{width}", lang="nl")
    page.set_viewport_size({"width": 1280, "height": 900})


def board_advises_with_two_conditions_for_the_lead(j: Journey) -> None:
    board = j.pages["board"]
    board.get_by_role("radio", name=CONDITIONAL, exact=True).check()
    board.get_by_role("textbox", name=re.compile(r"^Samenvatting van het advies")).fill(
        ADVICE_SUMMARY
    )
    for n, (text, days) in enumerate(CONDITIONS, start=1):
        board.get_by_role("textbox", name=COND_TEXT.format(n=n), exact=True).fill(text)
        board.get_by_role("textbox", name=COND_OWNER.format(n=n), exact=True).fill("Projectleider")
        board.get_by_role("textbox", name=COND_EMAIL.format(n=n), exact=True).fill(
            PERSONAS["lead"].email
        )
        due = date.today() + timedelta(days=days)
        board.get_by_label(COND_DUE.format(n=n), exact=True).fill(due.isoformat())
    board.get_by_role("button", name=SAVE_ADVICE, exact=True).click()
    expect(flash(board)).to_have_text(ADVICE_SAVED)


def test_it_follows_up_the_conditions_and_re_assesses_the_project(
    actors, base_url, live_server, tmp_path
):
    axe = AxeLog()
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, actors.open("lead"))
    lead_submits(j)
    board = actors.open("board")
    j.pages["board"] = board
    open_review_from_inbox(j, board)
    board_gives_a_verdict(board)
    open_advice(j, board)
    board_advises_with_two_conditions_for_the_lead(j)
    board_records_opinion(j)
    chair_opens_advice(j, actors.open("chair"))
    chair_finalises(j)
    chair_signs(j)

    # The lead, without JavaScript, finds the conditions and reports the first one done.
    lead = actors.open("lead", js=False)
    seeing = actors.open("lead")  # the same pages with JavaScript, for axe and screenshots
    lead.goto(j.overview_url)
    summary = lead.get_by_role("region", name=FOLLOW_UP)
    expect(summary.get_by_role("row")).to_have_count(3)  # the header and two conditions
    seeing.goto(j.overview_url)
    check_at_both_widths(axe, seeing, "follow-up-summary")
    summary.get_by_role("link", name=FOLLOW_UP_LINK, exact=True).click()
    expect(heading(lead, re.compile(rf"^{FOLLOW_UP}"))).to_be_visible()
    seeing.goto(lead.url)
    check_at_both_widths(axe, seeing, "follow-up")
    # The explanation is required: the browser asks for it before anything is sent (the
    # server's own refusal is tested in tests/followup).
    evidence = tmp_path / "IAMA-rapport.pdf"
    evidence.write_bytes(files.pdf())
    lead.get_by_label("Bestand toevoegen als bewijs (voorwaarde 1)", exact=True).set_input_files(
        evidence
    )
    lead.get_by_role("button", name=re.compile(r"^Bewijs toevoegen\s*\(voorwaarde 1\)$")).click()
    expect(flash(lead)).to_have_text("Het bestand ‘IAMA-rapport.pdf’ is als bewijs toegevoegd.")
    expect(lead.get_by_role("link", name="IAMA-rapport.pdf", exact=True)).to_be_visible()
    note_field = lead.get_by_role("textbox", name=re.compile(re.escape(REPORT_NOTE)))
    expect(note_field).to_have_attribute("required", "")
    lead.get_by_role("button", name=REPORT).click()
    first = lead.get_by_role("region", name=re.compile(r"^Voorwaarde 1: "))
    expect(first.get_by_role("heading", level=2)).to_contain_text("Open")
    lead.get_by_role("textbox", name=re.compile(re.escape(REPORT_NOTE))).fill(NOTE)
    lead.get_by_role("button", name=REPORT).click()
    expect(flash(lead)).to_have_text(RECORDED)
    expect(lead.get_by_text(NOTE)).to_be_visible()

    # The chair finds the report among the conditions waiting for them, and accepts it.
    chair = j.pages["chair"]
    chair.goto(f"{base_url}/follow-up")
    expect(heading(chair, CONDITIONS_FOR_YOU)).to_be_visible()
    check_at_both_widths(axe, chair, "follow-up-tasks")
    chair.get_by_role("link", name=re.compile(r", voorwaarde 1$")).click()
    chair.get_by_role("button", name=ACCEPT).click()
    expect(flash(chair)).to_have_text(RECORDED)
    first = chair.get_by_role("region", name=re.compile(r"^Voorwaarde 1: "))
    expect(first.get_by_role("heading", level=2)).to_contain_text("Geaccepteerd")

    # The job runner's pass reminds the lead of the second condition, due within 14 days;
    # the accepted first one, though due sooner, is not reminded.
    _run_cli(["jobs", "run", "--once"], env=_app_env(live_server.data_dir))
    lead.goto(f"{base_url}/notifications")
    reminders = lead.get_by_role("link", name=re.compile(r"^Herinnering: voorwaarde \d van "))
    expect(reminders).to_have_count(1)
    expect(reminders).to_contain_text("voorwaarde 2 van")
    seeing.goto(f"{base_url}/notifications")
    check_at_both_widths(axe, seeing, "reminder-notification")
    reminders.click()
    expect(heading(lead, re.compile(rf"^{FOLLOW_UP}"))).to_be_visible()

    # The lead starts the re-assessment: pre-filled, one answer changed, submitted.
    lead.goto(j.overview_url)
    seeing.goto(j.overview_url)
    check_at_both_widths(axe, seeing, "reassessment-offer")
    lead.get_by_role("button", name=START_REASSESSMENT, exact=True).click()
    expect(flash(lead)).to_contain_text("De herbeoordeling is gestart met")
    expect(lead.get_by_text(re.compile(r"^Dit is de herbeoordeling van DW-"))).to_be_visible()
    j.assessment_id = int(lead.url.rstrip("/").rsplit("/", 1)[1])
    j.pages["lead"] = lead
    j.js = False
    lead_changes_the_answer(j)
    lead_submits(j)
    open_review_from_inbox(j, board)
    expect(heading(board, CHANGED_SINCE_SIGNED, level=2)).to_be_visible()
    check_at_both_widths(axe, board, "reassessment-review")
    axe.assert_clean()
