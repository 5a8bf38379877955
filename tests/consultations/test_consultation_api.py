"""GET /api/v1/assessments/{id}/consultation: the same rules as the page. The committee reads
the reactions (never an e-mail address); the lead sees the summary and the public account;
others are refused; before a draft exists it is a 404."""

from __future__ import annotations

from app.consultations import moderating
from tests.consultations.conftest import CHAIR, react


def url(assessment) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/assessments/{assessment.id}/consultation"


def test_it_gives_the_committee_the_reactions_without_addresses(
    api, db, published, submitted, personas
):
    reaction = react(
        db, published, submitted, name="Jan Jansen", email="jan@example.org", value_id="reliable"
    )
    moderating.moderate(
        db,
        assessment=submitted,
        reaction_id=reaction.id,
        actor=personas["chair"],
        roles=CHAIR,
        decision="published",
        tags="bewaartermijn",
        public_summary="Een inwoner vraagt om een korte bewaartermijn.",
    )
    db.commit()
    response = api("board").get(url(submitted))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phase"] == "open"
    assert body["public_url"].endswith(f"/consultations/{published.id}")
    assert body["account"]["themes"] == [{"theme": "bewaartermijn", "reactions": 1}]
    [row] = body["reactions"]
    assert row["text"] == reaction.body and row["name"] == "Jan Jansen"
    assert row["keeps_informed"] is True and row["moderation"] == "published"
    assert "jan@example.org" not in response.text


def test_it_shows_the_lead_the_summary_but_no_reactions(api, db, published, submitted):
    react(db, published, submitted, name="Jan Jansen")
    response = api("lead").get(url(submitted))
    assert response.status_code == 200
    body = response.json()
    assert body["reactions"] is None
    assert body["account"]["reactions"] == 1
    assert "Jan Jansen" not in response.text


def test_it_refuses_whoever_has_no_part_in_it(api, published, submitted):
    assert api("lead2").get(url(submitted)).status_code == 403
    assert api("auditor").get(url(submitted)).status_code == 403
    assert api(None).get(url(submitted)).status_code == 401


def test_it_is_a_404_before_a_draft_exists(api, submitted):
    assert api("chair").get(url(submitted)).status_code == 404
