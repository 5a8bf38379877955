"""What the guided form shows of its questions: items with their values, errors, conflicts,
history and comments; the section steps; conflicts in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, func, select

from app.assessments.answering import AnswerConflict, StoredAnswer
from app.assessments.feedback import comments_by_question
from app.assessments.models import AnswerRevision, Assessment
from app.assessments.presenters import answer_text
from app.errors import NotFound
from app.i18n import _, get_locale
from app.questionnaires import engine
from app.questionnaires.schema import SCALE_POINTS, Question, Questionnaire, QuestionType, Section


@dataclass
class Item:
    """What the template needs to show one question."""

    q: Question
    value: Any
    version: int
    visible: bool
    error: str | None = None
    conflict: dict[str, Any] | None = None
    has_history: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first_input_id(self) -> str:
        """The id of the question's first field, for links from an error summary."""
        if self.q.type == QuestionType.table and self.q.columns:
            return f"a-{self.q.id}-0-{self.q.columns[0].id}"
        if self.q.type == QuestionType.multi_choice and self.q.options:
            return f"a-{self.q.id}-{self.q.options[0].id}"
        if self.q.type in (
            QuestionType.single_choice,
            QuestionType.yes_no_unknown,
            QuestionType.scale,
        ):
            return f"a-{self.q.id}-{self.choices[0][0]}"
        return f"a-{self.q.id}"

    @property
    def choices(self) -> list[tuple[str, str]]:
        locale = get_locale()
        if self.q.type == QuestionType.scale:
            low, high = self.q.scale_labels or (None, None)
            out = []
            for point in SCALE_POINTS:
                text = point
                if point == "1" and low:
                    text = f"1 – {low.get(locale)}"
                if point == "5" and high:
                    text = f"5 – {high.get(locale)}"
                out.append((point, text))
            return out
        if self.q.type == QuestionType.yes_no_unknown:
            return [(k, engine.option_label(self.q, k, locale)) for k in ("yes", "no", "unknown")]
        return [(o.id, o.label.get(locale)) for o in self.q.options or []]


def find_section(q: Questionnaire, section_id: str) -> Section:
    for section in q.sections:
        if section.id == section_id:
            return section
    raise NotFound(_("This section does not exist."))


def section_steps(q: Questionnaire, completeness: engine.Completeness) -> list[dict[str, Any]]:
    locale = get_locale()
    by_id = {p.section_id: p for p in completeness.sections}
    return [
        {
            "id": s.id,
            "title": s.title.get(locale),
            "complete": by_id[s.id].complete,
            "required": by_id[s.id].required,
            "missing": len(by_id[s.id].missing),
        }
        for s in q.sections
    ]


def history_ids(session: Session, assessment: Assessment) -> set[str]:
    rows = session.exec(
        select(AnswerRevision.question_id, func.count())
        .where(AnswerRevision.assessment_id == assessment.id)
        .group_by(AnswerRevision.question_id)
    ).all()
    return {qid for qid, count in rows if count > 1}


def build_items(
    session: Session,
    assessment: Assessment,
    q: Questionnaire,
    questions: list[Question],
    stored: dict[str, StoredAnswer],
    answers: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflicts: dict[str, dict[str, Any]] | None = None,
    overrides: dict[str, Any] | None = None,
    with_meta: bool = True,
    visible: set[str] | None = None,
) -> list[Item]:
    if visible is None:
        visible = {qq.id for qq in engine.visible_questions(q, answers)}
    # History links and committee comments belong to whole question blocks; an autosave that
    # only answers with a status line does not need them.
    history = history_ids(session, assessment) if with_meta else set()
    comments = comments_by_question(session, assessment) if with_meta else {}
    items = []
    for question in questions:
        current = stored.get(question.id)
        value = (overrides or {}).get(question.id, current.value if current else None)
        items.append(
            Item(
                q=question,
                value=value,
                version=current.version if current else 0,
                visible=question.id in visible,
                error=(errors or {}).get(question.id),
                conflict=(conflicts or {}).get(question.id),
                has_history=question.id in history,
                comments=comments.get(question.id, []),
            )
        )
    return items


def conflict_views(q: Questionnaire, exc: AnswerConflict) -> dict[str, dict[str, Any]]:
    by_id = engine.question_by_id(q)
    out = {}
    for c in exc.extra.get("conflicts", [exc.extra]):
        question = by_id.get(c.get("question_id", ""))
        if question is None:
            continue
        out[question.id] = {
            "message": _("Changed by %(name)s in the meantime.", name=c.get("changed_by") or "?"),
            "current_text": answer_text(question, c.get("current_value"), get_locale()),
        }
    return out
