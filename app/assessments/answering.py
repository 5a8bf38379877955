"""Answers: saved with a compare-and-set on the version (a conflict is reported, never
overwritten), the history of an answer, restoring an earlier value."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app import metrics
from app.assessments.models import (
    Answer,
    AnswerRevision,
    Assessment,
    State,
    Submission,
)
from app.assessments.permissions import ensure_can_edit
from app.assessments.reading import definition_for, questionnaire_of
from app.audit.service import record_event
from app.canonical import canonical_json
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.questionnaires import engine
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.conditions import is_answered
from app.questionnaires.schema import Question, Questionnaire
from app.timeutil import utcnow
from app.users.models import User


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
    .where(
        _ASSESSMENTS.c.id == bindparam("assessment_id"),
        # An answer belongs to the questionnaire version it was checked against: a move to
        # another version in the meantime (app.assessments.upgrading) refuses the save.
        _ASSESSMENTS.c.questionnaire_version_id == bindparam("of_questionnaire"),
    )
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
        _TOUCH_ASSESSMENT,
        {
            "assessment_id": assessment.id,
            "of_questionnaire": assessment.questionnaire_version_id,
            "now": now,
        },
    ).scalar_one_or_none()
    if version is None:
        raise Conflict(
            _(
                "This assessment was moved to another version of its questionnaire in the "
                "meantime, so the answer was not saved. Reload the page."
            )
        )
    set_committed_value(assessment, "version", version)
    set_committed_value(assessment, "updated_at", now)


@dataclass(frozen=True)
class SaveResult:
    question_id: str
    value: Any
    version: int
    changed: bool


def _conflict(session: Session, question: Question, current: StoredAnswer) -> AnswerConflict:
    metrics.ANSWER_CONFLICTS.inc()
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
    metrics.on_commit(session, metrics.ANSWER_SAVES.inc)
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
    session: Session,
    *,
    assessment: Assessment,
    revision_id: int,
    actor: User,
    base_version: int | None,
) -> SaveResult:
    """Make an earlier value the current answer again (a new revision; nothing is lost).
    `base_version` is the answer's version on the history page the user restored from: a
    newer change made since (by a co-author, in another tab) is a conflict, as with a save."""
    revision = session.get(AnswerRevision, revision_id)
    if revision is None or revision.assessment_id != assessment.id:
        raise NotFound(_("This earlier answer does not exist."))
    if base_version is None:
        message = _("Reload the history and choose the answer to restore again.")
        raise InvalidInput(message, fields={"base_version": message})
    try:
        return save_answer(
            session,
            assessment=assessment,
            question_id=revision.question_id,
            raw=json.loads(revision.new_value_json),
            base_version=base_version,
            actor=actor,
            kind="restore",
        )
    except AnswerConflict as conflict:
        raise AnswerConflict(
            _(
                "%(name)s changed this answer after you opened its history, so nothing was "
                "restored. The newer answer is now at the top of the history: check it, and "
                "restore the earlier one again if that is still what you want.",
                name=conflict.extra.get("changed_by") or "?",
            ),
            fields=conflict.fields,
            extra=conflict.extra,
        ) from None


# --- co-authors -----------------------------------------------------------------------------


def decision_support_for(session: Session, assessment: Assessment) -> engine.DecisionSupport:
    return engine.decision_support(
        definition_for(session, assessment), answer_values(session, assessment)
    )


# The states in which the answers can no longer change: the latest submission froze them.
FROZEN_STATES = frozenset(
    {State.submitted, State.in_review, State.advice_drafted, State.signed, State.archived}
)


@dataclass(frozen=True)
class Standing:
    """How complete an assessment is and its overall level, as a list shows them."""

    percent: int
    overall: str


def standings(session: Session, assessments: Sequence[Assessment]) -> dict[int, Standing]:
    """Per assessment id, its completeness and overall level. An assessment whose answers can
    no longer change shows what its latest submission froze (all read in one query, not
    evaluated again: a lead's list holds years of archived assessments); the others are
    evaluated on their current answers."""
    frozen = [a.id for a in assessments if a.state in FROZEN_STATES]
    found: dict[int, Standing] = {}
    if frozen:
        latest = (
            select(Submission.assessment_id, func.max(Submission.number).label("n"))
            .where(col(Submission.assessment_id).in_(frozen))
            .group_by(col(Submission.assessment_id))
            .subquery()
        )
        rows = session.exec(
            select(Submission.assessment_id, Submission.snapshot_json).join(
                latest,
                (col(Submission.assessment_id) == latest.c.assessment_id)
                & (col(Submission.number) == latest.c.n),
            )
        ).all()
        for assessment_id, snapshot_json in rows:
            support = json.loads(snapshot_json)["decision_support"]
            if support.get("complete"):  # always, since only a complete assessment is submitted
                found[assessment_id] = Standing(100, support["overall_level"])
    for a in assessments:
        if a.id not in found:
            ds = decision_support_for(session, a)
            found[a.id or 0] = Standing(ds.completeness.percent, ds.score.overall)
    return found
