"""What a consultation leaves in the advice: the committee says how it weighed the reactions
(required once the period is over, and to finalise), the advice page asks for it, and signing
mails each respondent who left an address once, in their language, then forgets the address."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from app.assessments import lifecycle
from app.assessments.models import Assessment
from app.assessments.transitions import Action, Party
from app.audit.models import AuditEvent
from app.config import get_settings
from app.consultations import moderating, outcome, responding
from app.consultations.models import Consultation, ConsultationReaction
from app.errors import InvalidInput
from app.i18n import use_locale
from app.notifications.models import OutgoingMail
from app.reviews import advising
from app.reviews.common import RATIONALE_MAX
from tests.consultations.conftest import BOARD, CHAIR, let_days_pass, react

WEIGHED = "De meeste reacties vroegen om korte bewaartermijnen; dat is voorwaarde 1 geworden."


def _advise(db: Session, a: Assessment, personas, **rationale: str) -> advising.Advice:  # type: ignore[no-untyped-def,name-defined]
    advice = advising.save_advice(
        db,
        assessment=a,
        actor=personas["board"],
        roles=BOARD,
        outcome="positive",
        summary="Positief.",
        rationale=dict(rationale),
        conditions=[],
        reassess_on="",
    )
    db.commit()
    return advice


def _reaction(db, consultation, a, *, locale="nl", **fields) -> ConsultationReaction:  # type: ignore[no-untyped-def]
    reaction = responding.respond(
        db,
        consultation=consultation,
        assessment=a,
        form=responding.ReactionInput(body="Bewaar de tellingen niet langer dan nodig.", **fields),
        address=f"192.0.2.{len(fields) + 10}",
        settings=get_settings(),
        locale=locale,
    )
    db.commit()
    assert reaction is not None
    return reaction


def test_it_asks_how_the_reactions_were_weighed_once_the_consultation_closed(
    db, submitted, published: Consultation, personas
):
    react(db, published, submitted)
    let_days_pass(db, published, 20)
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        _advise(db, submitted, personas)
    assert refused.value.fields == {
        "rationale-consultation": "Say how the committee weighed the reactions of residents."
    }
    assert advising.open_advice(db, submitted) is None  # nothing half-saved
    with use_locale("en"), pytest.raises(InvalidInput) as too_long:
        _advise(db, submitted, personas, consultation="x" * (RATIONALE_MAX + 1))
    assert "rationale-consultation" in too_long.value.fields
    advice = _advise(db, submitted, personas, consultation=f"  {WEIGHED}  ")
    assert json.loads(advice.rationale_json) == {"consultation": WEIGHED}


def test_it_still_refuses_a_key_that_is_not_a_value(db, submitted, personas):
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        _advise(db, submitted, personas, nonsense="Tekst.")
    assert refused.value.fields == {
        "rationale-nonsense": "This value does not exist in this questionnaire."
    }


def test_it_does_not_finalise_while_residents_can_still_react(
    db, submitted, published: Consultation, personas
):
    _advise(db, submitted, personas)  # while open, saving a draft without weighing is fine
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        advising.finalise_advice(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    assert refused.value.status_code == 422
    assert "can be finalised after that" in refused.value.detail
    db.rollback()
    assert advising.open_advice(db, submitted).finalised_at is None  # type: ignore[union-attr]


def test_the_advice_page_asks_for_the_weighing_and_shows_a_refusal_at_its_field(
    db, submitted, published: Consultation, personas, login
):
    react(db, published, submitted)
    react(db, published, submitted, address="192.0.2.8")
    let_days_pass(db, published, 20)
    board = login("board")
    assert board.post_form("/language", {"locale": "en", "next": "/"}).status_code == 303
    page = board.get(f"/committee/assessments/{submitted.id}/advice")
    assert page.status_code == 200
    assert 'name="rationale-consultation"' in page.text
    assert "How the committee weighed the reactions of residents" in page.text
    assert "2 reactions" in page.text
    assert f'href="/assessments/{submitted.id}/consultation"' in page.text
    refused = board.post_form(
        f"/committee/assessments/{submitted.id}/advice",
        {"outcome": "positive", "summary": "Positief.", "condition_rows": "0"},
    )
    assert refused.status_code == 422
    assert "Say how the committee weighed the reactions of residents." in refused.text
    assert 'href="#f-rationale-consultation"' in refused.text
    saved = board.post_form(
        f"/committee/assessments/{submitted.id}/advice",
        {
            "outcome": "positive",
            "summary": "Positief.",
            "condition_rows": "0",
            "rationale-consultation": WEIGHED,
        },
    )
    assert saved.status_code == 303
    again = board.get(f"/committee/assessments/{submitted.id}/advice")
    assert WEIGHED in again.text


def test_the_advice_page_has_no_weighing_field_without_a_consultation(db, submitted, login):
    page = login("board").get(f"/committee/assessments/{submitted.id}/advice")
    assert 'name="rationale-consultation"' not in page.text


def test_it_mails_each_respondent_once_after_signing_in_their_language_and_forgets_them(
    db, submitted, published: Consultation, personas
):
    dutch = _reaction(db, published, submitted, email="Ria@Example.org", name="Ria de Vries")
    english = _reaction(db, published, submitted, locale="en", email="sam@example.org")
    silent = _reaction(db, published, submitted, name="Piet")
    moderating.moderate(
        db,
        assessment=submitted,
        reaction_id=dutch.id or 0,
        actor=personas["chair"],
        roles=CHAIR,
        decision="published",
        tags="bewaartermijn",
        public_summary="Iemand vraagt om een korte bewaartermijn.",
    )
    db.commit()
    let_days_pass(db, published, 20)
    _advise(db, submitted, personas, consultation=WEIGHED)
    advising.finalise_advice(db, assessment=submitted, actor=personas["chair"], roles=CHAIR)
    lifecycle.move(
        db,
        assessment=submitted,
        action=Action.sign,
        actor=personas["chair"],
        parties={Party.chair},
    )
    db.commit()
    mails = db.exec(
        select(OutgoingMail)
        .where(col(OutgoingMail.recipient).in_(["ria@example.org", "sam@example.org"]))
        .order_by(col(OutgoingMail.recipient))
    ).all()
    assert [m.recipient for m in mails] == ["ria@example.org", "sam@example.org"]
    link = f"{get_settings().public_url}/register/{submitted.reference}"
    ria, sam = mails
    assert link in ria.body and link in sam.body
    assert sam.subject == f"The advice on {submitted.title}"
    assert "You reacted to the consultation" in sam.body
    # Each in the language they wrote in (the Dutch one as the Dutch catalogue gives it).
    assert (ria.subject, ria.body) == outcome._advice_mail(submitted, get_settings(), "nl")
    assert (sam.subject, sam.body) == outcome._advice_mail(submitted, get_settings(), "en")
    every = db.exec(select(OutgoingMail.recipient)).all()
    assert every.count("ria@example.org") == 1 and every.count("sam@example.org") == 1
    for reaction in (dutch, english, silent):
        db.refresh(reaction)
        assert reaction.email is None
    assert dutch.advice_mailed_at is not None and english.advice_mailed_at is not None
    assert silent.advice_mailed_at is None
    assert dutch.name == "Ria de Vries"  # the name goes with the retention period, not now
    # The mails link the register entry: the advice is public from signing on.
    db.refresh(submitted)
    assert submitted.is_public
    published = db.exec(
        select(AuditEvent).where(
            AuditEvent.assessment_id == submitted.id, AuditEvent.action == "register.published"
        )
    ).one()
    assert json.loads(published.details_json) == {"because": "consultation"}
