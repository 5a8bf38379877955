"""The committee deliberates in private: a draft advice and the members' opinions stay among
the committee until the advice is final, on the audit pages and in the API as on the advice
page. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.assessments import answering, lifecycle
from app.reviews import advising, intake
from app.users.models import Role
from app.users.tokens import create_token
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, on_both_databases

engine = on_both_databases()
BOARD = {Role.board}
CHAIR = {Role.chair, Role.board}


@pytest.fixture
def drafted(db, make_assessment, personas):
    """A submitted assessment with a draft advice 'negative' and the board member's opinion."""
    a = make_assessment()
    for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
        answering.save_answer(
            db, assessment=a, question_id=qid, raw=value, base_version=None, actor=personas["lead"]
        )
    lifecycle.submit_assessment(db, assessment=a, actor=personas["lead"])
    intake.claim_rapporteur(db, assessment=a, actor=personas["board"], roles=BOARD)
    advising.save_advice(
        db,
        assessment=a,
        actor=personas["board"],
        roles=BOARD,
        outcome="negative",
        summary="Niet doen.",
        rationale={},
        conditions=[],
        reassess_on="",
    )
    advising.record_opinion(
        db, assessment=a, actor=personas["board"], roles=BOARD, stance="disagree", note="Te mild"
    )
    db.commit()
    return a


def _trail_text(client, a) -> str:
    page = client.get(f"/assessments/{a.id}/audit")
    assert page.status_code == 200
    return BeautifulSoup(page.text, "lxml").select_one("table.audit").get_text(" ", strip=True)


def _api_events(client, db, persona, a) -> list[dict]:
    _row, text = create_token(db, user=persona, name="deliberation test", expires_days=None)
    db.commit()
    response = client.get(
        f"/api/v1/assessments/{a.id}/audit-events", headers={"Authorization": f"Bearer {text}"}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_it_withholds_a_draft_advice_and_the_opinions_from_the_leads_audit_trail(
    login, drafted, personas
):
    text = _trail_text(login("lead"), drafted)
    assert "advice.saved" in text and "advice.opinion" in text  # the trail stays complete
    assert "negative" not in text and "disagree" not in text
    opinion_row = [r for r in text.split("advice.") if r.startswith("opinion")]
    assert opinion_row and personas["board"].name not in opinion_row[0]
    assert "shown once the advice is final" in text or "zodra het advies definitief" in text


def test_it_withholds_them_from_the_whole_log_an_auditor_reads(login, drafted):
    page = login("auditor").get("/audit?action=advice.")
    assert page.status_code == 200
    assert "negative" not in page.text and "disagree" not in page.text


def test_it_shows_the_deliberation_to_the_committee(login, drafted):
    text = _trail_text(login("chair"), drafted)
    assert "negative" in text and "disagree" in text


def test_it_withholds_them_from_the_api_until_the_advice_is_final(client, db, drafted, personas):
    items = _api_events(client, db, personas["lead"], drafted)
    private = [e for e in items if e["action"] in ("advice.saved", "advice.opinion")]
    assert len(private) == 2
    assert all(e["withheld"] and e["details"] == {} for e in private)
    assert next(e for e in private if e["action"] == "advice.opinion")["actor_id"] is None
    committee = _api_events(client, db, personas["board"], drafted)
    assert {"outcome": "negative"}.items() <= next(
        e for e in committee if e["action"] == "advice.saved"
    )["details"].items()

    advising.finalise_advice(db, assessment=drafted, actor=personas["chair"], roles=CHAIR)
    db.commit()
    after = _api_events(client, db, personas["lead"], drafted)
    opinion = next(e for e in after if e["action"] == "advice.opinion")
    assert not opinion["withheld"] and opinion["details"] == {"stance": "disagree"}
    assert opinion["actor_id"] == personas["board"].id


def test_it_shows_the_final_advice_in_the_leads_trail(login, db, drafted, personas):
    advising.finalise_advice(db, assessment=drafted, actor=personas["chair"], roles=CHAIR)
    db.commit()
    text = _trail_text(login("lead"), drafted)
    assert "negative" in text and "disagree" in text
