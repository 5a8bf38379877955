"""Browser walk of a resident on a phone (390 px wide) through a public consultation: the list,
the consultation's page, a refused empty reaction (the message at the field), a reaction with
JavaScript and one without, the thank-you page; axe-core on the list, the page, the thank-you
and the privacy page at 390 and 1280 px; screenshots of the page at both widths.

The committee's pages for a consultation are not part of this walk: the consultation is
prepared and published through the services, on the server's own database. The browser is an
English one, so that the test reads the English msgids whatever the catalogs hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import select

from app import demo_data
from app.assessments import answering, lifecycle
from app.config import get_settings
from app.consultations import service
from app.consultations.models import ConsultationReaction
from app.db import make_engine, session_scope
from app.i18n import use_locale
from app.questionnaires.registry import find_version
from app.reviews import intake
from app.timeutil import amsterdam_today
from app.users.models import Role
from app.users.service import get_user_by_email

from .conftest import PERSONAS, ConsoleWatch, LiveServer
from .test_full_journey import AxeLog

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TITLE = "Slimme lantaarnpalen: tellingen van voetgangers"
PURPOSE = "De gemeente telt hoeveel mensen 's avonds over de Grote Markt lopen, om de verlichting beter af te stellen."
QUESTION = "Wat vindt u ervan dat de gemeente dit meet?"
SEND = "Reactie versturen"
THANKS = "Bedankt voor uw reactie"


@dataclass(frozen=True)
class Published:
    consultation_id: int
    engine: Engine


def _engine(live_server: LiveServer) -> Engine:
    return make_engine(f"sqlite:///{(live_server.data_dir / 'datawaarden.db').resolve()}")


@pytest.fixture(scope="module")
def published(live_server: LiveServer) -> Published:
    """A submitted assessment whose consultation is open from today: drafted by the
    rapporteur, confirmed by the lead, published by the chair (the services, not the pages)."""
    engine = _engine(live_server)
    today = amsterdam_today()
    form = service.SummaryInput(
        purpose=PURPOSE,
        data_used="Tellingen per kwartier van een sensor in de lantaarnpaal. Geen camerabeelden.",
        questions=f"{QUESTION}\nWaar moeten wij op letten?",
        starts_on=today.isoformat(),
        ends_on=(today + timedelta(days=20)).isoformat(),
    )
    with session_scope(engine) as session, use_locale("en"):
        users = {k: get_user_by_email(session, PERSONAS[k].email) for k in PERSONAS}
        lead, board, chair = users["lead"], users["board"], users["chair"]
        assert lead and board and chair
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=TITLE,
            department="Openbare Ruimte",
            description=PURPOSE,
            questionnaire=find_version(session, get_settings().default_questionnaire),
        )
        for qid, value in demo_data.ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        intake.claim_rapporteur(session, assessment=a, actor=board, roles={Role.board})
        consultation = service.save_draft(
            session, assessment=a, actor=board, roles={Role.board}, form=form
        )
        service.correct_draft(
            session, assessment=a, actor=lead, roles={Role.lead}, form=form, confirm=True
        )
        service.publish(session, assessment=a, actor=chair, roles={Role.chair, Role.board})
        consultation_id = consultation.id or 0
    return Published(consultation_id, engine)


@pytest.fixture
def phone(browser: Browser, base_url: str, console_watch: ConsoleWatch) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=base_url, locale="nl-NL", viewport=PHONE)
    console_watch.attach(context)
    yield context
    context.close()


@pytest.fixture
def phone_without_js(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=base_url, locale="nl-NL", viewport=PHONE, java_script_enabled=False
    )
    yield context
    context.close()


def check_at_both_widths(axe: AxeLog, page: Page, name: str, *, shots: bool = False) -> None:
    for width, size in ((390, PHONE), (1280, DESKTOP)):
        page.set_viewport_size(size)
        axe.check(page, f"{name} at {width}px", shot=f"{name}-{width}" if shots else None)
    page.set_viewport_size(PHONE)


def heading(page: Page, name: str | re.Pattern[str], level: int = 1):  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=level, name=name)


def reaction_field(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name=re.compile(r"^Uw reactie"))


def stored(published: Published) -> list[ConsultationReaction]:
    with session_scope(published.engine) as session:
        rows = session.exec(
            select(ConsultationReaction).where(
                ConsultationReaction.consultation_id == published.consultation_id
            )
        ).all()
        return [ConsultationReaction.model_validate(r) for r in rows]


def test_it_lets_a_resident_on_a_phone_read_and_react(
    published: Published, phone: BrowserContext, phone_without_js: BrowserContext
) -> None:
    axe = AxeLog()
    page = phone.new_page()

    # The list, from the footer link any visitor sees.
    page.goto("/register")
    page.get_by_role("contentinfo").get_by_role("link", name="Raadplegingen", exact=True).click()
    expect(heading(page, re.compile(r"^Raadplegingen"))).to_be_visible()
    check_at_both_widths(axe, page, "consultations-list")
    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=TITLE))
    expect(item).to_contain_text("Open: u kunt reageren tot en met")
    item.get_by_role("link", name=TITLE).click()

    # The consultation's page: what it is about, the questions, the form.
    expect(heading(page, TITLE)).to_be_visible()
    expect(page.get_by_text(PURPOSE)).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=QUESTION)).to_be_visible()
    expect(heading(page, "Wat de beoordeling laat zien", level=2)).to_be_visible()
    honeypot = page.locator("#f-website")
    expect(honeypot).to_have_attribute("tabindex", "-1")
    hidden = page.locator("div.visually-hidden", has=honeypot)
    expect(hidden).to_have_attribute("aria-hidden", "true")
    box = hidden.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    check_at_both_widths(axe, page, "consultation-page", shots=True)
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # An empty reaction: the message at the field, the summary above.
    page.get_by_role("button", name=SEND, exact=True).click()
    field = reaction_field(page)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-body-error")).to_have_text("Fout: Schrijf eerst uw reactie.")
    expect(page.locator("#error-summary")).to_be_focused()
    axe.check(page, "refused reaction at 390px")

    # A reaction with JavaScript.
    field.fill("Goed plan, maar bewaar de tellingen niet langer dan nodig.")
    page.get_by_role("radio", name="Geen bepaalde waarde", exact=True).check()
    page.get_by_role("textbox", name="Uw e-mailadres (niet verplicht)").fill("inwoner@example.net")
    # By keyboard from the reaction to the button: the honeypot is never reached.
    field.focus()
    passed: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        active = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        passed.append(active)
        if page.get_by_role("button", name=SEND, exact=True).evaluate(
            "b => b === document.activeElement"
        ):
            break
    assert "f-website" not in passed, passed
    assert "f-email" in passed, passed
    page.keyboard.press("Enter")
    expect(heading(page, THANKS)).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"sturen we u het uiteindelijke advies per e-mail"))
    ).to_be_visible()
    check_at_both_widths(axe, page, "consultation-thanks", shots=True)
    page.get_by_role("link", name="Wat we doen met uw reactie").click()
    expect(heading(page, "Wat we doen met uw reactie")).to_be_visible()
    expect(page.get_by_text(re.compile(r"maximaal twee uur"))).to_be_visible()
    check_at_both_widths(axe, page, "consultation-privacy", shots=True)

    # A reaction without JavaScript.
    plain = phone_without_js.new_page()
    plain.goto(f"/consultations/{published.consultation_id}")
    expect(heading(plain, TITLE)).to_be_visible()
    reaction_field(plain).fill("Zonder JavaScript: liever geen sensoren bij mijn huis.")
    plain.get_by_role("radio", name=re.compile(r"^(?!Geen bepaalde)")).first.check()
    plain.get_by_role("button", name=SEND, exact=True).click()
    expect(heading(plain, THANKS)).to_be_visible()

    rows = stored(published)
    assert len(rows) == 2
    assert rows[0].email == "inwoner@example.net" and rows[0].value_id is None
    assert rows[1].email is None and rows[1].value_id
    axe.assert_clean()
