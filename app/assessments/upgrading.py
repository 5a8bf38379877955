"""Moving an assessment to a newer version of its questionnaire: what differs between two
versions, question by question, and carrying the answers over by question id.

An answer is carried when its question still exists and the answer is valid under the new
version; the others are not carried, and say why. Nothing of the history is lost: the answer
rows of carried answers stay as they are, an answer that is not carried gets a last revision
(from its value to empty) of kind "upgrade", and the move itself is an audit event listing what
was carried and what was not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.assessments.answering import stored_answers
from app.assessments.models import Answer, AnswerRevision, Assessment
from app.assessments.permissions import ensure_can_edit
from app.audit.service import record_event
from app.canonical import canonical_json
from app.errors import Conflict
from app.i18n import _, get_locale
from app.questionnaires import engine
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import definition_of, find_version, note_version_hash
from app.questionnaires.schema import Question, Questionnaire, QuestionType, Text
from app.timeutil import utcnow
from app.users.models import User

UPGRADE_KIND = "upgrade"  # the kind of an answer revision written by a move


# --- what differs between two versions ------------------------------------------------------


@dataclass(frozen=True)
class QuestionChange:
    """A question that is new, changed or dropped. `label` and `section` are as in the new
    version (for a dropped question: as in the old one); `aspects` names what changed
    (type, label, options, columns, limits, required, show_if, section) and `words` says it."""

    question_id: str
    label: Text
    section: Text
    aspects: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionChanges:
    new: list[QuestionChange]
    changed: list[QuestionChange]
    dropped: list[QuestionChange]

    @property
    def any(self) -> bool:
        return bool(self.new or self.changed or self.dropped)


def _type_names() -> dict[QuestionType, str]:
    return {
        QuestionType.short_text: _("a short text"),
        QuestionType.long_text: _("a longer text"),
        QuestionType.single_choice: _("one choice"),
        QuestionType.multi_choice: _("one or more choices"),
        QuestionType.yes_no_unknown: _("yes, no or don't know"),
        QuestionType.scale: _("a scale from 1 to 5"),
        QuestionType.number: _("a number"),
        QuestionType.date: _("a date"),
        QuestionType.url: _("a web address"),
        QuestionType.table: _("a table"),
    }


def _names(labels: Sequence[str]) -> str:
    return ", ".join(f"“{label}”" for label in labels)


def _option_words(old: Question, new: Question, locale: str) -> list[str]:
    before = {o.id: o.label for o in old.options or []}
    after = {o.id: o.label for o in new.options or []}
    words = []
    added = [after[i].get(locale) for i in after if i not in before]
    removed = [before[i].get(locale) for i in before if i not in after]
    renamed = [
        f"“{before[i].get(locale)}” → “{after[i].get(locale)}”"
        for i in after
        if i in before and before[i] != after[i]
    ]
    if added:
        words.append(_("Options added: %(names)s.", names=_names(added)))
    if removed:
        words.append(_("Options removed: %(names)s.", names=_names(removed)))
    if renamed:
        words.append(_("Options renamed: %(names)s.", names=", ".join(renamed)))
    return words


def _dump(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json", by_alias=True)


def _limits(q: Question) -> tuple[Any, ...]:
    return (q.min, q.max, q.integer, q.max_length, q.max_rows)


def _compare(
    old: Question, new: Question, moved_to: Text | None, locale: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What changed in a question (aspects) and that in words."""
    aspects: list[str] = []
    words: list[str] = []
    if old.type != new.type:
        names = _type_names()
        aspects.append("type")
        words.append(
            _(
                "The answer is now %(new)s instead of %(old)s.",
                new=names[new.type],
                old=names[old.type],
            )
        )
    if old.label != new.label:
        aspects.append("label")
        words.append(_("The question is worded differently."))
    option_words = _option_words(old, new, locale)
    if option_words:
        aspects.append("options")
        words.extend(option_words)
    if _dump_list(old.columns) != _dump_list(new.columns):
        aspects.append("columns")
        words.append(_("The columns of the table changed."))
    if _limits(old) != _limits(new):
        aspects.append("limits")
        words.append(_("The answers it accepts changed (a limit or a length)."))
    if old.required != new.required:
        aspects.append("required")
        words.append(
            _("An answer is now required.")
            if new.required
            else _("An answer is no longer required.")
        )
    if _dump(old.show_if) != _dump(new.show_if):
        aspects.append("show_if")
        if old.show_if is None:
            words.append(_("It is now asked only in some cases."))
        elif new.show_if is None:
            words.append(_("It is now always asked."))
        else:
            words.append(_("The cases in which it is asked changed."))
    if moved_to is not None:
        aspects.append("section")
        words.append(_("It moved to the section “%(section)s”.", section=moved_to.get(locale)))
    return tuple(aspects), tuple(words)


def _dump_list(items: Sequence[Any] | None) -> list[Any]:
    return [_dump(item) for item in items or []]


def version_changes(
    old_q: Questionnaire, new_q: Questionnaire, *, locale: str | None = None
) -> VersionChanges:
    """Which questions are new, changed or dropped between two versions, by question id; for a
    changed question, what changed, in words (in `locale`, by default the user's language)."""
    locale = locale or get_locale()
    old_index, new_index = engine.index(old_q), engine.index(new_q)
    old_by_id, new_by_id = old_index.by_id, new_index.by_id
    new: list[QuestionChange] = []
    changed: list[QuestionChange] = []
    for section in new_q.sections:
        for question in section.questions:
            before = old_by_id.get(question.id)
            if before is None:
                new.append(QuestionChange(question.id, question.label, section.title))
                continue
            old_section = old_index.section_by_question[question.id]
            moved = section.title if old_section.id != section.id else None
            aspects, words = _compare(before, question, moved, locale)
            if aspects:
                changed.append(
                    QuestionChange(question.id, question.label, section.title, aspects, words)
                )
    dropped = [
        QuestionChange(question.id, question.label, section.title)
        for section in old_q.sections
        for question in section.questions
        if question.id not in new_by_id
    ]
    return VersionChanges(new, changed, dropped)


# --- moving an assessment -------------------------------------------------------------------


@dataclass(frozen=True)
class LostAnswer:
    """An answer that is not carried over: its question (as in the old version), its value,
    why ("dropped": the question is gone; "invalid": the answer does not fit the new version)
    and, for an invalid one, the message."""

    question_id: str
    label: Text
    question: Question | None  # None for an answer to a question the old version lacks
    value: Any
    reason: str
    message: str = ""


@dataclass(frozen=True)
class MovePlan:
    """What a move from the assessment's version to `target` would do."""

    source: QuestionnaireVersion
    target: QuestionnaireVersion
    changes: VersionChanges
    carried: dict[str, Any] = field(default_factory=dict)
    lost: list[LostAnswer] = field(default_factory=list)


def newer_version(session: Session, assessment: Assessment) -> QuestionnaireVersion | None:
    """The newest version of the assessment's questionnaire when it is newer than the one the
    assessment uses, else None."""
    current = session.get(QuestionnaireVersion, assessment.questionnaire_version_id)
    assert current is not None  # a foreign key guarantees it
    newest = find_version(session, current.key)
    return newest if newest.version > current.version else None


def _check_target(source: QuestionnaireVersion, target: QuestionnaireVersion) -> None:
    if target.key != source.key:
        raise Conflict(_("An assessment can only move to a version of its own questionnaire."))
    if target.version <= source.version:
        raise Conflict(
            _(
                "This assessment already uses version %(n)s of the questionnaire; there is no "
                "newer version to move to.",
                n=source.version,
            )
        )


def _lost(
    qid: str, question: Question | None, value: Any, reason: str, message: str = ""
) -> LostAnswer:
    label = question.label if question is not None else Text(nl=qid, en=qid)
    return LostAnswer(qid, label, question, value, reason, message)


def plan_move(session: Session, assessment: Assessment, target: QuestionnaireVersion) -> MovePlan:
    """What moving to `target` would carry over and what not (nothing is changed)."""
    source = session.get(QuestionnaireVersion, assessment.questionnaire_version_id)
    assert source is not None  # a foreign key guarantees it
    _check_target(source, target)
    old_q, new_q = definition_of(source), definition_of(target)
    old_by_id, new_by_id = engine.question_by_id(old_q), engine.question_by_id(new_q)
    carried: dict[str, Any] = {}
    lost: list[LostAnswer] = []
    answers = stored_answers(session, assessment)
    for old_question in old_by_id.values():  # in the order of the old questionnaire
        stored = answers.get(old_question.id)
        if stored is None:
            continue
        question = new_by_id.get(old_question.id)
        if question is None:
            lost.append(_lost(old_question.id, old_question, stored.value, "dropped"))
            continue
        try:
            carried[question.id] = validate_answer(question, stored.value)
        except AnswerInvalid as exc:
            lost.append(_lost(question.id, old_question, stored.value, "invalid", exc.message))
    # An answer to a question the old version does not know (saving refuses those) goes too.
    lost.extend(
        _lost(qid, None, stored.value, "dropped")
        for qid, stored in answers.items()
        if qid not in old_by_id
    )
    return MovePlan(source, target, version_changes(old_q, new_q), carried, lost)


_ASSESSMENTS = Assessment.__table__  # type: ignore[attr-defined]
_ANSWERS = Answer.__table__  # type: ignore[attr-defined]


def _lock(session: Session, assessment: Assessment) -> None:
    """Take the assessment for this transaction and read it afresh. SQLite's write
    transactions start with BEGIN IMMEDIATE (app.db): one writer at a time; PostgreSQL locks
    the row, so that two moves, or a move and a save, wait for each other."""
    session.execute(
        select(Assessment.id).where(col(Assessment.id) == assessment.id).with_for_update()
    )
    session.refresh(assessment)


def move_to_version(
    session: Session,
    assessment: Assessment,
    new_version: QuestionnaireVersion,
    actor: User,
    *,
    seen_version: int | None = None,
) -> MovePlan:
    """Move the assessment to a newer version of its questionnaire, carrying the answers over
    by question id, all in the caller's transaction (services flush; the caller commits).
    Only its authors may, and only while answering is allowed (a draft, or back for changes).
    `seen_version`: the assessment's version as the confirming user saw it; when it changed
    since (a co-author saved an answer), the move is refused, since what it would carry may
    differ from what the user was shown."""
    _lock(session, assessment)
    ensure_can_edit(session, actor, assessment)
    if seen_version is not None and seen_version != assessment.version:
        raise Conflict(
            _(
                "The assessment changed after you opened this page, so it was not moved. "
                "Check the lists again before you confirm."
            )
        )
    plan = plan_move(session, assessment, new_version)
    answers = stored_answers(session, assessment)
    now = utcnow()
    revisions = []
    for qid, value in plan.carried.items():
        stored = answers[qid]
        if stored.value == value:
            continue  # the row stays as it is, with its history
        revisions.append((qid, stored.value, value))
        session.execute(
            update(_ANSWERS)
            .where(_ANSWERS.c.assessment_id == assessment.id, _ANSWERS.c.question_id == qid)
            .values(
                value_json=canonical_json(value),
                version=stored.version + 1,
                updated_by_id=actor.id,
                updated_at=now,
            )
        )
    dropped_ids = [lost.question_id for lost in plan.lost]
    for lost in plan.lost:
        revisions.append((lost.question_id, lost.value, None))
    if dropped_ids:
        # The current answers go; their revisions stay, the last one saying they went.
        session.execute(
            delete(_ANSWERS).where(
                _ANSWERS.c.assessment_id == assessment.id,
                col(_ANSWERS.c.question_id).in_(dropped_ids),
            )
        )
    for qid, old, new in revisions:
        session.add(
            AnswerRevision(
                assessment_id=assessment.id or 0,
                question_id=qid,
                old_value_json=canonical_json(old),
                new_value_json=canonical_json(new),
                kind=UPGRADE_KIND,
                actor_id=actor.id or 0,
                created_at=now,
            )
        )
    result = session.execute(
        update(_ASSESSMENTS)
        .where(
            _ASSESSMENTS.c.id == assessment.id,
            _ASSESSMENTS.c.questionnaire_version_id == plan.source.id,
        )
        .values(
            questionnaire_version_id=plan.target.id,
            version=_ASSESSMENTS.c.version + 1,
            updated_at=now,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone else moved this assessment in the meantime. Reload the page."))
    session.refresh(assessment)
    note_version_hash(session, plan.target.id or 0, plan.target.sha256)
    record_event(
        session,
        action="assessment.questionnaire_moved",
        actor_id=actor.id,
        object_type="assessment",
        object_id=assessment.reference,
        assessment_id=assessment.id,
        details={
            "questionnaire": plan.target.key,
            "from_version": plan.source.version,
            "from_sha256": plan.source.sha256,
            "to_version": plan.target.version,
            "to_sha256": plan.target.sha256,
            "carried": sorted(plan.carried),
            "not_carried": {lost.question_id: lost.reason for lost in plan.lost},
        },
    )
    session.flush()
    return plan
