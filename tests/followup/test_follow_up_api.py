"""The follow-up through the API, on SQLite and PostgreSQL: the same moves and refusals as the
page, in the caller's language."""

from __future__ import annotations

from tests.conftest import on_both_databases

engine = on_both_databases()


def base(signed) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/assessments/{signed.assessment.id}/conditions"


def test_it_lists_the_conditions_with_the_moves_the_caller_may_make(api, signed):
    response = api("lead2").get(base(signed), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    first, second, third = response.json()["items"]
    assert (first["number"], first["status"], first["status_label"]) == (1, "open", "Open")
    assert first["owner_has_account"] is True and first["actions"] == ["start", "report"]
    assert second["actions"] == [] and third["owner_has_account"] is False


def test_it_moves_a_condition_and_returns_its_new_state_and_history(api, signed):
    condition = signed.conditions[0]
    owner = api("lead2")
    moved = owner.post(
        f"{base(signed)}/{condition.id}/moves",
        json={"action": "report", "note": "Klaar, zie het IAMA-rapport.", "version": 1},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["status"] == "done" and body["version"] == 2 and body["actions"] == []
    assert body["history"][0]["note"] == "Klaar, zie het IAMA-rapport."
    judged = api("board").post(
        f"{base(signed)}/{condition.id}/moves", json={"action": "accept", "version": 2}
    )
    assert judged.json()["status"] == "accepted"


def test_it_answers_problems_for_refused_moves(api, signed):
    condition = signed.conditions[0]
    owner = api("lead2")
    no_note = owner.post(
        f"{base(signed)}/{condition.id}/moves",
        json={"action": "report"},
        headers={"Accept-Language": "en"},
    )
    assert no_note.status_code == 422
    assert no_note.headers["content-type"].startswith("application/problem+json")
    assert no_note.json()["errors"][0]["field"] == "note"
    not_allowed = owner.post(f"{base(signed)}/{condition.id}/moves", json={"action": "accept"})
    assert not_allowed.status_code == 409
    stale = owner.post(
        f"{base(signed)}/{condition.id}/moves", json={"action": "start", "version": 7}
    )
    assert stale.status_code == 409
    stranger = api("lead2").post(
        f"{base(signed)}/{signed.conditions[1].id}/moves",
        json={"action": "report", "note": "x"},
    )
    assert stranger.status_code == 403
    unknown = owner.post(f"{base(signed)}/{condition.id}/moves", json={"action": "explode"})
    assert unknown.status_code == 422
