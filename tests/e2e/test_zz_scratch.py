from playwright.sync_api import Page, expect

from .conftest import PERSONAS, login_as
from .test_lead_journey import PD_SPECIAL, Q_PEOPLE, start_assessment


def test_scratch(page: Page, base_url: str) -> None:
    login_as(page, base_url, PERSONAS["lead"])
    aid = start_assessment(page, base_url, "scratch")
    page.goto(f"{base_url}/assessments/{aid}/sections/profile")
    page.get_by_role("radio", name=PD_SPECIAL, exact=True).check()
    people = page.get_by_role("textbox", name=Q_PEOPLE)
    expect(people).to_be_visible()
    with page.expect_response(lambda r: "people_count" in r.url) as resp:
        people.fill("veel")
    print("STATUS", resp.value.status, resp.value.text())
    page.wait_for_timeout(500)
    print("DOM", page.locator("#q-people_count").inner_html())
