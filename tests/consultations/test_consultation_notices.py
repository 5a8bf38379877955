"""The notices of a consultation reach the lead and the committee and open on the consultation
page, in Dutch by default."""

from __future__ import annotations

import json

from app.consultations import service
from tests.conftest import page_text
from tests.consultations.conftest import LEAD, summary


def test_it_asks_the_lead_to_check_the_summary_and_links_to_the_page(login, drafted, submitted):
    lead = login("lead")
    page = lead.get("/notifications")
    assert page.status_code == 200
    text = page_text(page.text)
    assert f"Wilt u de openbare samenvatting van {submitted.reference} controleren?" in text
    assert f'href="/assessments/{submitted.id}/consultation"' in page.text


def test_it_tells_the_rapporteur_when_the_lead_confirmed(login, db, drafted, submitted, personas):
    service.correct_draft(
        db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary(), confirm=True
    )
    db.commit()
    page = login("board").get("/notifications")
    assert page.status_code == 200
    assert f"De samenvatting van {submitted.reference} is bevestigd" in page_text(page.text)


def test_it_shows_a_notice_of_a_kind_it_does_not_know_in_general_words(
    login, db, personas, submitted
):
    from app.notifications.models import Notification

    db.add(
        Notification(
            user_id=personas["lead"].id,
            kind="from_a_later_version",
            assessment_id=submitted.id,
            params_json=json.dumps({"ref": submitted.reference, "unexpected": 1}),
        )
    )
    db.commit()
    page = login("lead").get("/notifications")
    assert page.status_code == 200
    assert f"Een bericht over {submitted.reference}" in page_text(page.text)


def test_it_asks_the_lead_once_per_needed_check(db, drafted, submitted, personas):
    """Saving an unconfirmed draft again asks nobody twice; a change after the lead's
    confirmation asks again."""
    from sqlmodel import func, select

    from app.notifications.models import Notification
    from tests.consultations.conftest import BOARD

    def asked() -> int:
        return db.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "consultation_to_check")
        ).one()

    assert asked() == 1
    service.save_draft(
        db, assessment=submitted, actor=personas["board"], roles=BOARD, form=summary()
    )
    assert asked() == 1
    service.correct_draft(
        db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary(), confirm=True
    )
    service.save_draft(
        db, assessment=submitted, actor=personas["board"], roles=BOARD, form=summary()
    )
    assert asked() == 2
