"""Assessments: create, answer, restore, submit, withdraw. Services flush; the caller commits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, or_, select

from app.assessments import events
from app.assessments.models import (
    Answer,
    AnswerRevision,
    Assessment,
    AssessmentEditor,
    ReferenceCounter,
    State,
    StateChange,
    Submission,
)
from app.assessments.permissions import ensure_can_edit, ensure_is_lead, is_author
from app.assessments.transitions import Action, Party, check_transition
from app.audit.service import record_event
from app.canonical import canonical_json, sha256_hex
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.questionnaires import engine
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.conditions import is_answered
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import definition_by_id, definition_of, note_version_hash
from app.questionnaires.schema import Question, Questionnaire
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
        .returning(ReferenceCounter.last_number)
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
_VERSIONS = QuestionnaireVersion.__table__  # type: ignore[attr-defined]
_ASSESSMENT_BY_ID = (
    sa_select(Assessment, _VERSIONS.c.sha256)
    .join(_VERSIONS, _VERSIONS.c.id == Assessment.questionnaire_version_id)
    .where(col(Assessment.id) == bindparam("assessment_id"))
)


def uses_version(session: Session, version: QuestionnaireVersion) -> bool:
    """Whether any assessment uses a stored questionnaire version (then it may not change)."""
    count = session.exec(
        select(func.count()).where(Assessment.questionnaire_version_id == version.id)
    ).one()
    return int(count) > 0


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    """An assessment by id, or NotFound."""
    row = session.execute(_ASSESSMENT_BY_ID, {"assessment_id": assessment_id}).first()
    if row is None:
        raise NotFound(_("This assessment does not exist."))
    assessment, sha256 = row
    note_version_hash(session, assessment.questionnaire_version_id, sha256)
    return assessment


def get_by_reference(session: Session, reference: str) -> Assessment:
    found = session.exec(select(Assessment).where(Assessment.reference == reference)).first()
    if found is None:
        raise NotFound(_("This assessment does not exist."))
    return found


def questionnaire_of(
    session: Session, assessment: Assessment
) -> tuple[QuestionnaireVersion, Questionnaire]:
    version = session.get(QuestionnaireVersion, assessment.questionnaire_version_id)
    assert version is not None  # a foreign key guarantees it
    return version, definition_of(version)


def definition_for(session: Session, assessment: Assessment) -> Questionnaire:
    """The questionnaire an assessment is answered against (without loading the version)."""
    return definition_by_id(session, assessment.questionnaire_version_id)


def assessments_of_author(session: Session, user: User) -> list[Assessment]:
    """The assessments a user leads or co-authors, newest change first."""
    coauthored = select(AssessmentEditor.assessment_id).where(AssessmentEditor.user_id == user.id)
    return list(
        session.exec(
            select(Assessment)
            .where(or_(Assessment.lead_id == user.id, col(Assessment.id).in_(coauthored)))
            .order_by(col(Assessment.updated_at).desc())
        ).all()
    )


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAnswer:
    value: Any
    version: int
    updated_by_id: int
    updated_at: datetime


# The autosave path runs these on every keystroke pause, so they are plain statements built
# once (SQLAlchemy then reuses their compiled form) over rows, not ORM objects. Answers are
# never changed through the identity map: saves use the compare-and-set statement below.
_ANSWERS = Answer.__table__  # type: ignore[attr-defined]
_REVISIONS = AnswerRevision.__table__  # type: ignore[attr-defined]
_ASSESSMENTS = Assessment.__table__  # type: ignore[attr-defined]
_SELECT_ANSWERS = sa_select(
    _ANSWERS.c.id,
    _ANSWERS.c.question_id,
    _ANSWERS.c.value_json,
    _ANSWERS.c.version,
    _ANSWERS.c.updated_by_id,
    _ANSWERS.c.updated_at,
).where(_ANSWERS.c.assessment_id == bindparam("assessment_id"))
_SELECT_ANSWER = _SELECT_ANSWERS.where(_ANSWERS.c.question_id == bindparam("question_id"))
_INSERT_ANSWER = _ANSWERS.insert()
_UPDATE_ANSWER = (
    update(_ANSWERS)
    .where(
        _ANSWERS.c.assessment_id == bindparam("of_assessment"),
        _ANSWERS.c.question_id == bindparam("of_question"),
        _ANSWERS.c.version == bindparam("seen"),
    )
    .values(
        value_json=bindparam("new_json"),
        version=bindparam("new_version"),
        updated_by_id=bindparam("actor_id"),
        updated_at=bindparam("now"),
    )
)
_INSERT_REVISION = _REVISIONS.insert()
_TOUCH_ASSESSMENT = (
    update(_ASSESSMENTS)
    .where(_ASSESSMENTS.c.id == bindparam("assessment_id"))
    .values(version=_ASSESSMENTS.c.version + 1, updated_at=bindparam("now"))
    .returning(_ASSESSMENTS.c.version)
)


def stored_answers(session: Session, assessment: Assessment) -> dict[str, StoredAnswer]:
    rows = session.execute(_SELECT_ANSWERS, {"assessment_id": assessment.id}).all()
    return {
        row.question_id: StoredAnswer(
            json.loads(row.value_json), row.version, row.updated_by_id, row.updated_at
        )
        for row in rows
    }


def _stored_answer(
    session: Session, assessment_id: int | None, question_id: str
) -> StoredAnswer | None:
    row = session.execute(
        _SELECT_ANSWER, {"assessment_id": assessment_id, "question_id": question_id}
    ).first()
    if row is None:
        return None
    return StoredAnswer(json.loads(row.value_json), row.version, row.updated_by_id, row.updated_at)


def answer_values(session: Session, assessment: Assessment) -> dict[str, Any]:
    """The current answers as {question id: value}."""
    return {qid: a.value for qid, a in stored_answers(session, assessment).items()}


class AnswerConflict(Conflict):
    """The answer changed since the version the user started from."""


def _question(q: Questionnaire, question_id: str) -> Question:
    question = engine.question_by_id(q).get(question_id)
    if question is not None:
        return question
    raise InvalidInput(
        _("This question does not exist in this questionnaire."),
        fields={question_id[:100]: _("This question does not exist in this questionnaire.")},
    )


def _touch(session: Session, assessment: Assessment) -> None:
    """Bump the assessment's version (its ETag) atomically and mirror it on the object."""
    now = utcnow()
    version = session.execute(
        _TOUCH_ASSESSMENT, {"assessment_id": assessment.id, "now": now}
    ).scalar_one()
    set_committed_value(assessment, "version", version)
    set_committed_value(assessment, "updated_at", now)


@dataclass(frozen=True)
class SaveResult:
    question_id: str
    value: Any
    version: int
    changed: bool


def _conflict(session: Session, question: Question, current: StoredAnswer) -> AnswerConflict:
    who = session.get(User, current.updated_by_id)
    return AnswerConflict(
        _(
            "%(name)s changed this answer in the meantime. Check the newer answer; you can "
            "keep yours by saving it again with overwrite.",
            name=who.name if who else "?",
        ),
        fields={question.id: _("Changed by someone else in the meantime.")},
        extra={
            "question_id": question.id,
            "current_value": current.value,
            "current_version": current.version,
            "changed_by": who.name if who else None,
        },
    )


def save_answer(
    session: Session,
    *,
    assessment: Assessment,
    question_id: str,
    raw: Any,
    base_version: int | None,
    actor: User,
    force: bool = False,
    kind: str = "save",
    known: Mapping[str, StoredAnswer] | None = None,
) -> SaveResult:
    """Validate and store one answer. `base_version` is the answer version the user saw (0 when
    there was none); an outdated one is refused as a conflict unless `force` is set. `known`:
    the stored answers as the caller read them in this transaction (spares reading it again;
    the compare-and-set below still catches anyone who changed it since)."""
    ensure_can_edit(session, actor, assessment)
    q = definition_for(session, assessment)
    question = _question(q, question_id)
    try:
        value = validate_answer(question, raw)
    except AnswerInvalid as exc:
        raise InvalidInput(exc.message, fields={question.id: exc.message}) from None
    row = (
        known.get(question.id)
        if known is not None
        else _stored_answer(session, assessment.id, question.id)
    )
    current_version = row.version if row else 0
    if row is not None and row.value == value:
        return SaveResult(question.id, value, row.version, changed=False)
    if not force and base_version is not None and base_version != current_version and row:
        raise _conflict(session, question, row)
    new_json = canonical_json(value)
    now = utcnow()
    if row is None:
        try:
            with session.begin_nested():
                session.execute(
                    _INSERT_ANSWER,
                    {
                        "assessment_id": assessment.id,
                        "question_id": question.id,
                        "value_json": new_json,
                        "version": 1,
                        "updated_by_id": actor.id,
                        "updated_at": now,
                    },
                )
        except IntegrityError:
            # Someone else stored a first answer at the same moment.
            other = _stored_answer(session, assessment.id, question.id)
            assert other is not None
            raise _conflict(session, question, other) from None
        old_json = None
        new_version = 1
    else:
        old_json = canonical_json(row.value)  # what was stored: canonical JSON round-trips
        # Atomic compare-and-set: only the version we read may be replaced.
        result = session.execute(
            _UPDATE_ANSWER,
            {
                "of_assessment": assessment.id,
                "of_question": question.id,
                "seen": current_version,
                "new_json": new_json,
                "new_version": current_version + 1,
                "actor_id": actor.id,
                "now": now,
            },
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            fresh = _stored_answer(session, assessment.id, question.id)
            assert fresh is not None
            raise _conflict(session, question, fresh)
        new_version = current_version + 1
    session.execute(
        _INSERT_REVISION,
        {
            "assessment_id": assessment.id,
            "question_id": question.id,
            "old_value_json": old_json,
            "new_value_json": new_json,
            "kind": kind,
            "actor_id": actor.id,
            "created_at": now,
        },
    )
    _touch(session, assessment)
    record_event(
        session,
        action=f"answer.{kind}d" if kind.endswith("e") else f"answer.{kind}",
        actor_id=actor.id,
        object_type="answer",
        object_id=question.id,
        assessment_id=assessment.id,
        details={"question": question.id, "version": new_version},
    )
    session.flush()
    return SaveResult(question.id, value, new_version, changed=True)


def save_answers(
    session: Session,
    *,
    assessment: Assessment,
    raw_values: dict[str, Any],
    base_versions: dict[str, int],
    actor: User,
    force: frozenset[str] = frozenset(),
) -> list[SaveResult]:
    """Save several answers (a section posted without JavaScript): all valid and free of
    conflicts, or nothing is saved."""
    ensure_can_edit(session, actor, assessment)
    _version, q = questionnaire_of(session, assessment)
    current = stored_answers(session, assessment)
    problems: dict[str, str] = {}
    conflicts: list[AnswerConflict] = []
    to_save: list[tuple[str, Any]] = []
    for qid, raw in raw_values.items():
        question = _question(q, qid)
        try:
            value = validate_answer(question, raw)
        except AnswerInvalid as exc:
            problems[qid] = exc.message
            continue
        existing = current.get(qid)
        if existing is None and not is_answered(value):
            continue
        if existing is not None and existing.value == value:
            continue
        seen = base_versions.get(qid, 0)
        if existing is not None and seen != existing.version and qid not in force:
            conflicts.append(_conflict(session, question, existing))
            continue
        to_save.append((qid, raw))
    if problems:
        raise InvalidInput(_("Some answers are not valid. Nothing was saved."), fields=problems)
    if conflicts:
        fields = {k: v for c in conflicts for k, v in c.fields.items()}
        raise AnswerConflict(
            _("Someone else changed some answers in the meantime. Nothing was saved."),
            fields=fields,
            extra={"conflicts": [c.extra for c in conflicts]},
        )
    return [
        save_answer(
            session,
            assessment=assessment,
            question_id=qid,
            raw=raw,
            base_version=None,
            actor=actor,
            known=current,
        )
        for qid, raw in to_save
    ]


def answer_history(
    session: Session, assessment: Assessment, question_id: str
) -> list[AnswerRevision]:
    """Every change to one answer, newest first."""
    return list(
        session.exec(
            select(AnswerRevision)
            .where(
                AnswerRevision.assessment_id == assessment.id,
                AnswerRevision.question_id == question_id,
            )
            .order_by(col(AnswerRevision.id).desc())
        ).all()
    )


def restore_answer(
    session: Session, *, assessment: Assessment, revision_id: int, actor: User
) -> SaveResult:
    """Make an earlier value the current answer again (a new revision; nothing is lost)."""
    revision = session.get(AnswerRevision, revision_id)
    if revision is None or revision.assessment_id != assessment.id:
        raise NotFound(_("This earlier answer does not exist."))
    return save_answer(
        session,
        assessment=assessment,
        question_id=revision.question_id,
        raw=json.loads(revision.new_value_json),
        base_version=None,
        actor=actor,
        force=True,
        kind="restore",
    )


# --- co-authors -----------------------------------------------------------------------------


def coauthors(session: Session, assessment: Assessment) -> list[User]:
    ids = select(AssessmentEditor.user_id).where(AssessmentEditor.assessment_id == assessment.id)
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(User.name)).all())


def add_coauthor(session: Session, *, assessment: Assessment, email: str, actor: User) -> User:
    """Let another user edit this assessment (the lead decides)."""
    from app.users.service import get_user_by_email

    ensure_is_lead(actor, assessment)
    user = get_user_by_email(session, email) if len(email) <= 254 else None
    if user is None or not user.is_active:
        raise InvalidInput(
            _("There is no active account with this e-mail address."),
            fields={"email": _("There is no active account with this e-mail address.")},
        )
    if is_author(session, user, assessment):
        raise Conflict(_("%(name)s can already edit this assessment.", name=user.name))
    session.add(AssessmentEditor(assessment_id=assessment.id or 0, user_id=user.id or 0))
    record_event(
        session,
        action="assessment.coauthor_added",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id or "",
        assessment_id=assessment.id,
    )
    session.flush()
    return user


def remove_coauthor(session: Session, *, assessment: Assessment, user_id: int, actor: User) -> None:
    ensure_is_lead(actor, assessment)
    row = session.get(AssessmentEditor, (assessment.id, user_id))
    if row is None:
        raise NotFound(_("This person is not a co-author."))
    session.delete(row)
    record_event(
        session,
        action="assessment.coauthor_removed",
        actor_id=actor.id,
        object_type="user",
        object_id=user_id,
        assessment_id=assessment.id,
    )
    session.flush()


# --- decision support, lifecycle and submission -------------------------------------


def decision_support_for(session: Session, assessment: Assessment) -> engine.DecisionSupport:
    _version, q = questionnaire_of(session, assessment)
    return engine.decision_support(q, answer_values(session, assessment))


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
    session.add(
        StateChange(
            assessment_id=assessment.id or 0,
            from_state=source,
            to_state=target.value,
            actor_id=actor.id if actor else assessment.lead_id,
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
    scores and obligations, who and when."""
    version, q = questionnaire_of(session, assessment)
    answers = answer_values(session, assessment)
    effective = engine.effective_answers(q, answers)
    ds = engine.decision_support(q, answers)
    return {
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


def submissions_of(session: Session, assessment: Assessment) -> list[Submission]:
    return list(
        session.exec(
            select(Submission)
            .where(Submission.assessment_id == assessment.id)
            .order_by(col(Submission.number))
        ).all()
    )


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
