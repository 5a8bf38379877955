"""Browser tests for the project lead's journey: starting an assessment from the dashboard, the
guided form with htmx autosave and conditional questions, the same form without JavaScript,
filling in everything and submitting, keyboard-only use, and the answer history.

Texts are the Dutch ones from app/translations/nl/LC_MESSAGES/messages.po and the questionnaire
questionnaires/haarlem-datawaarden/v1.yaml (which `datawaarden init` loads)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import PERSONAS, assert_accessible, login_as, screenshot, set_language

pytestmark = pytest.mark.e2e

_titles = itertools.count(1)

# --- texts -------------------------------------------------------------------------------

NL = {
    "my_assessments": "Mijn beoordelingen",
    "start_new": "Nieuwe beoordeling starten",
    "title": "Titel van het project",
    "department": "Afdeling",
    "description": "Korte beschrijving",
    "questionnaire": "Vragenlijst",
    "start": "Beoordeling starten",
    "fill_in": "Beoordeling invullen",
    "review": "Controleren en indienen",
    "save": "Opslaan",
    "save_next": "Opslaan en verder",
    "saved": "Opgeslagen",
    "saved_flash": "Uw wijzigingen zijn opgeslagen.",
    "support": "Beslisondersteuning",
    "overall": "Totaalniveau:",
    "submit": "Indienen bij de ethische commissie",
    "draft": "Concept",
    "submitted": "Ingediend",
    "problem": "Er is een probleem",
    "not_valid": "Niet alle antwoorden zijn geldig. Er is niets opgeslagen.",
    "enter_number": "Vul een getal in.",
    "still_to_answer": "Nog te beantwoorden",
    "read_only": "U kunt deze beoordeling lezen, maar nu niet wijzigen.",
    "history": "Geschiedenis van het antwoord",
    "restore": "Dit antwoord terugzetten",
    "restored_flash": "Het eerdere antwoord is teruggezet.",
    "every_change": "Alle wijzigingen, nieuwste eerst",
}
EN = {
    "my_assessments": "My assessments",
    "start_new": "Start a new assessment",
    "review": "Review and submit",
    "saved": "Saved",
    "support": "Decision support",
    "enter_number": "Enter a number.",
}

SECTIONS = ["profile", "transparent", "value_creating", "reliable", "responsible"]
SECTION_TITLES_NL = {
    "profile": "Projectprofiel",
    "transparent": "Transparant",
    "value_creating": "Waarde creërend",
    "reliable": "Betrouwbaar",
    "responsible": "Verantwoord",
}
PROFILE_EN = "Project profile"

# Question labels (the start is enough: the accessible name also holds "(verplicht)").
Q_DESCRIPTION = re.compile(r"^Beschrijf het project in eenvoudige taal")
Q_CLIENT = re.compile(r"^Wie is opdrachtgever")
Q_CONTACT = re.compile(r"^Op welk e-mailadres kunnen inwoners")
Q_PEOPLE = re.compile(r"^Over hoeveel personen gaat het ongeveer\?")
Q_PEOPLE_EN = re.compile(r"^About how many people are concerned\?")
PD_SPECIAL = "Ja, ook bijzondere persoonsgegevens (zoals gezondheid, etnische afkomst of religie)"
PD_ORDINARY = "Ja, gewone persoonsgegevens (zoals naam, adres, beeld)"
PD_NONE = "Nee, geen persoonsgegevens (ook niet herleidbaar)"
PHASE_IDEA = "Idee of verkenning"
PHASE_DEVELOPMENT = "In ontwikkeling of pilot"
CONSULT_DPO = "Functionaris gegevensbescherming (FG) raadplegen"
CONSULT_DPO_EN = "Consult the data protection officer (DPO)"
QUESTIONNAIRE_OPTION = re.compile(r"^Datawaardentoets gemeente Haarlem \(versie \d+\)$")

# Answers the fill-in helper gives instead of its defaults.
PREFERRED_ANSWERS: dict[str, str] = {
    "personal_data": "ordinary",  # so the personal-data questions of later sections show too
    "people_count": "1200",
    "contact_email": "datateam@example.org",
}


# --- helpers -----------------------------------------------------------------------------


def heading(page: Page, name: str | re.Pattern[str], level: int = 1) -> Locator:
    return page.get_by_role("heading", level=level, name=name)


def question(page: Page, question_id: str) -> Locator:
    """The block of one question (its label, help, save status, field and links)."""
    return page.locator(f"#q-{question_id}")


def state_of(page: Page) -> Locator:
    """The value of "Status" in the facts list of the overview page."""
    return page.locator("dl.facts dt", has_text=re.compile(r"^(Status|State)$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def support_panel(page: Page, name: str = NL["support"]) -> Locator:
    return page.get_by_role("complementary", name=name)


def start_assessment(page: Page, base_url: str, title: str, *, check: bool = False) -> int:
    """From the dashboard, start a new assessment through the form; return its id.

    With check=True every page on the way is checked with axe and photographed."""
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role(
        "link", name=NL["my_assessments"], exact=True
    ).click()
    expect(page).to_have_url(f"{base_url}/assessments")
    expect(heading(page, NL["my_assessments"])).to_be_visible()
    if check:
        screenshot(page, "lead-dashboard-start", lang="nl")
        assert_accessible(page, context_name="dashboard of a lead (nl)")

    page.get_by_role("link", name=NL["start_new"], exact=True).click()
    expect(page).to_have_url(f"{base_url}/assessments/new")
    expect(heading(page, NL["start_new"])).to_be_visible()
    questionnaire = page.get_by_label(NL["questionnaire"], exact=True)
    expect(questionnaire.locator("option:checked")).to_have_text(QUESTIONNAIRE_OPTION)
    if check:
        screenshot(page, "lead-new-assessment", lang="nl")
        assert_accessible(page, context_name="new-assessment form (nl)")

    page.get_by_label(NL["title"]).fill(title)
    page.get_by_label(NL["department"]).fill("Sociaal Domein")
    page.get_by_label(NL["description"]).fill(
        "Een proef om inwoners met betalingsachterstanden eerder hulp aan te bieden."
    )
    page.get_by_role("button", name=NL["start"], exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(base_url) + r"/assessments/\d+$"))
    expect(heading(page, re.compile("^" + re.escape(title)))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("is aangemaakt")
    expect(state_of(page)).to_have_text(NL["draft"])
    match = re.search(r"/assessments/(\d+)$", page.url)
    assert match is not None
    return int(match.group(1))


def settled(block: Locator) -> None:
    """Wait until htmx has finished swapping `block` in: until then (the settle delay) it has
    the class htmx-added and no autosave listeners, so typing into it would not be saved."""
    expect(block).not_to_have_class(re.compile(r"\bhtmx-(added|settling)\b"))


def new_title(what: str) -> str:
    return f"{what} {next(_titles)}"


# In-page script: the form fields that answer every visible, required, still unanswered question
# of the section form on the page, with sensible default answers.
_COLLECT_ANSWERS = """(preferred) => {
  const form = document.querySelector("form.section-form");
  const data = {csrf_token: form.querySelector("input[name=csrf_token]").value, go: "stay"};
  const filled = [];
  const textFor = (field, qid) => {
    if (qid in preferred) return preferred[qid];
    if (field.type === "date") return "2025-03-01";
    if (field.type === "url") return "https://example.org/" + qid;
    if (field.getAttribute("inputmode") === "decimal") return "100";
    return "Testantwoord voor " + qid + ".";
  };
  for (const block of form.querySelectorAll("div.question:not([hidden])")) {
    const qid = block.id.slice(2);
    if (!block.querySelector(".question__label .required")) continue;
    const table = block.querySelector("table.answer-table");
    const radios = [...block.querySelectorAll("input[type=radio]")].filter((r) => r.value);
    const boxes = [...block.querySelectorAll("input[type=checkbox][name^='a-']")];
    if (table) {
      const cells = [...table.querySelectorAll("input, select")];
      if (cells.some((c) => c.value)) continue;
      data["rows-" + qid] = "1";
      for (const cell of cells.filter((c) => c.id.startsWith("a-" + qid + "-0-"))) {
        data[cell.name] = cell.tagName === "SELECT" ? cell.options[1].value
          : textFor(cell, qid + "-" + cell.id.split("-").pop());
      }
    } else if (radios.length) {
      if (radios.some((r) => r.checked)) continue;
      data["a-" + qid] = qid in preferred ? preferred[qid] : radios[0].value;
    } else if (boxes.length) {
      if (boxes.some((b) => b.checked)) continue;
      const none = boxes.find((b) => b.value === "none" || b.value === "none_yet");
      data["present-" + qid] = "1";
      data["a-" + qid] = qid in preferred ? preferred[qid] : (none || boxes[0]).value;
    } else {
      const field = block.querySelector("#a-" + qid);
      if (!field || field.value) continue;
      data["a-" + qid] = textFor(field, qid);
    }
    data["v-" + qid] = block.querySelector("#v-" + qid).value;
    filled.push(qid);
  }
  return {data, filled};
}"""


def fill_everything(page: Page, base_url: str, assessment_id: int) -> list[str]:
    """Answer every required visible question of every section through the section forms.

    For each section: read the form on the page, POST the missing answers with the page's CSRF
    token (as the no-JS form would), and repeat, since answers can make further questions
    appear. Returns the ids of the questions answered."""
    answered: list[str] = []
    for section_id in SECTIONS:
        url = f"{base_url}/assessments/{assessment_id}/sections/{section_id}"
        for _attempt in range(6):
            page.goto(url)
            expect(heading(page, SECTION_TITLES_NL[section_id], level=2)).to_be_visible()
            collected: dict[str, Any] = page.evaluate(_COLLECT_ANSWERS, PREFERRED_ANSWERS)
            if not collected["filled"]:
                break
            response = page.request.post(url, form=collected["data"])
            assert response.ok, (
                f"saving {collected['filled']} in section {section_id} answered "
                f"{response.status}:\n{response.text()[:3000]}"
            )
            assert response.url == url, f"expected to stay on {url}, ended on {response.url}"
            answered += collected["filled"]
        else:
            pytest.fail(f"section {section_id} kept showing unanswered required questions")
    return answered


def focus_info(page: Page) -> dict[str, Any]:
    """What has keyboard focus, and whether its focus indicator is visible."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                key: el.id || (el.name ? el.name + "=" + el.value : el.tagName + ":" + el.textContent.trim()),
                tag: el.tagName.toLowerCase(),
                type: el.getAttribute("type") || "",
                text: (el.textContent || "").trim().slice(0, 80),
                focusVisible: el.matches(":focus-visible"),
                outlineStyle: style.outlineStyle,
                outlineWidth: style.outlineWidth,
                boxShadow: style.boxShadow,
            };
        }"""
    )


def assert_focus_visible(info: dict[str, Any]) -> None:
    assert info["focusVisible"], f"{info['key']} is focused but does not match :focus-visible"
    visible_outline = info["outlineStyle"] != "none" and info["outlineWidth"] not in ("0px", "")
    assert visible_outline or info["boxShadow"] not in ("none", ""), (
        f"no visible focus indicator on {info['key']}: {info}"
    )


# --- tests -------------------------------------------------------------------------------


def test_it_lets_a_lead_start_and_fill_the_profile_with_autosave(page: Page, base_url: str) -> None:
    lead = PERSONAS["lead"]
    title = new_title("Vroegsignalering schulden")
    login_as(page, base_url, lead)
    assessment_id = start_assessment(page, base_url, title, check=True)
    overview_url = f"{base_url}/assessments/{assessment_id}"

    screenshot(page, "lead-overview", lang="nl")
    assert_accessible(page, context_name="overview of a new assessment (nl)")

    page.get_by_role("link", name=NL["fill_in"], exact=True).click()
    expect(page).to_have_url(f"{overview_url}/sections/profile")
    expect(heading(page, SECTION_TITLES_NL["profile"], level=2)).to_be_visible()
    steps = page.get_by_role("navigation", name="Onderdelen van de beoordeling")
    expect(steps.get_by_role("link", name=SECTION_TITLES_NL["profile"])).to_have_attribute(
        "aria-current", "step"
    )
    panel = support_panel(page)
    expect(panel.get_by_role("heading", name=NL["support"])).to_be_visible()
    expect(panel).to_contain_text(NL["overall"])
    expect(panel.get_by_text(CONSULT_DPO)).to_have_count(0)

    # A text answer is saved after a pause in typing.
    description = page.get_by_role("textbox", name=Q_DESCRIPTION)
    description.fill(
        "We zoeken huishoudens met betalingsachterstanden om ze eerder hulp te bieden."
    )
    expect(question(page, "plain_description").get_by_text(NL["saved"])).to_be_visible()
    expect(page.locator("#v-plain_description")).to_have_value("1")

    # Choosing personal data shows the people-count question and an obligation in the panel.
    people = page.get_by_role("textbox", name=Q_PEOPLE)
    expect(people).to_have_count(0)
    page.get_by_role("radio", name=PD_SPECIAL, exact=True).check()
    expect(people).to_be_visible()
    expect(question(page, "personal_data").get_by_text(NL["saved"])).to_be_visible()
    expect(panel.get_by_text(CONSULT_DPO, exact=True)).to_be_visible()

    # "None" hides it again (without a reload) and the obligation goes away.
    page.get_by_role("radio", name=PD_NONE, exact=True).check()
    expect(people).to_have_count(0)
    expect(question(page, "people_count")).to_be_hidden()
    expect(panel.get_by_text(CONSULT_DPO)).to_have_count(0)

    page.get_by_role("radio", name=PD_SPECIAL, exact=True).check()
    expect(people).to_be_visible()
    expect(panel.get_by_text(CONSULT_DPO, exact=True)).to_be_visible()

    # An invalid number: the error appears next to the field and is tied to it.
    people_block = question(page, "people_count")
    settled(people_block)
    people.fill("veel")
    expect(people_block.get_by_text(NL["enter_number"])).to_be_visible()
    expect(people).to_have_attribute("aria-invalid", "true")
    expect(people).to_have_accessible_description(re.compile(re.escape(NL["enter_number"])))
    expect(people_block.get_by_text(NL["saved"])).to_have_count(0)
    screenshot(page, "lead-section-profile-error", lang="nl")
    assert_accessible(page, context_name="profile section with an invalid number (nl)")

    # Correcting it removes the error.
    people.fill("250")
    expect(people_block.get_by_text(NL["saved"])).to_be_visible()
    expect(people_block.get_by_text(NL["enter_number"])).to_have_count(0)
    expect(people).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#v-people_count")).to_have_value("1")

    # The answers survive a reload.
    page.reload()
    expect(description).to_have_value(re.compile("^We zoeken huishoudens"))
    expect(page.get_by_role("radio", name=PD_SPECIAL, exact=True)).to_be_checked()
    expect(people).to_have_value("250")
    expect(panel.get_by_text(CONSULT_DPO, exact=True)).to_be_visible()
    screenshot(page, "lead-section-profile", lang="nl")

    # The same section in English, with an error shown.
    set_language(page, "en")
    expect(page).to_have_url(f"{overview_url}/sections/profile")
    expect(heading(page, PROFILE_EN, level=2)).to_be_visible()
    people_en = page.get_by_role("textbox", name=Q_PEOPLE_EN)
    expect(people_en).to_have_value("250")
    people_en.fill("many")
    expect(people_block.get_by_text(EN["enter_number"])).to_be_visible()
    expect(people_en).to_have_attribute("aria-invalid", "true")
    expect(
        support_panel(page, EN["support"]).get_by_text(CONSULT_DPO_EN, exact=True)
    ).to_be_visible()
    screenshot(page, "lead-section-profile-error", lang="en")
    assert_accessible(page, context_name="profile section with an invalid number (en)")
    people_en.fill("250")
    expect(people_block.get_by_text(EN["saved"])).to_be_visible()
    expect(people_en).not_to_have_attribute("aria-invalid", "true")

    # English screenshots of the other key screens.
    page.get_by_role("link", name=EN["review"], exact=True).first.click()
    expect(heading(page, re.compile("^" + re.escape(EN["review"])))).to_be_visible()
    screenshot(page, "lead-review", lang="en")
    page.goto(overview_url)
    expect(state_of(page)).to_have_text("Draft")
    screenshot(page, "lead-overview", lang="en")
    page.goto(f"{base_url}/assessments/new")
    expect(heading(page, EN["start_new"])).to_be_visible()
    screenshot(page, "lead-new-assessment", lang="en")
    page.goto(f"{base_url}/assessments")
    expect(heading(page, EN["my_assessments"])).to_be_visible()
    screenshot(page, "lead-dashboard", lang="en")

    # Back in Dutch: the review page and the dashboard with the new row.
    set_language(page, "nl")
    page.goto(overview_url)
    page.get_by_role("link", name=NL["review"], exact=True).click()
    expect(page).to_have_url(f"{overview_url}/review")
    expect(heading(page, re.compile("^" + re.escape(NL["review"])))).to_be_visible()
    expect(heading(page, NL["still_to_answer"], level=2)).to_be_visible()
    expect(page.get_by_role("button", name=NL["submit"], exact=True)).to_be_visible()
    screenshot(page, "lead-review", lang="nl")
    assert_accessible(page, context_name="review page of an incomplete assessment (nl)")

    page.goto(f"{base_url}/assessments")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=NL["draft"], exact=True)).to_be_visible()
    screenshot(page, "lead-dashboard", lang="nl")
    assert_accessible(page, context_name="dashboard of a lead with an assessment (nl)")


def test_it_lets_a_lead_fill_the_profile_without_javascript(
    no_js_page: Page, base_url: str
) -> None:
    page = no_js_page
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Zonder JavaScript"))
    section_url = f"{base_url}/assessments/{assessment_id}/sections/profile"

    page.get_by_role("link", name=NL["fill_in"], exact=True).click()
    expect(page).to_have_url(section_url)
    expect(heading(page, SECTION_TITLES_NL["profile"], level=2)).to_be_visible()

    description_text = "Een dashboard met het aantal meldingen per wijk."
    page.get_by_role("textbox", name=Q_DESCRIPTION).fill(description_text)
    page.get_by_role("textbox", name=Q_CLIENT).fill("Afdeling Wijken; teamleider data")
    page.get_by_role("textbox", name=Q_CONTACT).fill("wijkdata@example.org")
    page.get_by_role("radio", name=PHASE_IDEA, exact=True).check()
    page.get_by_role("radio", name=PD_ORDINARY, exact=True).check()
    people = page.get_by_role("textbox", name=Q_PEOPLE)
    expect(people).to_have_count(0)  # no JavaScript: follow-up questions come after saving

    page.get_by_role("button", name=NL["save"], exact=True).click()
    expect(page).to_have_url(section_url)
    expect(page.get_by_role("status")).to_have_text(NL["saved_flash"])
    expect(people).to_be_visible()
    expect(page.get_by_role("radio", name=PD_ORDINARY, exact=True)).to_be_checked()

    # An invalid number: the page comes back with an error summary; nothing typed is lost.
    people.fill("veel")
    page.get_by_role("button", name=NL["save_next"], exact=True).click()
    expect(page).to_have_url(section_url)
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name=NL["problem"]))
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(NL["not_valid"])
    summary_link = summary.get_by_role("link", name=re.compile(re.escape(NL["enter_number"])))
    expect(summary_link).to_have_count(1)
    expect(summary_link).to_have_accessible_name(re.compile(Q_PEOPLE.pattern))
    expect(summary_link).to_have_attribute("href", "#a-people_count")
    expect(question(page, "people_count").get_by_role("textbox", name=Q_PEOPLE)).to_be_visible()
    expect(people).to_have_value("veel")
    expect(people).to_have_attribute("aria-invalid", "true")
    expect(people).to_have_accessible_description(re.compile(re.escape(NL["enter_number"])))
    expect(page.get_by_role("textbox", name=Q_DESCRIPTION)).to_have_value(description_text)
    expect(page.get_by_role("textbox", name=Q_CONTACT)).to_have_value("wijkdata@example.org")
    expect(page.get_by_role("radio", name=PHASE_IDEA, exact=True)).to_be_checked()
    screenshot(page, "lead-section-profile-nojs-error", lang="nl")

    # Following the link puts focus straight in the field with the error.
    summary_link.click()
    expect(page).to_have_url(f"{section_url}#a-people_count")
    expect(people).to_be_focused()

    people.fill("250")
    page.get_by_role("button", name=NL["save_next"], exact=True).click()
    expect(page).to_have_url(f"{base_url}/assessments/{assessment_id}/sections/transparent")
    expect(heading(page, SECTION_TITLES_NL["transparent"], level=2)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(NL["saved_flash"])

    # Everything was stored.
    page.get_by_role("navigation", name="Onderdelen van de beoordeling").get_by_role(
        "link", name=SECTION_TITLES_NL["profile"], exact=True
    ).click()
    expect(page).to_have_url(section_url)
    expect(page.get_by_role("textbox", name=Q_DESCRIPTION)).to_have_value(description_text)
    expect(page.get_by_role("textbox", name=Q_CONTACT)).to_have_value("wijkdata@example.org")
    expect(page.get_by_role("radio", name=PD_ORDINARY, exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name=PHASE_IDEA, exact=True)).to_be_checked()
    expect(people).to_have_value("250")
    expect(people).not_to_have_attribute("aria-invalid", "true")


def test_it_lets_a_lead_fill_in_everything_and_submit(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    title = new_title("Volledig ingevuld")
    assessment_id = start_assessment(page, base_url, title)
    overview_url = f"{base_url}/assessments/{assessment_id}"

    answered = fill_everything(page, base_url, assessment_id)
    assert "people_count" in answered  # the follow-up questions were answered too

    page.goto(f"{overview_url}/review")
    expect(heading(page, re.compile("^" + re.escape(NL["review"])))).to_be_visible()
    expect(heading(page, NL["still_to_answer"], level=2)).to_have_count(0)
    expect(page.get_by_text("Nog niet beantwoord", exact=True)).to_have_count(0)
    page.get_by_role("button", name=NL["submit"], exact=True).click()

    expect(page).to_have_url(overview_url)
    expect(page.get_by_role("status")).to_contain_text("is ingediend bij de ethische commissie")
    expect(state_of(page)).to_have_text(NL["submitted"])
    expect(page.get_by_role("link", name=NL["fill_in"], exact=True)).to_have_count(0)
    screenshot(page, "lead-overview-submitted", lang="nl")
    assert_accessible(page, context_name="overview of a submitted assessment (nl)")

    # The sections are read-only now.
    for section_id in ("profile", "responsible"):
        page.goto(f"{overview_url}/sections/{section_id}")
        expect(heading(page, SECTION_TITLES_NL[section_id], level=2)).to_be_visible()
        expect(page.get_by_text(NL["read_only"], exact=True)).to_be_visible()
        fields = page.locator("form.section-form").locator(
            "input:not([type=hidden]), textarea, select"
        )
        expect(fields.first).to_be_disabled()
        enabled = fields.evaluate_all(
            "(els) => els.filter((el) => !el.disabled).map((el) => el.id)"
        )
        assert enabled == [], f"fields still editable in {section_id}: {enabled}"
        expect(page.get_by_role("button", name=NL["save"], exact=True)).to_have_count(0)
    page.goto(f"{overview_url}/sections/profile")
    expect(page.get_by_role("textbox", name=Q_PEOPLE)).to_have_value("1200")
    expect(page.get_by_role("textbox", name=Q_PEOPLE)).to_be_disabled()

    page.goto(f"{overview_url}/review")
    expect(page.get_by_role("button", name=NL["submit"], exact=True)).to_have_count(0)


def tab_past_attachments(page: Page, qid: str) -> None:
    """Tab through a question's file field and its upload button, each visibly focused."""
    page.keyboard.press("Tab")
    expect(page.locator(f"#file-{qid}")).to_be_focused()
    assert_focus_visible(focus_info(page))
    page.keyboard.press("Tab")
    expect(page.locator(f"button[form='attachment-upload-{qid}']")).to_be_focused()
    assert_focus_visible(focus_info(page))


def test_it_can_be_filled_in_with_the_keyboard_only(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Alleen toetsenbord"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    expect(heading(page, SECTION_TITLES_NL["profile"], level=2)).to_be_visible()

    description = page.get_by_role("textbox", name=Q_DESCRIPTION)
    seen: list[str] = []
    for _press in range(40):
        page.keyboard.press("Tab")
        info = focus_info(page)
        seen.append(info["key"])
        if info["key"] == "a-plain_description":
            break
    else:
        pytest.fail(f"Tab did not reach the first question; focus went through {seen}")
    expect(description).to_be_focused()
    assert_focus_visible(focus_info(page))
    page.keyboard.type("Een rekenregel die aanvragen sorteert.")
    expect(question(page, "plain_description").get_by_text(NL["saved"])).to_be_visible()

    # Next stops: the question's file field and upload button, the client field (and its file
    # field and button), then the phase radio group; arrows choose an option.
    tab_past_attachments(page, "plain_description")
    page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name=Q_CLIENT)).to_be_focused()
    tab_past_attachments(page, "commissioning_client")
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name=PHASE_IDEA, exact=True)).to_be_focused()
    assert_focus_visible(focus_info(page))
    page.keyboard.press("ArrowDown")
    development = page.get_by_role("radio", name=PHASE_DEVELOPMENT, exact=True)
    expect(development).to_be_focused()
    expect(development).to_be_checked()
    expect(question(page, "phase").get_by_text(NL["saved"])).to_be_visible()
    assert_focus_visible(focus_info(page))

    # Tab on through the whole section: every stop is new and visibly focused, and the
    # buttons at the end are reached (no keyboard trap).
    save_next = page.get_by_role("button", name=NL["save_next"], exact=True)
    stops: list[str] = []
    for _press in range(150):
        page.keyboard.press("Tab")
        info = focus_info(page)
        if stops and info["key"] == stops[-1] and info["type"] == "date":
            continue  # Tab moves through the day, month and year parts of a date field
        assert info["key"] not in stops, f"focus came back to {info['key']} after {stops}"
        stops.append(info["key"])
        assert_focus_visible(info)
        if info["tag"] == "button" and info["text"] == NL["save_next"]:
            break
    else:
        pytest.fail(f"the buttons were not reached with Tab; focus went through {stops}")
    expect(save_next).to_be_focused()
    assert any(s.startswith("a-theme-") for s in stops)  # the check boxes were on the way
    assert "a-data_sources-0-name" in stops  # and the table cells

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/assessments/{assessment_id}/sections/transparent")
    expect(heading(page, SECTION_TITLES_NL["transparent"], level=2)).to_be_visible()


def test_it_restores_an_earlier_answer_from_the_history(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Geschiedenis"))
    section_url = f"{base_url}/assessments/{assessment_id}/sections/profile"
    page.goto(section_url)

    client = page.get_by_role("textbox", name=Q_CLIENT)
    version = page.locator("#v-commissioning_client")
    client.fill("Team Armoede")
    expect(version).to_have_value("1")
    client.fill("Team Bijstand")
    expect(version).to_have_value("2")

    page.reload()
    expect(client).to_have_value("Team Bijstand")
    question(page, "commissioning_client").get_by_role(
        "link", name=re.compile("^" + re.escape(NL["history"]))
    ).click()
    expect(page).to_have_url(
        f"{base_url}/assessments/{assessment_id}/questions/commissioning_client/history"
    )
    expect(heading(page, NL["history"])).to_be_visible()
    table = page.get_by_role("table", name=NL["every_change"])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Team Bijstand")
    expect(rows.nth(1)).to_contain_text("Team Armoede")
    assert_accessible(page, context_name="answer history (nl)")

    restore = page.get_by_role("button", name=re.compile("^" + re.escape(NL["restore"])))
    expect(restore).to_have_count(1)
    restore.click()

    expect(page.get_by_role("status")).to_have_text(NL["restored_flash"])
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("teruggezet")
    expect(rows.nth(0).get_by_role("cell").nth(3)).to_have_text("Team Armoede")
    screenshot(page, "lead-answer-history", lang="nl")
    assert_accessible(page, context_name="answer history after a restore (nl)")

    page.get_by_role("link", name=SECTION_TITLES_NL["profile"], exact=True).click()
    expect(page).to_have_url(f"{section_url}#q-commissioning_client")
    expect(client).to_have_value("Team Armoede")


# Marks the live region around an element (if any) so a later check can tell whether the same
# region node survived an htmx swap; answers how it is marked, or null.
_MARK_LIVE_REGION = """(el) => {
  const region = el.closest(
    "[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]");
  if (!region) return null;
  const tag = region.outerHTML.slice(0, region.outerHTML.indexOf(">") + 1);
  region.dataset.e2eLive = "1";
  return tag;
}"""
_IN_MARKED_REGION = "(el) => !!el.closest('[data-e2e-live]')"


def test_it_announces_autosave_results_to_screen_reader_users(page: Page, base_url: str) -> None:
    """WCAG 4.1.3 (status messages): "Opgeslagen", an error after autosave and the new overall
    level must reach a screen reader without moving focus. That needs a live region that is in
    the page before the change and stays there (a region swapped in with the message is not
    reliably announced). axe cannot check this, so it is checked here."""
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Statusberichten"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    problems: list[str] = []

    status = page.locator("#status-plain_description")
    region = status.evaluate(_MARK_LIVE_REGION)
    page.get_by_role("textbox", name=Q_DESCRIPTION).fill("Een proef met een rekenregel.")
    expect(question(page, "plain_description").get_by_text(NL["saved"])).to_be_visible()
    if region is None:
        problems.append(
            "the save status next to a field (div.save-status#status-plain_description, which "
            "shows 'Opgeslagen' or the error after autosave) is in no live region"
        )
    elif not status.evaluate(_IN_MARKED_REGION):
        problems.append(f"the live region around the save status ({region}) is replaced on save")

    # The new overall level is announced by a live region that stays in the page; only its
    # text changes, while the visible panel is redrawn.
    live = page.locator("#support-live")
    region = live.evaluate(_MARK_LIVE_REGION)
    page.get_by_role("radio", name=PD_SPECIAL, exact=True).check()
    expect(support_panel(page).get_by_text(CONSULT_DPO, exact=True)).to_be_visible()
    if region is None:
        problems.append("the overall level is announced in no live region")
    elif not live.evaluate(_IN_MARKED_REGION):
        problems.append(
            f"the live region of the overall level ({region}) is replaced by every autosave"
        )
    overall_text = support_panel(page).locator(".support__overall strong").inner_text()
    expect(live).to_contain_text(overall_text)

    assert not problems, "status messages are not announced (WCAG 4.1.3):\n- " + "\n- ".join(
        problems
    )


def test_it_saves_my_text_over_a_newer_answer_as_soon_as_i_tick_overwrite(
    page: Page, base_url: str
) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Conflict"))
    section_url = f"{base_url}/assessments/{assessment_id}/sections/profile"
    page.goto(section_url)
    other = page.context.new_page()  # the same lead in a second tab, opened before the change
    other.goto(section_url)

    page.get_by_role("textbox", name=Q_CLIENT).fill("Team Armoede")
    expect(page.locator("#v-commissioning_client")).to_have_value("1")

    stale = other.get_by_role("textbox", name=Q_CLIENT)
    stale.fill("Team Bijstand")
    block = question(other, "commissioning_client")
    expect(block.get_by_text("Team Armoede")).to_be_visible()  # the newer answer is shown
    overwrite = block.get_by_role("checkbox", name="Overschrijven met mijn antwoord")
    overwrite.click()  # and nothing else: the text is not edited again
    expect(block.get_by_text(NL["saved"])).to_be_visible()
    expect(block.get_by_role("checkbox")).to_have_count(0)
    assert_accessible(other, context_name="a conflict resolved by overwriting (nl)")
    other.close()

    page.reload()
    expect(page.get_by_role("textbox", name=Q_CLIENT)).to_have_value("Team Bijstand")


def test_it_keeps_the_focus_in_the_panel_when_an_autosave_replaces_it(
    page: Page, base_url: str
) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Focus"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    panel = support_panel(page)
    panel.locator("summary").first.focus()
    before = panel.inner_text()
    # An answer saved while the keyboard is in the panel (as a co-author's tab would, or a
    # text field's delayed autosave): the panel is replaced with new obligations.
    page.evaluate(
        """() => {
          const radio = [...document.querySelectorAll("input[type=radio]")]
            .find((r) => r.labels[0] && r.labels[0].textContent.trim().startsWith("Ja, ook bijzondere"));
          radio.checked = true;
          radio.dispatchEvent(new Event("change", { bubbles: true }));
        }"""
    )
    expect(question(page, "personal_data").get_by_text(NL["saved"])).to_be_visible()
    expect(panel).not_to_have_text(before)
    where = page.evaluate(
        "() => [document.activeElement.tagName, !!document.activeElement.closest('#decision-support')]"
    )
    assert where == ["SUMMARY", True]


def test_it_shows_the_whole_decision_support_table_without_scrolling_inside_the_panel(
    page: Page, base_url: str
) -> None:
    """The "after measures" column sets the level: it must be in view at every width, not
    behind a scrollbar inside the panel."""
    login_as(page, base_url, PERSONAS["lead"])
    assessment_id = start_assessment(page, base_url, new_title("Breed paneel"))
    page.goto(f"{base_url}/assessments/{assessment_id}/sections/profile")
    page.get_by_role("radio", name=PD_SPECIAL, exact=True).check()
    expect(support_panel(page).get_by_text(CONSULT_DPO, exact=True)).to_be_visible()
    for width in (1280, 1024, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        sizes = support_panel(page).evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert sizes[0] <= sizes[1], f"at {width} px the panel scrolls sideways: {sizes}"
        last = support_panel(page).locator("table thead th").last
        box, panel = last.bounding_box(), support_panel(page).bounding_box()
        assert box and panel and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1
