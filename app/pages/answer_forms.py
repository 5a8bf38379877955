"""Reading answers from HTML forms. Field names: `a-<question>` for the value (repeated for
multiple choice), `v-<question>` for the answer version the user saw, `present-<question>` so an
unchecked set of boxes still counts, and `a-<question>-<row>-<column>` for table cells."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.questionnaires.schema import Question, QuestionType

MAX_TABLE_ROWS_IN_FORM = 500


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def read_question(question: Question, form: FormData) -> tuple[bool, Any]:
    """(present, raw value) of one question in a posted form."""
    name = f"a-{question.id}"
    if question.type == QuestionType.multi_choice:
        present = f"present-{question.id}" in form or name in form
        return present, [v for v in form.getlist(name) if isinstance(v, str)]
    if question.type == QuestionType.table:
        if f"rows-{question.id}" not in form:
            return False, None
        count = min(_int(form.get(f"rows-{question.id}")), MAX_TABLE_ROWS_IN_FORM)
        rows = []
        for index in range(count):
            row = {}
            for column in question.columns or []:
                value = form.get(f"{name}-{index}-{column.id}")
                if isinstance(value, str) and value.strip():
                    row[column.id] = value
            rows.append(row)
        return True, rows
    if name not in form:
        return False, None
    value = form.get(name)
    return True, value if isinstance(value, str) else None


def read_section(
    questions: list[Question], form: FormData
) -> tuple[dict[str, Any], dict[str, int], frozenset[str]]:
    """Raw values, the versions they were based on, and the questions to overwrite."""
    values: dict[str, Any] = {}
    versions: dict[str, int] = {}
    for question in questions:
        present, raw = read_question(question, form)
        if present:
            values[question.id] = raw
            versions[question.id] = _int(form.get(f"v-{question.id}"))
    force = frozenset(v for v in form.getlist("overwrite") if isinstance(v, str))
    return values, versions, force
