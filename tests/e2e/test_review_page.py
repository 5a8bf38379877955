"""The committee's review page in Chromium: a contents with the verdict per section, and
comments, verdicts and resolving without a full page load (htmx), the same actions with
JavaScript off (plain forms and redirects), axe at 1280 and 390 px and no sideways scrolling
on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import _LOG_KEY, LiveServer, assert_accessible, screenshot
from .test_full_journey import Actors, Journey, flash, lead_starts_and_fills, lead_submits

pytestmark = pytest.mark.e2e

COMMENTS = 4
VERDICTS = 5
COMMENT_ADDED = "Uw opmerking is toegevoegd."
RESOLVED = "De opmerking is gemarkeerd als opgelost."
VERDICT_SAVED = "Het oordeel is opgeslagen."
WRITE_FIRST = "Schrijf eerst een tekst."
CHOOSE_VERDICT = "Kies een van de gegeven oordelen."
ACCEPTABLE = "Acceptabel"


@pytest.fixture
def people(
    browser: Browser, base_url: str, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Actors]:
    request.node.stash[_LOG_KEY] = (live_server.log_path, live_server.log_path.stat().st_size)
    opened = Actors(browser, base_url)
    yield opened
    opened.close()


class LoadCounter:
    """Counts full page loads (the main frame's load event); htmx swaps fire none."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        page.on("load", lambda loaded: self.urls.append(loaded.url))

    @property
    def count(self) -> int:
        return len(self.urls)


def sections(page: Page) -> list[str]:
    ids = page.locator(".review-section").evaluate_all("(els) => els.map((e) => e.id)")
    return [i.removeprefix("section-") for i in ids]


def question_ids(page: Page) -> list[str]:
    return page.locator(".review-section .answers dt").evaluate_all(
        "(els) => els.map((e) => e.id.slice(2))"
    )


def comment_block(page: Page, qid: str) -> Locator:
    return page.locator(f"#comments-{qid}")


def post_comment(page: Page, qid: str, text: str) -> Locator:
    block = comment_block(page, qid)
    block.locator("details.add-comment > summary").click()
    block.locator(f"#new-comment-{qid}").fill(text)
    block.locator("form.comment-form button[type=submit]").click()
    thread = comment_block(page, qid).locator(".thread").filter(has_text=text)
    expect(thread).to_be_visible()
    expect(flash(page)).to_have_text(COMMENT_ADDED)
    return thread


def give_verdict(page: Page, sid: str) -> None:
    page.locator(f"#v-{sid}-acceptable").check()
    page.locator(f"#verdict-{sid} form button[type=submit]").click()
    expect(page.locator(f"#toc-verdict-{sid}")).to_have_text(ACCEPTABLE)
    expect(page.locator(f"#verdict-status-{sid}")).to_contain_text(ACCEPTABLE)
    expect(flash(page)).to_have_text(VERDICT_SAVED)


def resolve(page: Page, thread_id: str) -> None:
    page.locator(f"#{thread_id} form[action$='/resolve'] button").click()
    expect(page.locator(f"#{thread_id}")).to_have_class(re.compile(r"\bthread--resolved\b"))
    expect(flash(page)).to_have_text(RESOLVED)


def review_actions(page: Page, word: str) -> dict[str, int]:
    """5 verdicts, 4 comments and 4 resolves (the issue's count), one reply, and two refused
    forms; returns how many actions of each kind were done."""
    sids = sections(page)[:VERDICTS]
    qids = question_ids(page)[:COMMENTS]
    assert len(qids) == COMMENTS
    threads = []
    for n, qid in enumerate(qids):
        thread = post_comment(page, qid, f"Opmerking {n} {word}")
        threads.append(str(thread.get_attribute("id")))
    # A reply in the first thread.
    first = page.locator(f"#{threads[0]}")
    first.locator("textarea").fill(f"Antwoord {word}")
    first.locator("form.reply-form button[type=submit]").click()
    expect(
        page.locator(f"#{threads[0]} .reply").filter(has_text=f"Antwoord {word}")
    ).to_be_visible()
    for sid in sids:
        give_verdict(page, sid)
    for thread_id in threads:
        resolve(page, thread_id)
    return {"comments": len(qids), "replies": 1, "verdicts": len(sids), "resolves": len(threads)}


def refused_forms(page: Page, *, js: bool) -> None:
    """An empty comment and a verdict without a choice come back with the message at the field."""
    qid = question_ids(page)[-1]
    block = comment_block(page, qid)
    block.locator("details.add-comment > summary").click()
    block.locator(f"#new-comment-{qid}").fill("   ")
    block.locator("form.comment-form button[type=submit]").click()
    field = page.locator(f"#new-comment-{qid}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", f"new-comment-{qid}-error")
    expect(page.locator(f"#new-comment-{qid}-error")).to_have_text(f"Fout: {WRITE_FIRST}")
    if js:
        expect(field).to_be_focused()
    else:
        expect(page.locator("#error-summary")).to_contain_text(WRITE_FIRST)
    sid = sections(page)[-1]
    page.locator(f"#verdict-{sid} form button[type=submit]").click()
    expect(page.locator(f"#verdict-{sid}-error")).to_have_text(f"Fout: {CHOOSE_VERDICT}")
    expect(page.locator(f"#v-{sid}-acceptable")).to_have_attribute("aria-invalid", "true")


def submitted_assessment(people: Actors, base_url: str) -> Journey:
    j = Journey(base_url=base_url, js=True)
    lead_starts_and_fills(j, people.open("lead"))
    lead_submits(j)
    return j


def test_it_reviews_without_a_full_page_load_with_javascript_and_with_reloads_without(
    people: Actors, base_url: str
) -> None:
    j = submitted_assessment(people, base_url)

    board = people.open("board")
    board.goto(j.review_url)
    height_before = board.evaluate("() => document.documentElement.scrollHeight")
    loads = LoadCounter(board)
    refused_forms(board, js=True)
    done = review_actions(board, j.word)
    js_loads = loads.count
    assert js_loads == 0, f"full page loads with JavaScript: {loads.urls}"
    # The contents lists every section with its verdict, and its links lead to the sections.
    toc = board.locator(".review-toc")
    for sid in sections(board)[: done["verdicts"]]:
        expect(toc.locator(f"#toc-verdict-{sid}")).to_have_text(ACCEPTABLE)
    # Reloaded, the page shows what was saved.
    board.reload()
    expect(board.locator(".thread--resolved")).to_have_count(done["resolves"])

    # Without JavaScript, on another assessment (a verdict belongs to the committee, not to
    # one member, so the sections above have theirs).
    other = submitted_assessment(people, base_url)
    chair = people.open("chair", js=False)
    chair.goto(other.review_url)
    plain = LoadCounter(chair)
    refused_forms(chair, js=False)
    assert plain.count == 2
    plain_done = review_actions(chair, j.word + "-nojs")
    actions = plain.count - 2
    assert actions == sum(plain_done.values())
    print(
        f"\nreview page: {height_before}px high; full page loads for "
        f"{done} with JavaScript: {js_loads}, without: {actions}"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_it_has_an_accessible_review_page_that_fits_the_window(
    people: Actors, base_url: str, width: int
) -> None:
    j = submitted_assessment(people, base_url)
    board = people.open("board", viewport={"width": width, "height": 900})
    board.goto(j.review_url)
    qid = question_ids(board)[0]
    thread = post_comment(board, qid, f"Zichtbaar {j.word}")
    refused_forms(board, js=True)
    give_verdict(board, sections(board)[0])
    resolve(board, str(thread.get_attribute("id")))
    screenshot(board, f"committee-review-{width}", lang="nl")
    assert_accessible(board, context_name=f"committee review page at {width}px")
    width_used = board.evaluate("() => document.documentElement.scrollWidth")
    assert width_used <= width, f"the page is {width_used}px wide in a {width}px window"
