"""A fast typist in the data-sources table (JavaScript on): every key typed is stored, whatever
arrives from the autosave while the typing goes on. Types at 30 ms per key across cells with
Tab, then compares the answer in the database (read with plain SQL, outside the app) with what
was typed."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from playwright.sync_api import Page, expect

from .conftest import PERSONAS, LiveServer, login_as
from .test_lead_journey import new_title, question, settled, start_assessment

KEY_DELAY_MS = 30
ROWS = [
    ("Spaarnelanden", "Afvalinzameling"),
    ("Basisregistratie Personen", "Burgerzaken"),
    ("Parkeertransacties", "Mobiliteit en Parkeren"),
    ("Meldingen openbare ruimte", "Wijkzaken"),
]
STORE_WAIT_SECONDS = 60.0  # a ceiling for a busy machine; the loop ends as soon as it is stored


def _stored(live_server: LiveServer, assessment_id: int) -> list[dict[str, str]] | None:
    with sqlite3.connect(live_server.data_dir / "datawaarden.db") as db:
        row = db.execute(
            "SELECT value_json FROM answers WHERE assessment_id = ? AND question_id = ?",
            (assessment_id, "data_sources"),
        ).fetchone()
    return json.loads(row[0]) if row else None


def test_it_stores_every_key_typed_quickly_across_the_cells_of_a_table(
    page: Page, base_url: str, live_server: LiveServer
) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Snel typen in de tabel"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    table = question(page, "data_sources")
    settled(table)

    for index, (source, owner) in enumerate(ROWS):
        first = page.locator(f"#a-data_sources-{index}-name")
        # A new row appears once the row above it holds something; a typist starts in it as
        # soon as it is there, while the saves of the row above are still on their way.
        expect(first).to_be_visible()
        first.click()
        page.keyboard.type(source, delay=KEY_DELAY_MS)
        page.keyboard.press("Tab")  # to the owner: the source cell's change saves the table
        page.keyboard.type(owner, delay=KEY_DELAY_MS)
        page.keyboard.press("Tab")  # on to the personal-data choice: saves again

    # What the page shows is what was typed: no key was dropped by a swap.
    for index, (source, owner) in enumerate(ROWS):
        expect(page.locator(f"#a-data_sources-{index}-name")).to_have_value(source)
        expect(page.locator(f"#a-data_sources-{index}-owner")).to_have_value(owner)

    expected = [{"name": source, "owner": owner} for source, owner in ROWS]
    deadline = time.monotonic() + STORE_WAIT_SECONDS
    stored = _stored(live_server, assessment_id)
    while stored != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # polling the database for a condition, not a fixed wait
        stored = _stored(live_server, assessment_id)
    assert stored == expected, f"typed {expected}, stored {stored}"
    expect(table.get_by_text("Opgeslagen")).to_be_visible()
    # The table ends with one empty row for the next source.
    expect(page.locator(f"#a-data_sources-{len(ROWS)}-name")).to_have_value("")
    expect(page.locator(f"#a-data_sources-{len(ROWS) + 1}-name")).to_have_count(0)


@pytest.mark.console_errors_expected  # the server is made to fail every autosave
def test_it_says_next_to_the_field_when_a_save_fails(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Opslaan mislukt"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    table = question(page, "data_sources")
    settled(table)
    # The server answers every autosave with an error, as it would when its disk is full.
    page.route("**/answers/**", lambda route: route.fulfill(status=503, body="unavailable"))
    cell = page.locator("#a-data_sources-0-name")
    cell.click()
    page.keyboard.type("Spaarnelanden", delay=KEY_DELAY_MS)
    page.keyboard.press("Tab")
    expect(table.locator(".field-error")).to_contain_text("Niet opgeslagen")
    expect(table.get_by_text("Opgeslagen", exact=True)).to_have_count(0)
    expect(cell).to_have_value("Spaarnelanden")  # what was typed is still there
