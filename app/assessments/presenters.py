"""Turn engine results into what people read: labels in a language, levels with words.
Pages, htmx fragments and the PDF all use these, so they always say the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.formatting import decimal
from app.i18n import N_, LazyString, use_locale
from app.questionnaires import engine
from app.questionnaires.schema import Question, Questionnaire, QuestionType, Severity

LEVEL_LABELS: dict[str, LazyString] = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
}
NOT_YET_KNOWN = N_("Not yet known")
SEVERITY_LABELS: dict[str, LazyString] = {
    Severity.stop: N_("Stop"),
    Severity.required: N_("Required"),
    Severity.recommended: N_("Recommended"),
    Severity.advice: N_("Advice"),
}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def format_points(points: float) -> str:
    """Points as the reader writes them: "12", or "4,5" in Dutch."""
    return decimal(points)


def answer_text(question: Question, value: Any, locale: str) -> str:
    """An answer as text for reading (review page, history, PDF)."""
    if value is None or value == "" or value == []:
        return ""
    kind = question.type
    if kind in (QuestionType.single_choice, QuestionType.yes_no_unknown):
        return engine.option_label(question, str(value), locale)
    if kind == QuestionType.multi_choice and isinstance(value, list):
        return "; ".join(engine.option_label(question, str(v), locale) for v in value)
    if kind == QuestionType.scale:
        return f"{value} / 5"
    if kind == QuestionType.number:
        unit = f" {question.unit.get(locale)}" if question.unit else ""
        return f"{value}{unit}"
    if kind == QuestionType.table and isinstance(value, list):
        labels, rows = answer_table(question, value, locale)
        return "\n".join(
            ", ".join(
                f"{label}: {cell}"
                for label, cell in zip(labels, row, strict=True)
                if cell is not None
            )
            for row in rows
        )
    return str(value)


def answer_table(
    question: Question, value: Any, locale: str
) -> tuple[list[str], list[list[str | None]]]:
    """A table answer as column labels and rows of cells (None where a cell is empty), so that
    it can be shown as a table; `answer_text` joins the same cells into lines."""
    columns = question.columns or []
    rows: list[list[str | None]] = []
    for row in value if isinstance(value, list) else []:
        cells: list[str | None] = []
        for column in columns:
            cell = row.get(column.id)
            if cell is not None and column.type.value in ("yes_no_unknown", "single_choice"):
                cell = _column_option(column, str(cell), locale)
            cells.append(None if cell is None else str(cell))
        rows.append(cells)
    return [str(column.label.get(locale)) for column in columns], rows


def _column_option(column: Any, option_id: str, locale: str) -> str:
    for option in column.options or []:
        if option.id == option_id:
            return str(option.label.get(locale))
    from app.i18n import _

    with use_locale(locale):
        return {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}.get(option_id, option_id)


@dataclass(frozen=True)
class DriverView:
    label: str
    answer: str
    points: str
    anchor: str | None


def _drivers(q: Questionnaire, drivers: tuple[engine.Driver, ...], locale: str) -> list[DriverView]:
    by_id = engine.question_by_id(q)
    rules = {r.id: r for r in q.rules}
    out = []
    for d in drivers:
        if d.kind == "rule":
            rule = rules[d.source_id]
            text = rule.reason.get(locale) if rule.reason else d.source_id
            out.append(DriverView(text, "", format_points(d.points), None))
            continue
        question = by_id[d.source_id]
        answer = engine.option_label(question, d.option_id or "", locale) if d.option_id else ""
        out.append(
            DriverView(question.label.get(locale), answer, format_points(d.points), question.id)
        )
    return out


def support_view(q: Questionnaire, ds: engine.DecisionSupport, locale: str) -> dict[str, Any]:
    """Everything the decision-support panel, the review page and the report show."""
    labels = {v.id: v.label.get(locale) for v in q.values}
    rules = {r.id: r for r in q.rules}
    values = []
    for v in ds.score.values:
        values.append(
            {
                "id": v.value_id,
                "label": labels[v.value_id],
                "level": v.level,
                "level_label": level_label(v.level),
                "inherent_level": v.inherent_level,
                "inherent_level_label": level_label(v.inherent_level),
                "max": format_points(v.max_points),
                "inherent": format_points(v.inherent),
                "mitigation": format_points(v.mitigation),
                "residual": format_points(v.residual),
                "inherent_pct": v.inherent_percent,
                "residual_pct": v.residual_percent,
                "drivers": _drivers(q, v.drivers, locale),
                "measures": _drivers(q, v.measures, locale),
                "floors": [
                    {
                        "level_label": level_label(f.level),
                        "reason": reason.get(locale)
                        if (reason := rules[f.rule_id].reason)
                        else f.rule_id,
                    }
                    for f in v.floors
                ],
            }
        )
    obligations = [
        {
            "id": o.id,
            "title": o.obligation.title.get(locale),
            "description": o.obligation.description.get(locale),
            "reason": o.obligation.reason.get(locale),
            "severity": o.severity.value,
            "severity_label": str(SEVERITY_LABELS[o.severity]),
            "legal_basis": o.obligation.legal_basis,
            "category": o.obligation.register_category,
        }
        for o in ds.obligations
    ]
    # Before the first answer there is nothing to judge: "low" would read as a verdict.
    started = any(s.answered for s in ds.completeness.sections)
    return {
        "overall": ds.score.overall,
        "overall_label": level_label(ds.score.overall) if started else str(NOT_YET_KNOWN),
        "started": started,
        "values": values,
        "obligations": obligations,
        "stopped": ds.stopped,
        "percent_complete": ds.completeness.percent,
    }


def support_view_from_snapshot(
    q: Questionnaire, snapshot: dict[str, Any], locale: str
) -> dict[str, Any]:
    """The same view for a frozen submission: recomputed from the frozen answers with the pinned
    questionnaire version (the engine is deterministic, so it equals the stored scores)."""
    ds = engine.decision_support(q, snapshot["answers"])
    return support_view(q, ds, locale)
