"""An assessment's lifecycle: create it, move it (the transition table decides), freeze a
snapshot at submission, withdraw and reopen. Services flush; the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.assessments import events, evidence
from app.assessments.answering import answer_values
from app.assessments.models import (
    Assessment,
    ReferenceCounter,
    State,
    StateChange,
    Submission,
)
from app.assessments.permissions import is_author
from app.assessments.reading import questionnaire_of
from app.assessments.transitions import Action, Party, check_transition
from app.audit.service import record_event
from app.canonical import canonical_json, sha256_hex
from app.errors import Conflict, InvalidInput
from app.i18n import _, ngettext
from app.questionnaires import engine
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.serialize import decision_support_to_dict
from app.text import tidy
from app.timeutil import utcnow
from app.users.models import User

TITLE_MAX = 200
DEPARTMENT_MAX = 200
DESCRIPTION_MAX = 2000


# --- references ---------------------------------------------------------------------------


def next_reference(session: Session, *, year: int) -> str:
    """The next readable reference of a year, such as DW-2026-0042 (atomic under concurrency)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["year"], set_={"last_number": ReferenceCounter.last_number + 1}
        )
        .returning(col(ReferenceCounter.last_number))
    )
    number = session.execute(statement).scalar_one()
    return f"DW-{year}-{number:04d}"


# --- creating and finding -------------------------------------------------------------------


def check_details(title: str, department: str, description: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    if not title.strip() or len(title.strip()) > TITLE_MAX:
        fields["title"] = _("Enter a title of at most %(n)s characters.", n=TITLE_MAX)
    if not department.strip() or len(department.strip()) > DEPARTMENT_MAX:
        fields["department"] = _(
            "Enter a department of at most %(n)s characters.", n=DEPARTMENT_MAX
        )
    if not description.strip() or len(description.strip()) > DESCRIPTION_MAX:
        fields["description"] = _(
            "Enter a short description of at most %(n)s characters.", n=DESCRIPTION_MAX
        )
    return fields


def create_assessment(
    session: Session,
    *,
    actor: User,
    title: str,
    department: str,
    description: str,
    questionnaire: QuestionnaireVersion,
) -> Assessment:
    """Start a new draft assessment pinned to a questionnaire version."""
    title = tidy(title, single_line=True)
    department = tidy(department, single_line=True)
    description = tidy(description)
    fields = check_details(title, department, description)
    if fields:
        raise InvalidInput(next(iter(fields.values())), fields=fields)
    now = utcnow()
    assessment = Assessment(
        reference=next_reference(session, year=now.year),
        title=title.strip(),
        department=department.strip(),
        description=description.strip(),
        questionnaire_version_id=questionnaire.id or 0,
        lead_id=actor.id or 0,
        locale=actor.locale,
        created_at=now,
        updated_at=now,
    )
    session.add(assessment)
    session.flush()
    record_event(
        session,
        action="assessment.created",
        actor_id=actor.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
        details={
            "questionnaire": questionnaire.key,
            "version": questionnaire.version,
            "sha256": questionnaire.sha256,
        },
    )
    return assessment


# Built once: every page and autosave of an assessment starts here (a prebuilt statement is
# much cheaper than session.get, which builds its query on each call). The hash of its
# questionnaire comes along, so that finding the parsed questionnaire needs no statement.
def move(
    session: Session,
    *,
    assessment: Assessment,
    action: Action,
    actor: User | None,
    parties: set[Party],
    note: str = "",
) -> State:
    """Make one lifecycle move: checked by the transition table, recorded as history and audit."""
    target = check_transition(assessment.state, action, parties)
    source = assessment.state
    result = session.execute(
        update(Assessment)
        .where(col(Assessment.id) == assessment.id, col(Assessment.state) == source)
        .values(state=target.value, version=Assessment.version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone else changed the state of this assessment. Reload the page."))
    session.refresh(assessment)
    actor_id = actor.id if actor else assessment.lead_id
    assert actor_id is not None  # a stored user
    session.add(
        StateChange(
            assessment_id=assessment.id or 0,
            from_state=source,
            to_state=target.value,
            actor_id=actor_id,
            note=note[:2000],
        )
    )
    record_event(
        session,
        action=f"assessment.{action.value}",
        actor_id=actor.id if actor else None,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
        details={"from": source, "to": target.value},
    )
    session.flush()
    events.publish(events.Moved(session, assessment, action, actor, State(source), target))
    return target


def build_snapshot(
    session: Session, *, assessment: Assessment, actor: User, number: int, at: datetime
) -> dict[str, Any]:
    """The frozen content of a submission: questionnaire version and hash, the visible answers,
    scores and obligations, the files attached to those answers (by SHA-256), who and when."""
    version, q = questionnaire_of(session, assessment)
    answers = answer_values(session, assessment)
    effective = engine.effective_answers(q, answers)
    ds = engine.decision_support(q, answers)
    snapshot: dict[str, Any] = {
        "format": "datawaarden.snapshot/1",
        "reference": assessment.reference,
        "submission": number,
        "title": assessment.title,
        "department": assessment.department,
        "description": assessment.description,
        "questionnaire": {"key": version.key, "version": version.version, "sha256": version.sha256},
        "answers": effective,
        "decision_support": decision_support_to_dict(ds),
        "submitted_by": {"id": actor.id, "name": actor.name},
        "submitted_at": at.isoformat(timespec="seconds"),
    }
    # The answers' files by hash; only when there are any, so that a snapshot without
    # attachments is what it always was.
    visible = [qq.id for qq in engine.visible_questions(q, answers)]
    attachments = evidence.snapshot_attachments(session, assessment, visible)
    if attachments:
        snapshot["attachments"] = attachments
    return snapshot


def submit_assessment(session: Session, *, assessment: Assessment, actor: User) -> Submission:
    """Freeze a snapshot and hand the assessment to the committee. Incomplete or invalid
    answers are refused with the list of what is missing."""
    action = Action.resubmit if assessment.state == State.changes_requested else Action.submit
    parties = {Party.author} if is_author(session, actor, assessment) else set()
    check_transition(assessment.state, action, parties)
    _version, q = questionnaire_of(session, assessment)
    answers = answer_values(session, assessment)
    effective = engine.effective_answers(q, answers)
    invalid = engine.validate_answers(q, effective)
    missing = engine.completeness(q, answers).missing
    if missing or invalid:
        labels = engine.question_by_id(q)
        from app.i18n import get_locale

        fields = {qid: labels[qid].label.get(get_locale()) for qid in missing}
        fields.update(invalid)
        raise InvalidInput(
            _(
                "The assessment is not complete yet: %(n)s answers are missing or not valid.",
                n=len(fields),
            ),
            fields=fields,
        )
    unresolved = engine.decision_support(q, answers).clarifications
    if unresolved:
        from app.i18n import get_locale

        raise InvalidInput(
            ngettext(
                "One answer must be found out before the assessment can be submitted.",
                "%(num)s answers must be found out before the assessment can be submitted.",
                len(unresolved),
            ),
            fields={
                o.question_id or o.id: o.obligation.title.get(get_locale()) for o in unresolved
            },
        )
    number = (
        session.exec(
            select(func.max(Submission.number)).where(Submission.assessment_id == assessment.id)
        ).one()
        or 0
    ) + 1
    now = utcnow()
    snapshot = build_snapshot(session, assessment=assessment, actor=actor, number=number, at=now)
    text = canonical_json(snapshot)
    submission = Submission(
        assessment_id=assessment.id or 0,
        number=number,
        snapshot_json=text,
        sha256=sha256_hex(text),
        submitted_by_id=actor.id or 0,
        submitted_at=now,
    )
    session.add(submission)
    session.flush()
    move(
        session,
        assessment=assessment,
        action=action,
        actor=actor,
        parties=parties,
        note=f"submission {number} sha256 {submission.sha256}",
    )
    return submission


def withdraw_assessment(session: Session, *, assessment: Assessment, actor: User) -> None:
    """Take a submission back before the review starts."""
    parties = {Party.author} if is_author(session, actor, assessment) else set()
    move(session, assessment=assessment, action=Action.withdraw, actor=actor, parties=parties)


def reopen_assessment(session: Session, *, assessment: Assessment, actor: User) -> None:
    """Continue working on a withdrawn assessment as a draft."""
    parties = {Party.author} if is_author(session, actor, assessment) else set()
    move(session, assessment=assessment, action=Action.reopen, actor=actor, parties=parties)
