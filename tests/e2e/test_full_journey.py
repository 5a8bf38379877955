"""Browser tests for the whole life of an assessment, across every role: a lead fills in and
submits, a board member comments and sends it back, the lead replies, changes an answer and
submits again, the committee sees what changed, writes advice with a condition and records
opinions, the chair finalises and signs, an auditor finds the report in the archive, downloads
it and verifies it, a board member publishes it and an anonymous visitor reads it in the public
transparency register. Once with JavaScript, once without.

Further: axe-core (WCAG 2.1 A/AA) on every page type as each role sees it, in Dutch and
English; keyboard-only use of the committee's review page and advice form; reflow at 200% zoom
and on a narrow screen; screenshots of the key screens in both languages (test-artifacts/
screenshots); the menu on public pages and the 403/404 pages of logged-in users (on a server of
their own, since such a page once left the database locked).

Texts are the Dutch ones from app/translations/nl/LC_MESSAGES/messages.po."""

from __future__ import annotations

import random
import re
import string
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .conftest import (
    _LOG_KEY,
    PERSONAS,
    POLL_INTERVAL,
    PYTHON,
    REPO_ROOT,
    SERVER_START_TIMEOUT,
    ConsoleWatch,
    LiveServer,
    _app_env,
    _free_port,
    _healthy,
    _run_cli,
    _stop,
    assert_accessible,
    html_lang,
    login_as,
    screenshot,
    set_language,
)
from .test_lead_journey import (
    assert_focus_visible,
    fill_everything,
    heading,
    question,
    start_assessment,
    state_of,
)

pytestmark = pytest.mark.e2e

ACTION_TIMEOUT = 10_000  # ms: for clicks and fills; expect() keeps its 5 s
SIGN_TIMEOUT = 30_000  # ms: rendering and signing the PDF/A report

# --- texts -------------------------------------------------------------------------------

NAV = "Hoofdnavigatie"
NAV_ANY = re.compile(r"^(Hoofdnavigatie|Main navigation)$")
FOOTER_VERIFY = "Adviesrapport controleren"
INBOX = "Werkvoorraad commissie"
ARCHIVE = "Archief"
AUDIT_LOG = "Auditlogboek"
AUDIT_TRAIL = "Audittrail"
NOTIFICATIONS = "Meldingen"
NOTIFICATIONS_LINK = re.compile(r"^Meldingen( \d+ ongelezen)?$")  # with the unread count
USERS = "Gebruikers"
REGISTER = "Transparantieregister"
VERIFY = "Adviesrapport controleren"
ACCESSIBILITY = "Toegankelijkheidsverklaring"

REVIEW_AND_SUBMIT = "Controleren en indienen"
SUBMIT = "Indienen bij de ethische commissie"
FILL_IN = "Beoordeling invullen"
SAVE = "Opslaan"
SAVED = "Opgeslagen"
SAVED_FLASH = "Uw wijzigingen zijn opgeslagen."
SUBMITTED = "Ingediend"
CHANGES_REQUESTED = "Aanpassingen gevraagd"

COMMITTEE_ACTIONS = "Acties van de commissie"
ADVICE = "Advies"
COMMENT_ON_QUESTION = "Opmerking bij deze vraag: {label}"
COMMENT_FIELD = "Opmerking bij: {label}"
ADD_COMMENT = "Opmerking toevoegen"
COMMENT_ADDED = "Uw opmerking is toegevoegd."
NOTE_TO_LEAD = "Bericht aan de projectleider (niet verplicht)"
SEND_BACK = "Terugsturen met de opmerkingen"
SENT_BACK = "De beoordeling is met uw opmerkingen teruggestuurd naar de auteurs."
COMMITTEE_COMMENTS = "Opmerkingen van de commissie"
COMMENTS_PAGE = "Opmerkingen van de ethische commissie"
REPLY = "Reactie"
SEND_REPLY = "Reactie versturen"
CHANGED_SINCE = "Gewijzigd sinds de vorige indiening"
VERDICT_ON = "Oordeel over {section}"
ACCEPTABLE = "Acceptabel"
SAVE_VERDICT = "Oordeel opslaan {section}"
VERDICT_SAVED = "Het oordeel is opgeslagen."
CHANGES_NOTIFICATION = "Aanpassingen gevraagd voor {ref}"

CONDITIONAL = "Positief onder voorwaarden"
SUMMARY = re.compile(r"^Samenvatting van het advies")
COND_TEXT = "Voorwaarde {n}: tekst"
COND_OWNER = "Voorwaarde {n}: eigenaar"
COND_DUE = "Voorwaarde {n}: uiterste datum"
SAVE_ADVICE = "Conceptadvies opslaan"
ADVICE_SAVED = "Het conceptadvies is opgeslagen."
AGREE = "Eens"
RECORD_OPINION = "Mijn standpunt vastleggen"
OPINION_SAVED = "Uw standpunt is vastgelegd."
FINALISE = "Advies definitief maken"
FINALISED = "Het advies is definitief."
IS_FINAL = "Dit advies (ronde 1) is definitief en kan niet meer worden gewijzigd."
SIGN_PASSWORD = "Vul uw wachtwoord in om te ondertekenen"
SIGN = "Het adviesrapport ondertekenen"
SIGNED = "Het adviesrapport is ondertekend en gearchiveerd."
SIGNED_REPORT = "Ondertekend adviesrapport"
DOWNLOAD = "Ondertekend rapport downloaden (PDF)"

SEARCH_TEXT = "Zoektekst"
SEARCH = "Zoeken"
ONE_ARCHIVED = "1 gearchiveerde beoordeling"
PUBLISH = "Publiceren in het transparantieregister"
PUBLISHED = "Het advies staat nu in het openbare transparantieregister."
IS_PUBLIC = "Ja, in het transparantieregister"

PDF_FILE = re.compile(r"^(PDF-bestand \(hoogstens 20 MB\)|PDF file \(at most 20 MB\))$")
CHECK_FILE = re.compile(r"^(Bestand controleren|Check the file)$")
AUTHENTIC = "Echt en ongewijzigd"
NOT_CONFIRMED = "Niet bevestigd"
IS_ARCHIVED_REPORT = "Dit bestand is het gearchiveerde rapport {ref}."
ADDED_AFTER = "Na het ondertekenen is er iets in het bestand veranderd."

TOKEN_NAME = {
    "nl": re.compile(r"^Naam van de token"),
    "en": re.compile(r"^Name of the token"),
}
MAKE_TOKEN = {"nl": "Token maken", "en": "Make a token"}

NOT_FOUND = "Deze pagina of dit onderdeel bestaat niet"
FORBIDDEN = "U mag dit niet doen"

Q_CLIENT_ID = "commissioning_client"
Q_CLIENT_LABEL = (
    "Wie is opdrachtgever, wie is eindverantwoordelijk en wie zitten er in het projectteam?"
)
Q_CLIENT_FIELD = re.compile("^" + re.escape(Q_CLIENT_LABEL))
CLIENT_BEFORE = f"Testantwoord voor {Q_CLIENT_ID}."  # what fill_everything answers
PROFILE = "Projectprofiel"

COMMENT = "Noem ook wie de restrisico's accepteert."
NOTE = "Graag de eindverantwoordelijke noemen."
REPLY_TEXT = "Aangevuld: de directeur Sociaal Domein accepteert de restrisico's."
CLIENT_AFTER = "Opdrachtgever en eindverantwoordelijke: directeur Sociaal Domein"
ADVICE_SUMMARY = "De commissie adviseert positief, onder de voorwaarde hieronder."
CONDITION = "Laat de rekenregel jaarlijks extern toetsen."
CONDITION_OWNER = "Teamleider Data Sociaal Domein"
CONDITION_DUE = "2026-06-30"
CONDITION_DUE_SHOWN = "30 juni 2026"  # as the pages write it


# --- harness -----------------------------------------------------------------------------


class Actors:
    """Opens a fresh browser context per person, optionally logged in as a persona."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.console = ConsoleWatch()

    def open(
        self,
        persona: str | None,
        *,
        js: bool = True,
        viewport: dict[str, int] | None = None,
        **context_args: Any,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="nl-NL",
            viewport=viewport or {"width": 1280, "height": 900},
            java_script_enabled=js,
            accept_downloads=True,
            **context_args,
        )
        context.set_default_timeout(ACTION_TIMEOUT)
        self.console.attach(context)
        self.contexts.append(context)
        page = context.new_page()
        if persona is None:
            page.goto(f"{self.base_url}/register")
        else:
            login_as(page, self.base_url, PERSONAS[persona])
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.console.assert_clean()  # every person's browser: no console error, no CSP violation


@pytest.fixture
def actors(
    browser: Browser, base_url: str, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Actors]:
    # Remember where the server log stands, so a failing test shows what the server said.
    request.node.stash[_LOG_KEY] = (live_server.log_path, live_server.log_path.stat().st_size)
    opened = Actors(browser, base_url)
    yield opened
    opened.close()


class AxeLog:
    """Runs axe on many pages and keeps every failure, so one run reports them all."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Page, name: str, *, shot: str | None = None) -> None:
        lang = html_lang(page)
        if shot:
            screenshot(page, shot, lang=lang)
        self.checked.append(f"{name} ({lang})")
        try:
            assert_accessible(page, context_name=f"{name} ({lang})")
        except pytest.fail.Exception as exc:
            self.failures.append(str(exc.msg))

    def check_both(self, page: Page, name: str, *, shot: str | None = None) -> None:
        """Check the page in Dutch and in English (switched with the language button); the
        page ends in Dutch again."""
        for lang in ("nl", "en"):
            set_language(page, lang)
            self.check(page, name, shot=shot)
        set_language(page, "nl")

    def assert_clean(self) -> None:
        if self.failures:
            pytest.fail(
                f"accessibility violations on {len(self.failures)} of {len(self.checked)} "
                "page views:\n\n" + "\n\n".join(self.failures),
                pytrace=False,
            )


def unique_word() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=10))


def nav_link(page: Page, name: str | re.Pattern[str]) -> Locator:
    return page.get_by_role("navigation", name=NAV).get_by_role("link", name=name, exact=True)


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def title_heading(page: Page, title: str) -> Locator:
    return heading(page, re.compile("^" + re.escape(title)))


# --- the journey, step by step -------------------------------------------------------------


@dataclass
class Journey:
    base_url: str
    js: bool
    word: str = field(default_factory=unique_word)
    assessment_id: int = 0
    reference: str = ""
    pages: dict[str, Page] = field(default_factory=dict)
    pdf: Path | None = None
    # App bugs met on the way that the journey could work around; reported at the end.
    problems: list[str] = field(default_factory=list)

    def assert_no_problems(self) -> None:
        if self.problems:
            pytest.fail("app bugs met on the way:\n- " + "\n- ".join(self.problems), pytrace=False)

    @property
    def title(self) -> str:
        return f"Vroegsignalering {self.word}"

    @property
    def overview_url(self) -> str:
        return f"{self.base_url}/assessments/{self.assessment_id}"

    @property
    def review_url(self) -> str:
        return f"{self.base_url}/committee/assessments/{self.assessment_id}"

    @property
    def advice_url(self) -> str:
        return f"{self.review_url}/advice"


def lead_starts_and_fills(j: Journey, lead: Page) -> None:
    j.pages["lead"] = lead
    j.assessment_id = start_assessment(lead, j.base_url, j.title)
    fill_everything(lead, j.base_url, j.assessment_id)
    lead.goto(j.overview_url)


def lead_submits(j: Journey) -> None:
    lead = j.pages["lead"]
    lead.goto(j.overview_url)
    lead.get_by_role("link", name=REVIEW_AND_SUBMIT, exact=True).click()
    expect(lead).to_have_url(f"{j.overview_url}/review")
    lead.get_by_role("button", name=SUBMIT, exact=True).click()
    expect(lead).to_have_url(j.overview_url)
    expect(flash(lead)).to_contain_text("is ingediend bij de ethische commissie")
    expect(state_of(lead)).to_have_text(SUBMITTED)
    match = re.search(r"Beoordeling (\S+) is ingediend", flash(lead).inner_text())
    assert match, flash(lead).inner_text()
    j.reference = match.group(1)


def open_review_from_inbox(j: Journey, member: Page) -> None:
    nav_link(member, INBOX).click()
    expect(member).to_have_url(f"{j.base_url}/committee")
    expect(heading(member, INBOX)).to_be_visible()
    row = member.get_by_role("row").filter(has=member.get_by_role("link", name=j.title))
    expect(row).to_have_count(1)
    row.get_by_role("link", name=j.title, exact=True).click()
    expect(member).to_have_url(j.review_url)
    expect(title_heading(member, j.title)).to_be_visible()


def check_csrf_field(j: Journey, page: Page, form: Locator, what: str) -> None:
    """A form must carry the page's CSRF token, or the server refuses it ("Dit formulier is
    verlopen", 403). If it is empty, record the bug and put the page's own token in, so the
    rest of the journey can still be checked."""
    token_field = form.locator("input[name=csrf_token]")
    expect(token_field).to_have_count(1)
    if token_field.input_value():
        return
    valid = page.locator("form.language-switch input[name=csrf_token]").input_value()
    j.problems.append(
        f"{what} on {page.url}: its hidden csrf_token field is empty, so posting it is "
        "refused with 403 'Dit formulier is verlopen'. The form comes from a macro in "
        "templates/reviews/_thread.html, imported without context, so {{ csrf_token }} is "
        'undefined there. Fix: `{% from "reviews/_thread.html" import ... with context %}` '
        "in templates/reviews/review.html and templates/reviews/comments.html (or pass "
        "csrf_token to the macros)."
    )
    token_field.evaluate("(el, token) => { el.value = token; }", valid)


def comment_on_client_question(j: Journey, member: Page) -> None:
    member.locator("summary").filter(
        has_text=COMMENT_ON_QUESTION.format(label=Q_CLIENT_LABEL)
    ).click()
    box = member.get_by_role("textbox", name=COMMENT_FIELD.format(label=Q_CLIENT_LABEL))
    expect(box).to_be_visible()
    box.fill(COMMENT)
    form = member.locator("form").filter(has=box)
    check_csrf_field(j, member, form, "the comment form of the committee")
    form.get_by_role("button", name=ADD_COMMENT).click()
    expect(flash(member)).to_have_text(COMMENT_ADDED)
    # The comment is shown with the answer it is about.
    answer = member.locator(f"dt#a-{Q_CLIENT_ID} + dd")
    expect(answer.get_by_text(COMMENT, exact=True)).to_be_visible()


def board_comments_and_sends_back(j: Journey, board: Page) -> None:
    j.pages["board"] = board
    open_review_from_inbox(j, board)
    comment_on_client_question(j, board)
    expect(state_of(board)).to_have_text("In behandeling")
    board.get_by_role("textbox", name=NOTE_TO_LEAD).fill(NOTE)
    board.get_by_role("button", name=SEND_BACK, exact=True).click()
    expect(board).to_have_url(f"{j.base_url}/committee")
    expect(flash(board)).to_have_text(SENT_BACK)


def lead_reads_the_comment(j: Journey) -> None:
    lead = j.pages["lead"]
    nav_link(lead, NOTIFICATIONS_LINK).click()
    expect(heading(lead, NOTIFICATIONS)).to_be_visible()
    lead.get_by_role("link", name=CHANGES_NOTIFICATION.format(ref=j.reference)).first.click()
    expect(lead).to_have_url(j.overview_url)
    expect(state_of(lead)).to_have_text(CHANGES_REQUESTED)
    lead.get_by_role("link", name=FILL_IN, exact=True).click()
    expect(lead).to_have_url(f"{j.overview_url}/sections/profile")
    block = question(lead, Q_CLIENT_ID)
    expect(block.get_by_text(COMMITTEE_COMMENTS, exact=True)).to_be_visible()
    expect(block.get_by_role("listitem").filter(has_text=COMMENT)).to_contain_text(
        PERSONAS["board"].name
    )
    expect(block.get_by_role("link", name="1 opmerking", exact=True)).to_have_attribute(
        "href", f"#comments-{Q_CLIENT_ID}"
    )


def lead_replies(j: Journey) -> None:
    lead = j.pages["lead"]
    lead.goto(j.overview_url)
    # The committee's message links to its comments, and so do the links under the sections.
    links = lead.get_by_role("link", name=COMMENTS_PAGE, exact=True)
    expect(links).to_have_count(2)
    expect(links.nth(1)).to_have_attribute("href", f"/assessments/{j.assessment_id}/comments")
    links.first.click()
    expect(lead).to_have_url(f"{j.overview_url}/comments")
    expect(heading(lead, COMMENTS_PAGE)).to_be_visible()
    thread = lead.get_by_role("region", name="Opmerking 1")
    expect(thread.get_by_role("heading", name=Q_CLIENT_LABEL, level=2)).to_be_visible()
    expect(thread.get_by_text(COMMENT, exact=True)).to_be_visible()
    reply = thread.get_by_role("textbox", name=REPLY, exact=True)
    reply.fill(REPLY_TEXT)
    reply_form = thread.locator("form").filter(
        has=lead.get_by_role("textbox", name=REPLY, exact=True)
    )
    check_csrf_field(j, lead, reply_form, "the reply form")
    thread.get_by_role("button", name=SEND_REPLY, exact=True).click()
    if not j.js:  # a plain form post goes back to the thread; htmx swaps it in place
        expect(lead).to_have_url(re.compile(re.escape(f"{j.overview_url}/comments") + "#comment-"))
    expect(flash(lead)).to_have_text(COMMENT_ADDED)
    expect(
        lead.get_by_role("region", name="Opmerking 1").get_by_text(REPLY_TEXT, exact=True)
    ).to_be_visible()


def lead_changes_the_answer(j: Journey) -> None:
    lead = j.pages["lead"]
    lead.goto(f"{j.overview_url}/sections/profile")
    client = lead.get_by_role("textbox", name=Q_CLIENT_FIELD)
    expect(client).to_have_value(CLIENT_BEFORE)
    client.fill(CLIENT_AFTER)
    if j.js:  # autosave
        expect(question(lead, Q_CLIENT_ID).get_by_text(SAVED)).to_be_visible()
    else:
        lead.get_by_role("button", name=SAVE, exact=True).click()
        expect(flash(lead)).to_have_text(SAVED_FLASH)
    lead.reload()
    expect(lead.get_by_role("textbox", name=Q_CLIENT_FIELD)).to_have_value(CLIENT_AFTER)


def board_sees_the_change(j: Journey) -> None:
    board = j.pages["board"]
    open_review_from_inbox(j, board)
    expect(state_of(board)).to_have_text(SUBMITTED)
    expect(heading(board, CHANGED_SINCE, level=2)).to_be_visible()
    row = board.get_by_role("row").filter(
        has=board.get_by_role("link", name=Q_CLIENT_LABEL, exact=True)
    )
    expect(row).to_have_count(1)
    cells = row.get_by_role("cell")
    expect(cells.nth(1)).to_have_text(CLIENT_BEFORE)
    expect(cells.nth(2)).to_have_text(CLIENT_AFTER)
    diff = board.get_by_role("table").filter(
        has=board.get_by_role("columnheader", name="Voorheen", exact=True)
    )
    expect(diff.get_by_role("row")).to_have_count(2)  # the header and the one change
    # The thread now holds the lead's reply.
    answer = board.locator(f"dt#a-{Q_CLIENT_ID} + dd")
    expect(answer.get_by_text(REPLY_TEXT, exact=True)).to_be_visible()


def board_gives_a_verdict(board: Page) -> None:
    group = board.get_by_role("group", name=VERDICT_ON.format(section=PROFILE))
    group.get_by_role("radio", name=ACCEPTABLE, exact=True).check()
    board.get_by_role("button", name=SAVE_VERDICT.format(section=PROFILE), exact=True).click()
    expect(flash(board)).to_have_text(VERDICT_SAVED)


def open_advice(j: Journey, member: Page) -> None:
    member.get_by_role("navigation", name=COMMITTEE_ACTIONS).get_by_role(
        "link", name=ADVICE, exact=True
    ).click()
    expect(member).to_have_url(j.advice_url)
    expect(heading(member, f"{ADVICE}: {j.title}")).to_be_visible()


def advice_round(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile(r"^Ronde 1: "))


def board_drafts_advice(j: Journey) -> None:
    board = j.pages["board"]
    board.get_by_role("radio", name=CONDITIONAL, exact=True).check()
    board.get_by_role("textbox", name=SUMMARY).fill(ADVICE_SUMMARY)
    board.get_by_role("textbox", name=COND_TEXT.format(n=1), exact=True).fill(CONDITION)
    board.get_by_role("textbox", name=COND_OWNER.format(n=1), exact=True).fill(CONDITION_OWNER)
    board.get_by_label(COND_DUE.format(n=1), exact=True).fill(CONDITION_DUE)
    board.get_by_role("button", name=SAVE_ADVICE, exact=True).click()
    expect(board).to_have_url(j.advice_url)
    expect(flash(board)).to_have_text(ADVICE_SAVED)
    current = advice_round(board)
    expect(current.get_by_role("heading", level=3)).to_have_text(
        re.compile(rf"^Ronde 1: {CONDITIONAL}\s+\(concept\)$")
    )
    expect(current.get_by_role("listitem").first).to_have_text(
        f"{CONDITION} — eigenaar: {CONDITION_OWNER}, uiterlijk {CONDITION_DUE_SHOWN}"
    )
    expect(board.get_by_role("textbox", name=COND_OWNER.format(n=1), exact=True)).to_have_value(
        CONDITION_OWNER
    )


def record_agreement(member: Page, name: str) -> None:
    member.get_by_role("radio", name=AGREE, exact=True).check()
    member.get_by_role("button", name=RECORD_OPINION, exact=True).click()
    expect(member).to_have_url(re.compile(r"/advice#opinions$"))
    expect(flash(member)).to_have_text(OPINION_SAVED)
    expect(advice_round(member).get_by_role("listitem").filter(has_text=name)).to_have_text(
        f"{name}: {AGREE}"
    )


def board_records_opinion(j: Journey) -> None:
    record_agreement(j.pages["board"], PERSONAS["board"].name)


def chair_opens_advice(j: Journey, chair: Page) -> None:
    j.pages["chair"] = chair
    open_review_from_inbox(j, chair)
    open_advice(j, chair)


def chair_finalises(j: Journey) -> None:
    chair = j.pages["chair"]
    record_agreement(chair, PERSONAS["chair"].name)
    chair.get_by_role("button", name=FINALISE, exact=True).click()
    expect(chair).to_have_url(j.advice_url)
    expect(flash(chair)).to_have_text(FINALISED)
    expect(chair.get_by_text(IS_FINAL, exact=True)).to_be_visible()
    expect(chair.get_by_role("button", name=SAVE_ADVICE)).to_have_count(0)
    expect(advice_round(chair).get_by_role("heading", level=3)).to_contain_text("(definitief)")


def chair_signs(j: Journey) -> None:
    chair = j.pages["chair"]
    chair.get_by_label(SIGN_PASSWORD, exact=True).fill(PERSONAS["chair"].password)
    # The click waits for the navigation, which comes only once the report is signed.
    chair.get_by_role("button", name=SIGN, exact=True).click(timeout=SIGN_TIMEOUT)
    expect(flash(chair)).to_have_text(SIGNED, timeout=SIGN_TIMEOUT)
    expect(chair).to_have_url(j.advice_url)
    expect(heading(chair, SIGNED_REPORT, level=2)).to_be_visible()
    expect(chair.get_by_role("link", name=DOWNLOAD, exact=True)).to_be_visible()
    expect(chair.get_by_label(SIGN_PASSWORD)).to_have_count(0)


def find_in_archive(j: Journey, reader: Page) -> None:
    nav_link(reader, ARCHIVE).click()
    expect(reader).to_have_url(f"{j.base_url}/archive")
    expect(heading(reader, ARCHIVE)).to_be_visible()
    search = reader.get_by_role("searchbox", name=SEARCH_TEXT, exact=True)
    results = reader.locator("#results")
    if j.js:
        # Results update while typing, without loading a new page.
        reader.evaluate("() => { window.e2eSamePage = true; }")
        search.press_sequentially(j.word)
        expect(results.get_by_text(ONE_ARCHIVED, exact=True)).to_be_visible()
        expect(reader).to_have_url(re.compile(rf"[?&]q={j.word}"))
        assert reader.evaluate("() => window.e2eSamePage === true"), "the archive page reloaded"
        # The results replace the old ones (not nested inside them), and only their count is
        # announced, once, by a status message outside them.
        expect(reader.locator("[id=results]")).to_have_count(1)
        expect(reader.locator("#results [aria-live], #results[aria-live]")).to_have_count(0)
        expect(reader.locator("#results-status")).to_have_text(ONE_ARCHIVED)
    else:
        search.fill(j.word)
        reader.get_by_role("button", name=SEARCH, exact=True).click()
        expect(reader).to_have_url(re.compile(rf"/archive\?q={j.word}"))
        expect(results.get_by_text(ONE_ARCHIVED, exact=True)).to_be_visible()
    row = reader.get_by_role("row").filter(has=reader.get_by_role("link", name=j.title))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(j.reference)
    expect(row).to_contain_text(CONDITIONAL)
    row.get_by_role("link", name=j.title, exact=True).click()
    expect(reader).to_have_url(f"{j.base_url}/archive/{j.assessment_id}")
    expect(title_heading(reader, j.title)).to_be_visible()


def auditor_downloads_report(j: Journey, auditor: Page, folder: Path) -> None:
    j.pages["auditor"] = auditor
    find_in_archive(j, auditor)
    expect(
        auditor.get_by_role("region", name="Controle van het opgeslagen rapport")
    ).to_contain_text("is het rapport geldig")
    with auditor.expect_download() as info:
        auditor.get_by_role("link", name=DOWNLOAD, exact=True).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert j.reference in download.suggested_filename, download.suggested_filename
    j.pdf = folder / download.suggested_filename
    download.save_as(j.pdf)
    assert j.pdf.read_bytes().startswith(b"%PDF-"), "the download is not a PDF"


def verify_upload(page: Page, path: Path) -> Locator:
    """Upload a file on the verification page; return the result box."""
    page.get_by_label(PDF_FILE).set_input_files(path)
    page.get_by_role("button", name=CHECK_FILE).click()
    result = page.get_by_role("status").filter(has=page.get_by_role("heading", level=2))
    expect(result).to_be_visible()
    return result


def auditor_verifies_report(j: Journey) -> None:
    auditor = j.pages["auditor"]
    assert j.pdf is not None
    auditor.get_by_role("contentinfo").get_by_role("link", name=FOOTER_VERIFY, exact=True).click()
    expect(auditor).to_have_url(f"{j.base_url}/verify")
    expect(heading(auditor, VERIFY)).to_be_visible()
    result = verify_upload(auditor, j.pdf)
    expect(result.get_by_role("heading", level=2)).to_have_accessible_name(AUTHENTIC)
    expect(result).to_contain_text(IS_ARCHIVED_REPORT.format(ref=j.reference))
    expect(result).to_contain_text("is het rapport geldig")
    # The same file with a few bytes added after signing is not confirmed.
    tampered = j.pdf.with_name("gewijzigd.pdf")
    tampered.write_bytes(j.pdf.read_bytes() + b"\n% added after signing\n")
    result = verify_upload(auditor, tampered)
    expect(result.get_by_role("heading", level=2)).to_have_accessible_name(NOT_CONFIRMED)
    expect(result).to_contain_text(ADDED_AFTER)
    expect(result).not_to_contain_text(IS_ARCHIVED_REPORT.format(ref=j.reference))


def board_publishes(j: Journey) -> None:
    board = j.pages["board"]
    find_in_archive(j, board)
    expect(board.get_by_role("link", name="bekijken")).to_have_count(0)
    board.get_by_role("button", name=PUBLISH, exact=True).click()
    expect(board).to_have_url(f"{j.base_url}/archive/{j.assessment_id}")
    expect(flash(board)).to_have_text(PUBLISHED)
    expect(board.get_by_text(IS_PUBLIC)).to_be_visible()


def visitor_reads_register(j: Journey, visitor: Page) -> None:
    j.pages["visitor"] = visitor
    visitor.goto(f"{j.base_url}/register")
    expect(heading(visitor, REGISTER)).to_be_visible()
    expect(visitor.get_by_role("button", name="Uitloggen")).to_have_count(0)
    item = visitor.get_by_role("listitem").filter(
        has=visitor.get_by_role("link", name=j.title, exact=True)
    )
    expect(item).to_have_count(1)
    expect(item).to_contain_text(j.reference)
    expect(item).to_contain_text(f"Advies: {CONDITIONAL}")
    item.get_by_role("link", name=j.title, exact=True).click()
    expect(visitor).to_have_url(f"{j.base_url}/register/{j.reference}")
    expect(heading(visitor, j.title)).to_be_visible()
    main = visitor.get_by_role("main")
    expect(main).to_contain_text(j.reference)
    expect(main).to_contain_text(CONDITIONAL)
    expect(main.get_by_role("listitem").filter(has_text=CONDITION)).to_have_text(
        f"{CONDITION} (uiterlijk {CONDITION_DUE_SHOWN})"
    )
    # The public register names no staff.
    for persona in ("lead", "board", "chair"):
        expect(main).not_to_contain_text(PERSONAS[persona].name)
    expect(main).not_to_contain_text(CONDITION_OWNER)


def run_journey(actors: Actors, base_url: str, folder: Path, *, js: bool) -> Journey:
    j = Journey(base_url=base_url, js=js)
    lead_starts_and_fills(j, actors.open("lead", js=js))
    lead_submits(j)
    board_comments_and_sends_back(j, actors.open("board", js=js))
    lead_reads_the_comment(j)
    lead_replies(j)
    lead_changes_the_answer(j)
    lead_submits(j)
    board_sees_the_change(j)
    # A verdict starts the second review round, after which the advice form is shown (going
    # straight to the advice page is checked on its own, below).
    board_gives_a_verdict(j.pages["board"])
    open_advice(j, j.pages["board"])
    board_drafts_advice(j)
    board_records_opinion(j)
    chair_opens_advice(j, actors.open("chair", js=js))
    chair_finalises(j)
    chair_signs(j)
    auditor_downloads_report(j, actors.open("auditor", js=js), folder)
    auditor_verifies_report(j)
    board_publishes(j)
    visitor_reads_register(j, actors.open(None, js=js))
    return j


# --- 1 and 2: the whole journey ----------------------------------------------------------


def test_it_takes_an_assessment_from_draft_to_the_public_register(
    actors: Actors, base_url: str, tmp_path: Path
) -> None:
    run_journey(actors, base_url, tmp_path, js=True).assert_no_problems()


def test_it_takes_an_assessment_to_the_public_register_without_javascript(
    actors: Actors, base_url: str, tmp_path: Path
) -> None:
    run_journey(actors, base_url, tmp_path, js=False).assert_no_problems()


def test_it_lets_the_committee_write_advice_as_soon_as_an_assessment_is_submitted(
    actors: Actors, base_url: str
) -> None:
    """A submitted assessment stays 'submitted' until the committee acts on it. The service
    accepts advice in that state (reviews.advising.save_advice calls ensure_review_started and
    then moves it to 'advice drafted'), but the advice page shows its form only once the review
    has started (can_edit in app.pages.advice._advice_context), and says nothing: a member who goes
    straight to "Advies" - also after the lead submits again - finds nothing to fill in."""
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, actors.open("lead"))
    lead_submits(j)
    board = actors.open("board")
    j.pages["board"] = board
    open_review_from_inbox(j, board)
    expect(state_of(board)).to_have_text(SUBMITTED)
    open_advice(j, board)
    expect(board.get_by_role("radio", name=CONDITIONAL, exact=True)).to_be_visible()


# --- 3 and 5: axe on every page type, in both languages, with screenshots -------------------


def test_it_has_no_accessibility_violations_on_any_page(
    actors: Actors, base_url: str, tmp_path: Path
) -> None:
    axe = AxeLog()
    j = Journey(base_url=base_url, js=True)

    # The lead, while writing.
    lead = actors.open("lead")
    lead.goto(f"{base_url}/assessments")
    axe.check_both(lead, "lead dashboard")
    lead.goto(f"{base_url}/assessments/new")
    axe.check_both(lead, "new-assessment form")
    lead_starts_and_fills(j, lead)
    axe.check_both(lead, "overview of a complete draft")
    lead.goto(f"{j.overview_url}/sections/profile")
    axe.check_both(lead, "section form (draft)")
    lead.goto(f"{j.overview_url}/review")
    axe.check_both(lead, "review-and-submit page")
    lead_submits(j)
    axe.check_both(lead, "overview of a submitted assessment")

    # The committee's first look.
    board = actors.open("board")
    j.pages["board"] = board
    nav_link(board, INBOX).click()
    axe.check_both(board, "committee inbox", shot="committee-inbox")
    open_review_from_inbox(j, board)
    axe.check_both(board, "committee review page (first submission)")
    comment_on_client_question(j, board)
    board.get_by_role("button", name=SEND_BACK, exact=True).click()
    expect(flash(board)).to_have_text(SENT_BACK)

    # The lead reads and answers the comments.
    lead_reads_the_comment(j)
    axe.check_both(lead, "section form with a committee comment")
    lead_replies(j)
    axe.check_both(lead, "comments page")
    lead_changes_the_answer(j)
    lead.goto(f"{j.overview_url}/questions/{Q_CLIENT_ID}/history")
    expect(heading(lead, "Geschiedenis van het antwoord")).to_be_visible()
    axe.check_both(lead, "answer history")
    nav_link(lead, NOTIFICATIONS_LINK).click()
    axe.check_both(lead, "notifications of the lead")
    lead_submits(j)

    # The committee: changes, advice draft, final, signed.
    board_sees_the_change(j)
    axe.check_both(board, "committee review page with changes", shot="committee-review")
    board_gives_a_verdict(board)
    open_advice(j, board)
    axe.check_both(board, "advice page before any advice")
    board_drafts_advice(j)
    axe.check_both(board, "advice page with a draft", shot="committee-advice-draft")
    # The lead's audit trail lists the draft advice with its details withheld.
    lead.goto(f"{j.overview_url}/audit")
    expect(lead.get_by_text("zichtbaar zodra het advies definitief is").first).to_be_visible()
    axe.check_both(
        lead, "audit trail of the lead while the advice is a draft", shot="lead-audit-draft"
    )
    nav_link(board, NOTIFICATIONS_LINK).click()
    axe.check_both(board, "notifications of a board member")
    chair_opens_advice(j, actors.open("chair"))
    axe.check_both(j.pages["chair"], "advice page of the chair (draft)")
    chair_finalises(j)
    axe.check_both(j.pages["chair"], "advice page (final)", shot="committee-advice-final")
    chair_signs(j)
    axe.check_both(j.pages["chair"], "advice page (signed)", shot="committee-advice-signed")

    # The auditor: archive, report, verification, audit.
    auditor = actors.open("auditor")
    j.pages["auditor"] = auditor
    auditor.goto(f"{base_url}/archive")
    axe.check_both(auditor, "archive search")
    auditor_downloads_report(j, auditor, tmp_path)
    axe.check_both(auditor, "archive detail (auditor)", shot="archive-detail")
    auditor.goto(f"{j.overview_url}/audit")
    expect(heading(auditor, re.compile("^" + AUDIT_TRAIL))).to_be_visible()
    axe.check_both(auditor, "audit trail")
    nav_link(auditor, AUDIT_LOG).click()
    axe.check_both(auditor, "audit log")
    assert j.pdf is not None
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(j.pdf.read_bytes() + b"\n% added after signing\n")
    for lang in ("nl", "en"):
        auditor.goto(f"{base_url}/verify")
        set_language(auditor, lang)
        axe.check(auditor, "verification page (empty)")
        expect(verify_upload(auditor, j.pdf)).to_contain_text(
            re.compile(r"(Echt en ongewijzigd|Authentic and unchanged)")
        )
        axe.check(auditor, "verification page (good result)", shot="verify-good")
        expect(verify_upload(auditor, tampered)).to_contain_text(
            re.compile(r"(Niet bevestigd|Not confirmed)")
        )
        axe.check(auditor, "verification page (bad result)", shot="verify-bad")
    set_language(auditor, "nl")

    # API tokens, before and after making one.
    for lang in ("nl", "en"):
        auditor.goto(f"{base_url}/account/tokens")
        set_language(auditor, lang)
        axe.check(auditor, "API tokens page")
        auditor.get_by_role("textbox", name=TOKEN_NAME[lang]).fill(f"script {lang}")
        auditor.get_by_role("button", name=MAKE_TOKEN[lang], exact=True).click()
        expect(auditor.locator("#new-token")).to_have_text(re.compile(r"^dw_"))
        axe.check(auditor, "API tokens page with a new token")
    set_language(auditor, "nl")

    # Publication and the public register.
    board_publishes(j)
    axe.check_both(board, "archive detail (board member, published)")
    visitor = actors.open(None)
    visitor_reads_register(j, visitor)
    axe.check_both(visitor, "public register detail", shot="register-detail")
    visitor.goto(f"{base_url}/register")
    axe.check_both(visitor, "public register list", shot="register")
    visitor.goto(f"{base_url}/toegankelijkheid")
    expect(heading(visitor, ACCESSIBILITY)).to_be_visible()
    axe.check_both(visitor, "accessibility statement")
    visitor.goto(f"{base_url}/register/NIET-BESTAAND")
    axe.check_both(visitor, "404 page (visitor)")

    # Administration. (The 403 and 404 pages of logged-in users are checked in the last test
    # of this file: showing one can leave the database locked.)
    admin = actors.open("admin")
    nav_link(admin, USERS).click()
    expect(heading(admin, USERS)).to_be_visible()
    axe.check_both(admin, "user administration")

    # Only accessibility is asserted here: app bugs met on the way (j.problems, such as the
    # comment form without a CSRF token) are the journey tests' to report.
    axe.assert_clean()


# --- 4: keyboard and layout --------------------------------------------------------------


# What has keyboard focus, with a key that is unique in the page (links with the same text, such
# as the breadcrumb and the menu, differ by their position), and its focus indicator.
_FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const text = (el.textContent || "").replace(/\\s+/g, " ").trim();
  const position = [...document.querySelectorAll("*")].indexOf(el);
  return {
    key: el.id || `${el.tagName}:${text.slice(0, 60)}@${position}`,
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    text,
    focusVisible: el.matches(":focus-visible"),
    outlineStyle: style.outlineStyle,
    outlineWidth: style.outlineWidth,
    boxShadow: style.boxShadow,
  };
}"""


def focus_info(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(_FOCUS)
    return info


def tab_until(page: Page, done: Any, *, limit: int = 120) -> list[dict[str, Any]]:
    """Press Tab until done(focus) is true; every stop must show a visible focus and none may
    repeat (no keyboard trap). Returns the stops."""
    stops: list[dict[str, Any]] = []
    for _press in range(limit):
        page.keyboard.press("Tab")
        info = focus_info(page)
        if stops and info["key"] == stops[-1]["key"] and info["type"] == "date":
            continue  # Tab moves through the parts of a date field
        seen = [s["key"] for s in stops]
        assert info["key"] not in seen, f"focus came back to {info['key']} after {seen}"
        stops.append(info)
        assert_focus_visible(info)
        if done(info):
            return stops
    pytest.fail(
        "the target was not reached with Tab; focus went through "
        + ", ".join(s["key"] for s in stops)
    )


def test_it_lets_the_committee_review_and_advise_with_the_keyboard_only(
    actors: Actors, base_url: str
) -> None:
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, actors.open("lead"))
    lead_submits(j)
    board = actors.open("board")
    board.goto(j.review_url)
    expect(title_heading(board, j.title)).to_be_visible()

    # From the top of the page to the comment on the second question of the profile.
    summary_text = COMMENT_ON_QUESTION.format(label=Q_CLIENT_LABEL)
    stops = tab_until(board, lambda i: i["tag"] == "summary" and i["text"] == summary_text)
    texts = [s["text"] if s["tag"] != "input" else s["key"] for s in stops]
    # The contents comes first; the verdict follows the section's answers (below).
    assert PROFILE in texts, f"no link to the profile section in {texts}"
    board.keyboard.press("Enter")  # opens the comment form
    box = board.get_by_role("textbox", name=COMMENT_FIELD.format(label=Q_CLIENT_LABEL))
    board.keyboard.press("Tab")
    expect(box).to_be_focused()
    assert_focus_visible(focus_info(board))
    board.keyboard.type(COMMENT)
    board.keyboard.press("Tab")
    form = board.locator("form").filter(has=box)
    add = form.get_by_role("button", name=ADD_COMMENT)
    expect(add).to_be_focused()
    assert_focus_visible(focus_info(board))
    check_csrf_field(j, board, form, "the comment form of the committee")
    board.keyboard.press("Enter")
    expect(flash(board)).to_have_text(COMMENT_ADDED)
    expect(board.locator(f"dt#a-{Q_CLIENT_ID} + dd").get_by_text(COMMENT)).to_be_visible()
    # After the section's answers: its verdict, by keyboard too.
    stops = tab_until(board, lambda i: i["key"].startswith("v-profile-"), limit=200)
    board.keyboard.press("Space")
    expect(board.locator("#v-profile-acceptable")).to_be_checked()
    tab_until(board, lambda i: i["text"] == SAVE_VERDICT.format(section=PROFILE))
    board.keyboard.press("Enter")
    expect(flash(board)).to_have_text(VERDICT_SAVED)
    expect(board.locator("#toc-verdict-profile")).to_have_text(ACCEPTABLE)

    # The advice form: from the top to the save button, filling it in on the way.
    board.goto(j.advice_url)
    expect(heading(board, f"{ADVICE}: {j.title}")).to_be_visible()
    tab_until(board, lambda i: i["key"] == "outcome-positive")
    board.keyboard.press("ArrowDown")  # in a radio group the arrows choose
    expect(board.get_by_role("radio", name=CONDITIONAL, exact=True)).to_be_checked()
    board.keyboard.press("Tab")
    expect(board.get_by_role("textbox", name=SUMMARY)).to_be_focused()
    board.keyboard.type(ADVICE_SUMMARY)
    tab_until(board, lambda i: i["key"] == "f-condition-1-text")
    board.keyboard.type(CONDITION)
    board.keyboard.press("Tab")
    expect(board.get_by_role("textbox", name=COND_OWNER.format(n=1), exact=True)).to_be_focused()
    board.keyboard.type(CONDITION_OWNER)
    stops = tab_until(board, lambda i: i["tag"] == "button" and i["text"] == SAVE_ADVICE)
    keys = [s["key"] for s in stops]
    assert "f-condition-1-due" in keys and "f-reassess_on" in keys, keys
    board.keyboard.press("Enter")
    expect(flash(board)).to_have_text(ADVICE_SAVED)
    expect(advice_round(board).get_by_role("listitem").first).to_have_text(
        f"{CONDITION} — eigenaar: {CONDITION_OWNER}"
    )
    # On to the opinion: the stance radios and the button are reachable too.
    board.goto(j.advice_url)
    tab_until(board, lambda i: i["key"] == "stance-agree", limit=200)
    board.keyboard.press("Space")
    expect(board.get_by_role("radio", name=AGREE, exact=True)).to_be_checked()
    tab_until(board, lambda i: i["tag"] == "button" and i["text"] == RECORD_OPINION)
    board.keyboard.press("Enter")
    expect(flash(board)).to_have_text(OPINION_SAVED)
    j.assert_no_problems()


# How wide the page is, and the elements that stick out on the right and are not clipped by a
# scrolling container (an absolutely positioned element escapes a container that is not its
# containing block, so those are always listed).
_OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    const own = getComputedStyle(el).position;
    let clipped = false;
    if (own !== "absolute" && own !== "fixed") {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== "visible") { clipped = true; break; }
      }
    }
    if (clipped) continue;
    const parent = el.parentElement.closest("[id], [class]");
    const where = parent ? ` in ${parent.tagName.toLowerCase()}` +
      (parent.id ? "#" + parent.id : "." + [...parent.classList].join(".")) : "";
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.classList.length ? "." + [...el.classList].join(".") : "");
    wide.add(`${name} (position: ${own}, right edge ${Math.round(r.right)}px)${where}`);
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    wide: [...wide].slice(0, 8),
  };
}"""

# A 1280x900 window at 200% zoom has 640x450 CSS pixels; a narrow phone has 375; WCAG 1.4.10
# asks for 320 CSS pixels (1280 at 400% zoom).
VIEWPORTS = {
    "200% zoom": {"width": 640, "height": 450},
    "phone (375 px)": {"width": 375, "height": 812},
    "400% zoom (320 px)": {"width": 320, "height": 256},
}


def test_it_reflows_without_horizontal_scrolling_at_200_percent_and_on_a_phone(
    actors: Actors, base_url: str
) -> None:
    j = Journey(base_url=base_url, js=True)
    lead = actors.open("lead")
    lead_starts_and_fills(j, lead)
    lead_submits(j)
    board = actors.open("board")
    visitor = actors.open(None)
    screens = [
        (lead, f"{base_url}/assessments", "lead dashboard"),
        (lead, f"{j.overview_url}/sections/profile", "section form"),
        (lead, j.overview_url, "assessment overview"),
        (lead, f"{j.overview_url}/audit", "audit trail"),
        (lead, f"{base_url}/notifications", "notifications"),
        (board, j.review_url, "committee review page"),
        (board, f"{base_url}/committee", "committee inbox"),
        (visitor, f"{base_url}/register", "public register"),
        (visitor, f"{base_url}/verify", "verification page"),
    ]
    problems: list[str] = []
    for layout, viewport in VIEWPORTS.items():
        for page, url, name in screens:
            page.set_viewport_size(viewport)
            page.goto(url)
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
            found = page.evaluate(_OVERFLOW)
            if found["scrollWidth"] > found["innerWidth"] + 1:
                shot = f"reflow-{viewport['width']}-{name.replace(' ', '-')}"
                screenshot(page, shot, lang="nl")
                problems.append(
                    f"{name} at {layout} ({url}): the page is {found['scrollWidth']}px wide "
                    f"in a {found['innerWidth']}px window; sticking out: "
                    + "; ".join(found["wide"])
                )
    if problems:
        pytest.fail(
            "horizontal scrolling (WCAG 1.4.10 reflow):\n- " + "\n- ".join(problems), pytrace=False
        )


# --- the navigation and the error pages of logged-in users --------------------------------


def test_it_keeps_the_navigation_for_a_logged_in_user_on_the_public_pages(
    actors: Actors, base_url: str
) -> None:
    """The footer links every page to the verification page and the register. A logged-in
    auditor who follows them must keep the menu and the logout button (WCAG 3.2.3, consistent
    navigation), as on the accessibility statement."""
    auditor = actors.open("auditor")
    missing: list[str] = []
    for path in ("/toegankelijkheid", "/verify", "/register"):
        auditor.goto(f"{base_url}/")
        auditor.get_by_role("contentinfo").get_by_role("link").filter(
            has=auditor.locator(f"xpath=self::a[@href='{path}']")
        ).click()
        expect(auditor).to_have_url(f"{base_url}{path}")
        expect(auditor.get_by_role("heading", level=1)).to_be_visible()
        if auditor.get_by_role("navigation", name=NAV).count() == 0:
            missing.append(f"{path}: no main navigation")
        if auditor.get_by_role("button", name="Uitloggen", exact=True).count() == 0:
            missing.append(f"{path}: no logout button")
    if missing:
        pytest.fail(
            "a logged-in user looks logged out on public pages (these routes never resolve "
            "the optional current user, so request.state.viewer is unset and base.html draws "
            "no menu):\n- " + "\n- ".join(missing),
            pytrace=False,
        )


@pytest.fixture
def spare_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A second server with its own database and only the lead and a board member, for checks
    that can leave the database locked: the shared server of the other tests stays usable."""
    data_dir = tmp_path / "spare-server"
    data_dir.mkdir()
    env = _app_env(data_dir)
    _run_cli(["init"], env=env)
    for persona in (PERSONAS["lead"], PERSONAS["board"]):
        args = ["users", "create", "--email", persona.email, "--name", persona.name]
        for role in persona.roles:
            args += ["--role", role]
        _run_cli(args, env=env, stdin=persona.password + "\n")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "uvicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(f"{url}/healthz"):  # polled, as in conftest's live_server
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the spare server did not start:\n{log_path.read_text()}")
            time.sleep(POLL_INTERVAL)
        yield LiveServer(base_url=url, data_dir=data_dir, log_path=log_path)
    finally:
        _stop(process)


def server_errors(server: LiveServer) -> str:
    """The distinct exception lines of a server log."""
    lines = server.log_path.read_text(errors="replace").splitlines()
    found = [line.strip() for line in lines if re.match(r"^\w+(\.\w+)*(Error|Exception):", line)]
    return "; ".join(dict.fromkeys(found)) or "none"


ERROR_TITLES = {
    (404, "nl"): NOT_FOUND,
    (404, "en"): "This page or item does not exist",
    (403, "nl"): FORBIDDEN,
    (403, "en"): "You are not allowed to do this",
}


def test_it_shows_error_pages_to_a_logged_in_user_and_keeps_working(
    browser: Browser, spare_server: LiveServer
) -> None:
    """The 403 and 404 pages as a logged-in lead and board member see them, in both languages,
    and after each the app must go on answering. Run on a server of its own (see spare_server):
    an earlier version kept the database locked after such a page, which stalled every later
    request of every test."""
    base = spare_server.base_url
    people = Actors(browser, base)
    axe = AxeLog()
    problems: list[str] = []  # error pages that break, or break the app
    no_menu: list[str] = []
    try:
        lead = people.open("lead")
        draft = Journey(base_url=base, js=True)
        draft.assessment_id = start_assessment(lead, base, draft.title)
        lead_en = people.open("lead")
        set_language(lead_en, "en")
        board = people.open("board")
        cases = [
            (lead, "nl", "/deze-pagina-bestaat-niet", 404, "an unknown address"),
            (lead_en, "en", "/deze-pagina-bestaat-niet", 404, "an unknown address"),
            (lead, "nl", "/assessments/999999", 404, "a missing assessment"),
            (lead_en, "en", "/assessments/999999", 404, "a missing assessment"),
            (board, "nl", f"/assessments/{draft.assessment_id}", 403, "someone else's draft"),
            (lead, "nl", "/committee", 403, "a page of another role"),
            (lead_en, "en", "/committee", 403, "a page of another role"),
        ]
        for page, lang, path, status, what in cases:
            what = f"{what} ({path}, {lang})"
            response = page.goto(f"{base}{path}")
            assert response is not None
            kind = response.headers.get("content-type", "")
            if response.status != status or not kind.startswith("text/html"):
                problems.append(
                    f"{what}: expected an HTML {status} page, got {response.status} {kind!r}: "
                    f"{response.text()[:40]!r}"
                )
            else:
                expect(page.locator("html")).to_have_attribute("lang", lang)
                expect(heading(page, ERROR_TITLES[status, lang])).to_be_visible()
                axe.check(page, f"{status} page: {what}")
                if page.get_by_role("navigation", name=NAV_ANY).count() == 0:
                    no_menu.append(f"{what}: the error page shows no menu to a logged-in user")
            # The app must go on answering, for this user and for others.
            try:
                after = page.goto(f"{base}/notifications", timeout=5_000)
            except PlaywrightTimeoutError:
                problems.append(
                    f"after {what}, the next page did not load within 5 s: the database stays "
                    "locked, and the rest of the error pages could not be checked"
                )
                break
            if after is None or after.status != 200:
                problems.append(
                    f"after {what}, the next page answered {after and after.status}: "
                    f"{after and after.text()[:40]!r}"
                )
    finally:
        people.close()
    report = list(axe.failures)
    if no_menu:
        report.insert(
            0,
            "error pages without the menu:\n- "
            + "\n- ".join(no_menu)
            + "\nCause: a 404 for an unknown address is drawn without resolving the user "
            "(no route, so no get_current_user_optional and no request.state.viewer); the same "
            "as on /verify and /register (see the test above).",
        )
    if problems:
        report.insert(
            0,
            "error pages of logged-in users that fail:\n- "
            + "\n- ".join(problems)
            + f"\nServer exceptions: {server_errors(spare_server)}\n"
            "Look first at what the menu of an error page reads after get_session (app/db.py) "
            "has rolled back and closed the request session: a query on that closed session "
            "fails on the expired User (DetachedInstanceError, a plain 500) or opens a new "
            "BEGIN IMMEDIATE transaction that nobody ends, keeping SQLite write-locked (both "
            "seen with the lazy _UnreadCount of app/deps.py before it was made eager).",
        )
    if report:
        pytest.fail("\n\n".join(report), pytrace=False)
