"""The consultation's rules, on both databases: who drafts, checks and publishes; what a
resident may send; how the committee moderates; what the advice must say; what is deleted."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.config import get_settings
from app.consultations import moderating, outcome, service
from app.consultations.models import ConsultationReaction
from app.errors import Conflict, InvalidInput, PermissionDenied, TooManyRequests
from app.timeutil import amsterdam_today
from tests.consultations.conftest import BOARD, CHAIR, LEAD, let_days_pass, react, summary


def test_it_lets_the_rapporteur_draft_and_asks_the_lead_to_check(db, drafted, submitted):
    assert service.phase_of(drafted) == service.Phase.draft
    assert drafted.lead_confirmed_at is None
    events = db.exec(
        select(AuditEvent.action).where(AuditEvent.assessment_id == submitted.id)
    ).all()
    assert "consultation.drafted" in events


def test_it_refuses_a_board_member_who_is_not_the_rapporteur(db, submitted, personas):
    with pytest.raises(PermissionDenied):
        service.save_draft(
            db, assessment=submitted, actor=personas["board"], roles=BOARD, form=summary()
        )


def test_it_refuses_the_lead_drafting_and_the_committee_correcting(
    db, drafted, submitted, personas
):
    with pytest.raises(PermissionDenied):
        service.save_draft(
            db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary()
        )
    with pytest.raises(PermissionDenied):
        service.correct_draft(
            db,
            assessment=submitted,
            actor=personas["chair"],
            roles=CHAIR,
            form=summary(),
            confirm=True,
        )


def test_it_names_every_bad_field_and_saves_nothing(db, submitted, personas):
    with pytest.raises(InvalidInput) as refused:
        service.save_draft(
            db,
            assessment=submitted,
            actor=personas["chair"],
            roles=CHAIR,
            form=summary(
                purpose=" ",
                data_used="x" * 3001,
                questions="",
                starts_on="2020-01-01",
                ends_on="morgen",
            ),
        )
    assert set(refused.value.fields) == {
        "purpose",
        "data_used",
        "questions",
        "starts_on",
        "ends_on",
    }
    assert service.consultation_of(db, submitted) is None


def test_it_refuses_a_period_longer_than_ninety_days(db, submitted, personas):
    today = amsterdam_today()
    with pytest.raises(InvalidInput) as refused:
        service.save_draft(
            db,
            assessment=submitted,
            actor=personas["chair"],
            roles=CHAIR,
            form=summary(ends_on=today.replace(year=today.year + 1).isoformat()),
        )
    assert "ends_on" in refused.value.fields


def test_it_publishes_only_after_the_lead_confirmed(db, drafted, submitted, personas):
    with pytest.raises(Conflict):
        service.publish(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    service.correct_draft(
        db,
        assessment=submitted,
        actor=personas["lead"],
        roles=LEAD,
        form=summary(data_used="Alleen tellingen per kwartier."),
        confirm=True,
    )
    # A change by the committee after the lead's check asks the lead again.
    service.save_draft(
        db, assessment=submitted, actor=personas["board"], roles=BOARD, form=summary()
    )
    with pytest.raises(Conflict):
        service.publish(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    service.correct_draft(
        db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary(), confirm=True
    )
    published = service.publish(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    assert service.phase_of(published) == service.Phase.open


def test_it_refuses_a_change_made_on_an_old_version(db, drafted, submitted, personas):
    old = drafted.version
    service.correct_draft(
        db, assessment=submitted, actor=personas["lead"], roles=LEAD, form=summary(), confirm=False
    )
    with pytest.raises(Conflict):
        service.save_draft(
            db,
            assessment=submitted,
            actor=personas["board"],
            roles=BOARD,
            form=summary(),
            version=old,
        )


def test_it_freezes_the_summary_once_public(db, published, submitted, personas):
    with pytest.raises(Conflict):
        service.save_draft(
            db, assessment=submitted, actor=personas["chair"], roles=CHAIR, form=summary()
        )


def test_it_stores_a_reaction_and_audits_it_without_personal_data(db, published, submitted):
    reaction = react(
        db, published, submitted, name="Jan Jansen", email="Jan@Example.org", value_id="reliable"
    )
    assert reaction is not None and reaction.email == "jan@example.org"
    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "consultation.reaction_received")
    ).one()
    assert "jan" not in event.details_json.lower()
    assert "bewaar" not in event.details_json


def test_it_refuses_a_reaction_before_the_consultation_opens(db, published, submitted):
    let_days_pass(db, published, -3)
    assert service.phase_of(published) == service.Phase.announced
    with pytest.raises(Conflict):
        react(db, published, submitted)


def test_it_refuses_a_reaction_after_the_consultation_closed(db, published, submitted):
    let_days_pass(db, published, 14)
    assert service.phase_of(published) == service.Phase.closed
    with pytest.raises(Conflict):
        react(db, published, submitted)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "a" * 2001}, "body"),
        ({"body": "Kijk op https://a.example, http://b.example en www.c.example"}, "body"),
        ({"body": "Zie example.com/a en example.org/b en example.net/c"}, "body"),
        ({"email": "geen-adres"}, "email"),
        ({"name": "n" * 101}, "name"),
        ({"value_id": "onbekend"}, "value_id"),
    ],
)
def test_it_refuses_a_reaction_that_breaks_a_limit(db, published, submitted, fields, field):
    with pytest.raises(InvalidInput) as refused:
        react(db, published, submitted, **fields)
    assert field in refused.value.fields
    assert db.exec(select(ConsultationReaction)).all() == []


def test_it_accepts_two_web_addresses(db, published, submitted):
    assert (
        react(db, published, submitted, body="Zie https://a.example en www.b.example") is not None
    )


def test_it_stores_nothing_when_the_honeypot_is_filled(db, published, submitted):
    assert react(db, published, submitted, website="http://spam.example") is None
    assert db.exec(select(ConsultationReaction)).all() == []


def test_it_slows_a_burst_from_one_address(db, published, submitted):
    limit = get_settings().consultation_reactions_per_hour
    for _ in range(limit):
        react(db, published, submitted)
    with pytest.raises(TooManyRequests) as slowed:
        react(db, published, submitted)
    assert int(slowed.value.headers["Retry-After"]) > 0
    # Another address is not slowed, and a refused reaction did not count.
    assert react(db, published, submitted, address="198.51.100.9") is not None
    assert len(db.exec(select(ConsultationReaction)).all()) == limit + 1


def test_it_does_not_count_a_refused_reaction(db, published, submitted):
    for _ in range(get_settings().consultation_reactions_per_hour):
        with pytest.raises(InvalidInput):
            react(db, published, submitted, body="")
    assert react(db, published, submitted) is not None


def test_it_lets_the_committee_tag_and_publish_an_anonymous_summary(
    db, published, submitted, personas
):
    reaction = react(
        db, published, submitted, name="Jan Jansen", email="jan@example.org", value_id="reliable"
    )
    moderated = moderating.moderate(
        db,
        assessment=submitted,
        reaction_id=reaction.id,
        actor=personas["chair"],
        roles=CHAIR,
        decision="published",
        tags="Bewaartermijn, privacy, bewaartermijn",
        public_summary="Een inwoner vraagt de tellingen niet langer dan nodig te bewaren.",
    )
    assert moderating.tags_of(moderated) == ["bewaartermijn", "privacy"]
    account = outcome.account(db, published)
    assert account["reactions"] == 1
    assert account["themes"] == [["bewaartermijn", 1], ["privacy", 1]]
    assert account["summaries"] == [
        {
            "value": "reliable",
            "text": "Een inwoner vraagt de tellingen niet langer dan nodig te bewaren.",
        }
    ]
    assert "Jan" not in json.dumps(account)


def test_it_refuses_a_public_summary_that_names_the_respondent(db, published, submitted, personas):
    reaction = react(db, published, submitted, name="Jan Jansen")
    with pytest.raises(InvalidInput) as refused:
        moderating.moderate(
            db,
            assessment=submitted,
            reaction_id=reaction.id,
            actor=personas["chair"],
            roles=CHAIR,
            decision="published",
            tags="",
            public_summary="Jan Jansen wil dit niet.",
        )
    assert "public_summary" in refused.value.fields


def test_it_keeps_a_lead_out_of_the_reactions(db, published, submitted, personas):
    reaction = react(db, published, submitted)
    with pytest.raises(PermissionDenied):
        moderating.moderate(
            db,
            assessment=submitted,
            reaction_id=reaction.id,
            actor=personas["lead"],
            roles=LEAD,
            decision="withheld",
            tags="",
            public_summary="",
        )
    can = service.capacities(db, personas["lead"], LEAD, submitted)
    assert not can.read_reactions and can.correct


def test_it_asks_the_advice_to_say_how_reactions_were_weighed(db, published, submitted):
    problems = outcome.weighing_problem(db, submitted, {}, finalising=True)
    assert "rationale-consultation" in problems  # still open: finalising waits
    let_days_pass(db, published, 14)
    assert outcome.weighing_problem(db, submitted, {}, finalising=False)
    assert (
        outcome.weighing_problem(
            db, submitted, {"consultation": "Wij kortten de bewaartermijn in."}, finalising=True
        )
        == {}
    )


def test_it_asks_nothing_of_an_advice_without_a_consultation(db, drafted, submitted):
    assert outcome.weighing_problem(db, submitted, {}, finalising=True) == {}


def test_it_deletes_personal_data_after_the_retention_period_and_keeps_the_account(
    db, published, submitted, personas
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
    before = outcome.account(db, published)
    settings = get_settings()
    let_days_pass(db, published, 13 + settings.consultation_retention_days)
    assert outcome.purge_personal_data(db, today=amsterdam_today(), settings=settings) == 0
    let_days_pass(db, published, 1)
    assert outcome.purge_personal_data(db, today=amsterdam_today(), settings=settings) == 1
    db.commit()
    db.refresh(reaction)
    assert (reaction.body, reaction.name, reaction.email) == (None, None, None)
    assert reaction.personal_data_deleted_at is not None
    after = outcome.account(db, published)
    moved = {"starts_on", "ends_on"}  # only by the test's passing of time
    assert {k: v for k, v in after.items() if k not in moved} == {
        k: v for k, v in before.items() if k not in moved
    }
    assert outcome.purge_personal_data(db, today=amsterdam_today(), settings=settings) == 0


def test_it_deletes_on_the_day_it_names(db, published, submitted):
    """The day the committee's page names is the day the purge first empties the reactions."""
    from datetime import timedelta

    react(db, published, submitted, name="Jan Jansen")
    settings = get_settings()
    day = outcome.deletion_day(published, settings)
    assert outcome.purge_personal_data(db, today=day - timedelta(days=1), settings=settings) == 0
    assert outcome.purge_personal_data(db, today=day, settings=settings) == 1
