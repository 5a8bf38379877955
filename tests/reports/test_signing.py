"""Signing through the advice page, its refusals, and downloading the stored bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, func, select

from app.assessments.models import Assessment, State, StateChange
from app.audit.models import AuditEvent
from app.config import get_settings
from app.notifications.models import Notification
from app.reports.models import Report
from app.reports.service import sign_report
from app.reports.signing import SigningUnavailable
from app.reviews import advising, intake
from app.reviews.models import Advice
from app.users.models import Role
from tests.conftest import PASSWORD, page_text
from tests.reports.conftest import CHAIR, World, drive_to_advice

JSON = {"Accept": "application/json"}


def sign_url(assessment_id: int) -> str:
    return f"/committee/assessments/{assessment_id}/sign"


@pytest.fixture(scope="module")
def final_advice(world: World) -> int:
    """A finalised advice that the refusals below must leave unsigned."""
    return drive_to_advice(world, title="Nog niet ondertekend", comment=None)


@pytest.fixture(scope="module")
def chair(world: World) -> Iterator:
    with world.login("chair") as client:
        yield client


def snapshot_of(world: World, assessment_id: int) -> dict:
    """What signing may change: the state, reports, moves, signing events, the advice."""
    with world.session() as session:
        a = session.get(Assessment, assessment_id)
        assert a is not None
        advice = session.exec(
            select(Advice)
            .where(Advice.assessment_id == assessment_id)
            .order_by(col(Advice.round).desc())
        ).first()
        assert advice is not None
        return {
            "state": a.state,
            "reports": session.exec(
                select(func.count()).where(Report.assessment_id == assessment_id)
            ).one(),
            "moves": session.exec(
                select(func.count()).where(StateChange.assessment_id == assessment_id)
            ).one(),
            "sign_events": session.exec(
                select(func.count()).where(
                    AuditEvent.assessment_id == assessment_id,
                    col(AuditEvent.action).in_(
                        ["report.signed", "assessment.sign", "assessment.archive"]
                    ),
                )
            ).one(),
            "finalised_at": advice.finalised_at,
        }


# --- a successful signature ----------------------------------------------------------------


def test_it_archives_the_assessment_after_signing(world, signed):
    with world.session() as session:
        a = session.get(Assessment, signed.assessment_id)
        assert a is not None and a.state == State.archived
        moves = session.exec(
            select(StateChange)
            .where(StateChange.assessment_id == signed.assessment_id)
            .order_by(col(StateChange.id))
        ).all()
    assert [(m.from_state, m.to_state) for m in moves][-2:] == [
        ("advice_drafted", "signed"),
        ("signed", "archived"),
    ]
    assert moves[-1].actor_id == world.users["chair"]


def test_it_records_the_signature_in_the_audit_trail(world, signed):
    with world.session() as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "report.signed",
                AuditEvent.assessment_id == signed.assessment_id,
            )
        ).one()
    details = json.loads(event.details_json)
    assert details["sha256"] == signed.sha256
    assert details["audit_head"] == signed.audit_head_hash
    assert event.actor_id == world.users["chair"]
    assert event.object_id == str(signed.report_id)


def test_it_notifies_the_authors_and_the_committee(world, signed):
    with world.session() as session:
        users = set(
            session.exec(
                select(Notification.user_id).where(
                    Notification.kind == "signed",
                    Notification.assessment_id == signed.assessment_id,
                )
            ).all()
        )
    assert {world.users["lead"], world.users["board"], world.users["chair"]} <= users


# --- refusals ---------------------------------------------------------------------------------


def test_it_refuses_a_wrong_password_and_stores_nothing(world, final_advice, chair):
    before = snapshot_of(world, final_advice)
    response = chair.post_form(
        sign_url(final_advice), {"password": "not-the-password"}, headers=JSON
    )
    assert response.status_code == 422
    assert any(e["field"] == "password" for e in response.json()["errors"])
    assert snapshot_of(world, final_advice) == before
    assert before["state"] == State.advice_drafted and before["reports"] == 0


def test_it_shows_the_signing_form_again_when_the_password_is_mistyped(world, final_advice, chair):
    before = snapshot_of(world, final_advice)
    response = chair.post_form(sign_url(final_advice), {"password": "not-the-password"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    page = BeautifulSoup(response.text, "lxml")
    summary = page.select_one("#error-summary")
    assert summary is not None and summary["tabindex"] == "-1" and summary["role"] == "alert"
    assert "Het rapport is niet ondertekend." in page_text(str(summary))
    link = summary.select_one("a[href='#f-sign-password']")
    assert link is not None and link.get_text(strip=True) == "Het wachtwoord klopt niet."
    field = page.select_one(f"form[action='{sign_url(final_advice)}'] #f-sign-password")
    assert field is not None and field["aria-invalid"] == "true"
    error = page.select_one(f"#{field['aria-describedby']}")
    assert (
        error is not None and error.get_text(" ", strip=True) == "Fout: Het wachtwoord klopt niet."
    )
    assert not field.get("value")  # the mistyped password is not sent back
    text = page_text(response.text)
    assert "password" not in text.lower() and "reauthenticate" not in text
    assert page.select_one("nav") is not None  # a whole page, with its way on
    assert snapshot_of(world, final_advice) == before


def test_it_marks_the_sign_button_as_working_while_it_signs(world, final_advice, chair):
    page = BeautifulSoup(chair.get(f"/committee/assessments/{final_advice}/advice").text, "lxml")
    form = page.select_one(f"form[action='{sign_url(final_advice)}']")
    assert form is not None and form.has_attr("data-busy-form")
    button = form.select_one("button[type=submit]")
    assert button["data-busy-label"] == "Ondertekenen…"
    assert form.select_one("[role=status][data-busy-status]") is not None
    assert page.select_one("#f-sign-password").get("aria-invalid") is None


def test_it_refuses_an_empty_password(world, final_advice, chair):
    before = snapshot_of(world, final_advice)
    assert chair.post_form(sign_url(final_advice), {}).status_code == 422
    assert snapshot_of(world, final_advice) == before


def test_it_refuses_an_advice_that_is_not_final(world, chair):
    draft = drive_to_advice(world, title="Concept-advies", finalise=False, comment=None)
    before = snapshot_of(world, draft)
    response = chair.post_form(sign_url(draft), {"password": PASSWORD}, headers=JSON)
    assert response.status_code == 409
    assert snapshot_of(world, draft) == before


def test_it_refuses_to_sign_twice(world, signed, chair):
    before = snapshot_of(world, signed.assessment_id)
    response = chair.post_form(sign_url(signed.assessment_id), {"password": PASSWORD})
    assert response.status_code == 409
    assert snapshot_of(world, signed.assessment_id) == before
    with world.session() as session:
        report = session.get(Report, signed.report_id)
        assert report is not None and report.pdf == signed.pdf


@pytest.mark.parametrize("persona", ["board", "lead", "lead2", "auditor", "admin"])
def test_it_lets_only_the_chair_sign(world, final_advice, persona):
    before = snapshot_of(world, final_advice)
    with world.login(persona) as client:
        response = client.post_form(sign_url(final_advice), {"password": PASSWORD})
    assert response.status_code == 403
    assert snapshot_of(world, final_advice) == before


def test_it_refuses_a_chair_with_a_conflict_of_interest(world):
    from app.db import session_scope
    from app.reviews import intake

    conflicted = drive_to_advice(world, title="Belangenverstrengeling", comment=None)
    with session_scope(world.engine) as session:
        intake.declare_conflict(
            session,
            assessment=session.get(Assessment, conflicted),
            actor=world.user(session, "chair"),
            roles=CHAIR,
            reason="Familie van de aanvrager",
        )
    before = snapshot_of(world, conflicted)
    with world.login("chair") as client:
        response = client.post_form(sign_url(conflicted), {"password": PASSWORD})
    assert response.status_code == 403
    assert snapshot_of(world, conflicted) == before


def test_it_asks_an_anonymous_visitor_to_log_in(world, final_advice):
    with world.client() as anonymous:
        response = anonymous.post_form(sign_url(final_advice), {"password": PASSWORD})
    assert response.status_code in (303, 401)
    assert snapshot_of(world, final_advice)["reports"] == 0


@pytest.fixture
def garbage_p12(tmp_path, monkeypatch) -> Iterator:
    path = tmp_path / "garbage.p12"
    path.write_bytes(b"this is not a PKCS#12 file\x00\x01\x02" * 10)
    monkeypatch.setenv("DATAWAARDEN_SIGNING_P12", str(path))
    monkeypatch.setenv("DATAWAARDEN_SIGNING_P12_PASSWORD", "s3cret-p12-password")
    get_settings.cache_clear()
    yield path
    monkeypatch.undo()
    get_settings.cache_clear()


def test_it_refuses_to_sign_with_an_unreadable_certificate(world, final_advice, garbage_p12):
    before = snapshot_of(world, final_advice)
    with pytest.raises(SigningUnavailable) as caught:
        sign_report(
            world.engine,
            assessment_id=final_advice,
            actor_id=world.users["chair"],
            roles=CHAIR,
            password=PASSWORD,
            settings=get_settings(),
        )
    assert caught.value.status_code == 409
    # The chair gets a clear reason without server paths or secrets; the log names the file.
    assert "certificaat" in caught.value.detail or "certificate" in caught.value.detail
    assert "s3cret-p12-password" not in caught.value.detail
    assert str(garbage_p12) not in caught.value.detail
    with world.login("chair") as client:
        response = client.post_form(sign_url(final_advice), {"password": PASSWORD}, headers=JSON)
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/signing-unavailable")
    assert "signing certificate" in problem["title"] or "certificaat" in problem["title"]
    assert "s3cret-p12-password" not in response.text
    assert snapshot_of(world, final_advice) == before


def test_it_refuses_to_sign_when_the_certificate_file_disappeared(
    world, final_advice, tmp_path, caplog
):
    gone = tmp_path / "gone.p12"
    settings = get_settings().model_copy(update={"signing_p12": gone})
    before = snapshot_of(world, final_advice)
    with pytest.raises(SigningUnavailable) as caught:
        sign_report(
            world.engine,
            assessment_id=final_advice,
            actor_id=world.users["chair"],
            roles=CHAIR,
            password=PASSWORD,
            settings=settings,
        )
    assert str(gone) not in caught.value.detail
    assert any(
        str(gone) in record.getMessage() for record in caplog.records
    )  # the operator's log names it
    assert snapshot_of(world, final_advice) == before


# --- downloading ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lead", "chair", "board", "auditor"])
def test_it_serves_exactly_the_stored_bytes(world, signed, persona):
    with world.login(persona) as client:
        response = client.get(f"/assessments/{signed.assessment_id}/report.pdf")
    assert response.status_code == 200
    assert response.content == signed.pdf
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{signed.reference}-advies.pdf"' in disposition
    assert response.headers["x-content-sha256"] == signed.sha256
    assert "no-store" in response.headers["cache-control"]


def test_it_records_a_download_in_the_audit_trail(world, signed):
    def downloads() -> list[AuditEvent]:
        with world.session() as session:
            return list(
                session.exec(
                    select(AuditEvent).where(
                        AuditEvent.action == "report.downloaded",
                        AuditEvent.assessment_id == signed.assessment_id,
                    )
                ).all()
            )

    seen = len(downloads())
    with world.login("lead") as lead:
        assert lead.get(f"/assessments/{signed.assessment_id}/report.pdf").status_code == 200
    events = downloads()
    assert len(events) == seen + 1
    event = events[-1]
    assert event.actor_id == world.users["lead"]
    assert event.object_type == "report" and event.object_id == str(signed.report_id)
    assert json.loads(event.details_json)["sha256"] == signed.sha256


def test_it_keeps_the_report_from_another_lead(world, signed):
    with world.login("lead2") as other:
        response = other.get(f"/assessments/{signed.assessment_id}/report.pdf")
    assert response.status_code == 403
    assert b"%PDF" not in response.content
    with world.client() as anonymous:
        response = anonymous.get(f"/assessments/{signed.assessment_id}/report.pdf")
    assert response.status_code in (303, 401) and b"%PDF" not in response.content


def test_it_answers_404_when_nothing_is_signed_yet(world, final_advice):
    with world.login("lead") as lead:
        assert lead.get(f"/assessments/{final_advice}/report.pdf").status_code == 404


# --- races and conflicts of interest (without rendering: a small signed PDF is stored) -------


def _prepare(world: World, assessment_id: int):  # type: ignore[no-untyped-def]
    from app.db import session_scope
    from app.reports.service import prepare_signing

    with session_scope(world.engine) as session:
        return prepare_signing(
            session,
            assessment=session.get(Assessment, assessment_id),
            actor=world.user(session, "chair"),
            roles=CHAIR,
            password=PASSWORD,
            settings=get_settings(),
        )


def _store(world: World, request, pdf: bytes) -> Report:  # type: ignore[no-untyped-def]
    from app.db import session_scope
    from app.reports.service import store_signed

    with session_scope(world.engine) as session:
        return store_signed(
            session, request=request, pdf=pdf, actor=world.user(session, "chair"), roles=CHAIR
        )


def _small_signed_pdf(name: str) -> bytes:
    from app.reports.signing import load_signing_key, sign_pdf
    from tests.reports.conftest import unsigned_pdf

    return sign_pdf(
        unsigned_pdf(),
        key=load_signing_key(get_settings()),
        field_name="Signature1",
        signer_name=name,
        reason="test",
        location="test",
    )


def test_it_stores_only_one_of_two_signatures_that_race(world):
    racing = drive_to_advice(world, title="Twee tabbladen", comment=None)
    first, second = _prepare(world, racing), _prepare(world, racing)
    _store(world, first, _small_signed_pdf("Chris Chair"))
    with pytest.raises(Exception) as caught:
        _store(world, second, _small_signed_pdf("Chris Chair (tab 2)"))
    assert getattr(caught.value, "status_code", None) == 409
    state = snapshot_of(world, racing)
    assert state["reports"] == 1 and state["state"] == State.signed


def test_it_does_not_sign_an_advice_superseded_while_rendering(world):
    """The chair opens a new advice round (in another tab) while the report renders: the
    rendered report shows the superseded round and must not be stored as the signed advice."""
    from app.db import session_scope

    moving = drive_to_advice(world, title="Nieuwe ronde tijdens het renderen", comment=None)
    request = _prepare(world, moving)
    with session_scope(world.engine) as session:
        advising.start_new_round(
            session,
            assessment=session.get(Assessment, moving),
            actor=world.user(session, "chair"),
            roles=CHAIR,
        )
    before = snapshot_of(world, moving)
    with pytest.raises(Exception) as caught:
        _store(world, request, _small_signed_pdf("Chris Chair"))
    assert getattr(caught.value, "status_code", None) == 409
    assert snapshot_of(world, moving) == before


def test_it_refuses_a_cosignature_by_a_member_with_a_conflict_of_interest(world):
    """declare_conflict: 'from then on they cannot review, vote or sign'."""
    from app.archive.service import archive_after_signing
    from app.db import session_scope

    conflicted = drive_to_advice(world, title="Medeondertekening met belang", comment=None)
    _store(world, _prepare(world, conflicted), _small_signed_pdf("Chris Chair"))
    with session_scope(world.engine) as session:
        archive_after_signing(session, assessment_id=conflicted, actor=world.user(session, "chair"))
        intake.declare_conflict(
            session,
            assessment=session.get(Assessment, conflicted),
            actor=world.user(session, "board"),
            roles={Role.board},
            reason="Ik werk zelf aan dit project",
        )
    with world.login("board") as board:
        response = board.post_form(
            f"/committee/assessments/{conflicted}/cosign", {"password": PASSWORD}
        )
    assert response.status_code == 403
    assert snapshot_of(world, conflicted)["reports"] == 1
