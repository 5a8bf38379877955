"""Following up the conditions of a signed advice, on SQLite and PostgreSQL: who may make
each move, the history and audit trail it leaves, the notices it sends, and that two people
cannot both move a condition from the same state."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.followup import service
from app.followup.transitions import Action, IllegalMove, Status
from app.i18n import use_locale
from app.notifications.models import Notification
from app.reviews.models import ConditionFollowUp, ConditionUpdate
from app.users.models import Role
from tests.conftest import (
    build_database,
    create_postgres_database,
    drop_postgres_database,
    on_both_databases,
)
from tests.followup.conftest import CHAIR, sign_with_conditions

engine = on_both_databases()
LEAD = frozenset({Role.lead})
BOARD = frozenset({Role.board})


def move(db, signed, number, who, roles, action, note="", version=None):  # type: ignore[no-untyped-def]
    return service.move_condition(
        db,
        assessment=signed.assessment,
        condition_id=signed.conditions[number - 1].id,
        actor=who,
        roles=roles,
        action=action,
        note=note,
        version=version,
    )


def test_it_starts_every_condition_open_when_the_advice_is_signed(db, signed):
    rows = service.follow_up(db, signed.assessment)
    assert [(r.condition.number, r.follow_up.status) for r in rows] == [
        (1, "open"),
        (2, "open"),
        (3, "open"),
    ]


def test_it_makes_the_account_behind_an_address_the_owner_and_keeps_other_addresses_as_contact(
    db, signed, personas
):
    first, second, third = signed.conditions
    assert first.owner_user_id == personas["lead2"].id and first.owner_email == "lead2@example.org"
    assert second.owner_user_id is None and second.owner_email == "register@example.org"
    assert third.owner_user_id is None and third.owner_email == ""


def test_it_lets_the_owner_report_and_the_rapporteur_accept_and_records_both(db, signed, personas):
    move(db, signed, 1, personas["lead2"], LEAD, Action.start)
    move(db, signed, 1, personas["lead2"], LEAD, Action.report, "De IAMA is klaar, zie bijlage.")
    state = move(db, signed, 1, personas["board"], BOARD, Action.accept)
    assert state.status == "accepted" and state.version == 4
    updates = db.exec(
        select(ConditionUpdate)
        .where(ConditionUpdate.condition_id == signed.conditions[0].id)
        .order_by(col(ConditionUpdate.id))
    ).all()
    assert [(u.from_status, u.to_status, u.actor_id) for u in updates] == [
        ("open", "in_progress", personas["lead2"].id),
        ("in_progress", "done", personas["lead2"].id),
        ("done", "accepted", personas["board"].id),
    ]
    assert updates[1].note == "De IAMA is klaar, zie bijlage."
    events = db.exec(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "condition")
        .order_by(col(AuditEvent.id))
    ).all()
    assert events == ["condition.start", "condition.report", "condition.accept"]


def test_it_lets_the_authors_act_for_an_owner_without_an_account(db, signed, personas):
    state = move(db, signed, 3, personas["lead"], LEAD, Action.report, "Analyse herhaald.")
    assert state.status == "done"


def test_it_refuses_the_lead_on_a_condition_that_has_an_owner_with_an_account(db, signed, personas):
    with pytest.raises(PermissionDenied):
        move(db, signed, 1, personas["lead"], LEAD, Action.report, "Gedaan.")


def test_it_refuses_a_report_without_an_explanation_and_saves_nothing(db, signed, personas):
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        move(db, signed, 3, personas["lead"], LEAD, Action.report, "   ")
    assert refused.value.fields == {"note": "Write a short explanation first."}
    db.rollback()
    assert db.get(ConditionFollowUp, signed.conditions[2].id).status == "open"


def test_it_lets_only_the_rapporteur_or_the_chair_judge(db, signed, personas):
    move(db, signed, 3, personas["lead"], LEAD, Action.report, "Gedaan.")
    for who, roles in ((personas["auditor"], frozenset({Role.auditor})), (personas["lead"], LEAD)):
        with pytest.raises(PermissionDenied):
            move(db, signed, 3, who, roles, Action.accept)
    state = move(db, signed, 3, personas["chair"], CHAIR, Action.reopen, "Rapport ontbreekt.")
    assert state.status == "reopened"


def test_it_lets_nobody_accept_what_they_reported_themselves(db, submitted, personas):
    from app.reviews.advising import ConditionInput

    own = sign_with_conditions(
        db,
        submitted,
        personas,
        [ConditionInput("Laat de DPIA toetsen.", "De voorzitter", "", "chair@example.org")],
    )
    move(db, own, 1, personas["chair"], CHAIR, Action.report, "Getoetst.")
    with use_locale("en"), pytest.raises(PermissionDenied) as refused:
        move(db, own, 1, personas["chair"], CHAIR, Action.accept)
    assert "other than the person who reported it" in refused.value.detail


def test_it_lets_only_the_chair_waive_and_asks_why(db, signed, personas):
    with pytest.raises(PermissionDenied):
        move(db, signed, 2, personas["board"], BOARD, Action.waive, "Niet meer nodig.")
    with pytest.raises(InvalidInput):
        move(db, signed, 2, personas["chair"], CHAIR, Action.waive, "")
    assert move(db, signed, 2, personas["chair"], CHAIR, Action.waive, "Vervallen.").status == (
        "waived"
    )
    with pytest.raises(IllegalMove):
        move(db, signed, 2, personas["chair"], CHAIR, Action.reopen, "Toch wel.")


def test_it_refuses_a_member_with_a_conflict_of_interest(db, signed, personas):
    from app.reviews.intake import declare_conflict

    move(db, signed, 3, personas["lead"], LEAD, Action.report, "Gedaan.")
    declare_conflict(
        db, assessment=signed.assessment, actor=personas["chair"], roles=CHAIR, reason="Familie"
    )
    with pytest.raises(PermissionDenied):
        move(db, signed, 3, personas["chair"], CHAIR, Action.accept)


def test_it_refuses_a_move_made_on_a_version_someone_else_changed(db, signed, personas):
    move(db, signed, 3, personas["lead"], LEAD, Action.start)  # version 1 -> 2
    with pytest.raises(Conflict):
        move(db, signed, 3, personas["lead"], LEAD, Action.report, "Gedaan.", version=1)


def test_it_answers_not_found_for_a_condition_of_another_assessment(db, signed, personas):
    with pytest.raises(NotFound):
        service.move_condition(
            db,
            assessment=signed.assessment,
            condition_id=999_999,
            actor=personas["lead"],
            roles=LEAD,
            action=Action.start,
        )


def test_it_tells_the_rapporteur_of_a_report_and_the_owner_of_the_judgement(db, signed, personas):
    move(db, signed, 1, personas["lead2"], LEAD, Action.report, "Klaar.")
    move(db, signed, 1, personas["board"], BOARD, Action.reopen, "Handtekening ontbreekt.")

    def kinds(user):  # type: ignore[no-untyped-def]
        return db.exec(
            select(Notification.kind).where(
                Notification.user_id == user.id, col(Notification.kind).like("condition_%")
            )
        ).all()

    assert kinds(personas["board"]) == ["condition_reported"]
    assert kinds(personas["lead2"]) == ["condition_reopened"]
    assert kinds(personas["lead"]) == ["condition_reopened"]


def test_it_lists_what_waits_for_each_person(db, signed, personas):
    owner_tasks = service.tasks_of(db, personas["lead2"], LEAD)
    assert [t.condition.number for t in owner_tasks] == [1]
    lead_tasks = service.tasks_of(db, personas["lead"], LEAD)
    assert sorted(t.condition.number for t in lead_tasks) == [2, 3]
    move(db, signed, 3, personas["lead"], LEAD, Action.report, "Gedaan.")
    judging = service.tasks_of(db, personas["board"], BOARD)
    assert [(t.condition.number, t.judge) for t in judging] == [(3, True)]
    assert service.tasks_of(db, personas["auditor"], frozenset({Role.auditor})) == []


def test_it_keeps_the_history_append_only_outside_the_app(db, signed, personas):
    move(db, signed, 3, personas["lead"], LEAD, Action.start)
    db.commit()
    with pytest.raises(Exception, match="sealed"):
        db.execute(text("UPDATE condition_updates SET note = 'anders'"))
    db.rollback()
    with pytest.raises(Exception, match="sealed"):
        db.execute(text("DELETE FROM condition_updates"))
    db.rollback()


def test_it_keeps_the_signed_condition_itself_unchangeable(db, signed):
    with pytest.raises(Exception, match="sealed"):
        db.execute(text("UPDATE advice_conditions SET text = 'anders'"))
    db.rollback()


@pytest.fixture
def fresh(engine, tmp_path):  # type: ignore[no-untyped-def]
    """A committed database of its own (the rolled-back `db` would hold SQLite's lock)."""
    sqlite = engine.dialect.name == "sqlite"
    url = f"sqlite:///{tmp_path / 'race.db'}" if sqlite else create_postgres_database()
    built = build_database(url)
    yield built
    built.dispose()
    if engine.dialect.name != "sqlite":
        drop_postgres_database(url)


def test_two_people_moving_one_condition_at_once_make_one_move(fresh):
    """Two committed sessions race to judge the same report: one wins, the other is told."""
    from app.assessments import answering, lifecycle
    from app.assessments.models import Assessment
    from app.questionnaires.registry import find_version
    from app.users.models import User
    from tests.conftest import COMPLETE_SAMPLE_ANSWERS, PERSONAS

    def users_of(s):  # type: ignore[no-untyped-def]
        return {
            k: s.exec(select(User).where(User.email == p.email)).one() for k, p in PERSONAS.items()
        }

    with Session(fresh, expire_on_commit=False) as s:
        users = users_of(s)
        a = lifecycle.create_assessment(
            s,
            actor=users["lead"],
            title="Race",
            department="Mobiliteit",
            description="Twee tegelijk.",
            questionnaire=find_version(s, "sample"),
        )
        for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
            answering.save_answer(
                s, assessment=a, question_id=qid, raw=value, base_version=None, actor=users["lead"]
            )
        lifecycle.submit_assessment(s, assessment=a, actor=users["lead"])
        signed = sign_with_conditions(s, a, users)
        move(s, signed, 3, users["lead"], LEAD, Action.report, "Gedaan.")
        s.commit()
        condition_id = signed.conditions[2].id
        assessment_id = a.id
    ready = threading.Barrier(2)
    outcomes: list[str] = []

    def judge(key, roles, action, note):  # type: ignore[no-untyped-def]
        with Session(fresh, expire_on_commit=False) as s:
            # Both read the same version before either writes.
            seen = s.exec(
                select(ConditionFollowUp.version).where(
                    ConditionFollowUp.condition_id == condition_id
                )
            ).one()
            actor = users_of(s)[key]
            assessment = s.get(Assessment, assessment_id)
            s.commit()
            ready.wait(timeout=60)
            try:
                service.move_condition(
                    s,
                    assessment=assessment,
                    condition_id=condition_id,
                    actor=actor,
                    roles=roles,
                    action=action,
                    note=note,
                    version=seen,
                )
                s.commit()
                outcomes.append("moved")
            except (Conflict, IllegalMove):
                s.rollback()
                outcomes.append("refused")

    threads = [
        threading.Thread(target=judge, args=("board", BOARD, Action.accept, "")),
        threading.Thread(target=judge, args=("chair", CHAIR, Action.reopen, "Nee.")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["moved", "refused"]
    with Session(fresh) as s:
        moves = s.exec(
            select(ConditionUpdate).where(ConditionUpdate.condition_id == condition_id)
        ).all()
        assert len(moves) == 2  # the report and one judgement
        assert s.get(ConditionFollowUp, condition_id).status in (
            Status.accepted.value,
            Status.reopened.value,
        )


def test_it_asks_no_chair_who_declared_a_conflict_to_judge_a_report(db, submitted, personas):
    from app.reviews.intake import declare_conflict

    signed = sign_with_conditions(db, submitted, personas)
    signed.assessment.rapporteur_id = None  # no rapporteur: the chairs judge
    db.add(signed.assessment)
    declare_conflict(
        db, assessment=signed.assessment, actor=personas["chair"], roles=CHAIR, reason="Familie"
    )
    move(db, signed, 3, personas["lead"], LEAD, Action.report, "Gedaan.")
    asked = db.exec(
        select(Notification.user_id).where(Notification.kind == "condition_reported")
    ).all()
    assert personas["chair"].id not in asked
