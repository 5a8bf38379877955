"""A reminder in the app: on the user's notifications page, in their language, linking to the
page where they act."""

from __future__ import annotations

from datetime import date

from app.config import get_settings
from app.i18n import use_locale
from app.reminders.recipients import for_user
from app.reminders.scan import Due, ScanResult, record
from tests.conftest import on_both_databases, page_text

engine = on_both_databases()


def test_a_reminder_is_on_the_owners_notifications_page_with_its_date_in_words(
    login, db, personas, make_assessment
):
    assessment = make_assessment()
    owner = personas["lead2"]
    owner.locale = "en"
    db.add(owner)
    due = Due(
        kind="condition_overdue",
        subject_id=1,
        due_on=date(2027, 2, 28),
        assessment_id=assessment.id,
        params={
            "ref": assessment.reference,
            "title": assessment.title,
            "number": 2,
            "condition": "Publiceer het register.",
            "owner": "Lars",
            "due_on": "2027-02-28",
        },
        recipients=[for_user(owner)],
        lead=("Lia Lead", "lead@example.org"),
    )
    result = ScanResult(today=date(2027, 3, 1))
    record(db, due, date(2027, 3, 1), get_settings(), result)
    record(db, due, date(2027, 3, 2), get_settings(), result)  # recorded once
    db.commit()
    assert (result.reminders, result.notifications) == (1, 1)
    page = login("lead2").get("/notifications")
    assert page.status_code == 200
    with use_locale("en"):
        text = page_text(page.text)
    assert f"Overdue: condition 2 of {assessment.reference}" in text
    assert "was due on 28 February 2027" in text
    assert f'href="/assessments/{assessment.id}/follow-up"' in page.text
