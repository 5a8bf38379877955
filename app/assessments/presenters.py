"""Turn engine results into what people read: labels in a language, levels with words.
Pages, htmx fragments and the PDF all use these, so they always say the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.formatting import decimal
from app.i18n import N_, LazyString, _, use_locale
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
    Severity.clarify: N_("Find out"),
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
        shown = decimal(value, locale) if isinstance(value, int | float) else str(value)
        return f"{shown}{unit}"
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
    kind: str = "answer"
    source_id: str = ""
    option_id: str | None = None
    value: float = 0.0
    assumed: bool = False


def _drivers(q: Questionnaire, drivers: tuple[engine.Driver, ...], locale: str) -> list[DriverView]:
    by_id = engine.question_by_id(q)
    rules = {r.id: r for r in q.rules}
    out = []
    for d in drivers:
        if d.kind == "rule":
            rule = rules[d.source_id]
            text = rule.reason.get(locale) if rule.reason else d.source_id
            out.append(
                DriverView(
                    text, "", format_points(d.points), None, "rule", d.source_id, None, d.points
                )
            )
            continue
        question = by_id[d.source_id]
        answer = engine.option_label(question, d.option_id or "", locale) if d.option_id else ""
        if d.assumed:
            answer = _("%(answer)s (assumed until the answer is known)", answer=answer)
        out.append(
            DriverView(
                question.label.get(locale),
                answer,
                format_points(d.points),
                question.id,
                d.kind,
                d.source_id,
                d.option_id,
                d.points,
                d.assumed,
            )
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
    obligations = [obligation_view(q, o, locale) for o in ds.obligations]
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
        "register_category": ds.register_category,
        "clarifications": len(ds.clarifications),
    }


def obligation_view(q: Questionnaire, o: engine.ObligationResult, locale: str) -> dict[str, Any]:
    """One obligation as the panel, the report and the API show it: what to do, why in general,
    and the answers and rules behind it in this assessment."""
    return {
        "id": o.id,
        "title": o.obligation.title.get(locale),
        "description": o.obligation.description.get(locale),
        "reason": clarify_reason(q, o, locale)
        if o.question_id
        else o.obligation.reason.get(locale),
        "severity": o.severity.value,
        "severity_label": str(SEVERITY_LABELS[o.severity]),
        "legal_basis": o.obligation.legal_basis,
        "category": o.obligation.register_category,
        "because": because(q, o, locale),
        "question_id": o.question_id,
        "would_bring": [
            {"id": oid, "title": by_id.title.get(locale)}
            for oid in o.would_bring
            if (by_id := _obligation(q, oid)) is not None
        ],
    }


def _obligation(q: Questionnaire, oid: str) -> Any:
    return next((o for o in q.obligations if o.id == oid), None)


def clarify_reason(q: Questionnaire, o: engine.ObligationResult, locale: str) -> str:
    """Why an unknown answer must be found out: what a known answer would bring."""
    question = engine.question_by_id(q)[o.question_id or ""]
    titles = [t.title.get(locale) for oid in o.would_bring if (t := _obligation(q, oid))]
    with use_locale(locale):
        return _(
            "You answered “%(unknown)s” to “%(question)s”. With “%(answer)s” this would follow: "
            "%(obligations)s. Until it is known, the levels assume “%(answer)s”; the assessment "
            "cannot be submitted before the answer is found out.",
            unknown=_unknown_label(question, locale),
            question=question.label.get(locale),
            answer=engine.option_label(question, o.assumed or "", locale),
            obligations="; ".join(titles),
        )


def _unknown_label(question: Question, locale: str) -> str:
    for option in question.options or []:
        if option.unknown:
            return option.label.get(locale)
    return engine.option_label(question, "unknown", locale)


def because(q: Questionnaire, o: engine.ObligationResult, locale: str) -> list[dict[str, Any]]:
    """The rules that fired for an obligation (their reasons) and the answers behind each."""
    from app.questionnaires.explain import reasons

    rules = {r.id: r for r in q.rules}
    by_id = engine.question_by_id(q)
    lines = []
    for rule_id, answers in reasons(o.facts, rules):
        reason = rules[rule_id].reason if rule_id else None
        lines.append(
            {
                "rule_id": rule_id,
                "text": reason.get(locale) if reason else None,
                "answers": [
                    {
                        "question_id": a.question_id,
                        "question": by_id[a.question_id].label.get(locale),
                        "answer": _fact_answer(by_id[a.question_id], a.values, locale),
                    }
                    for a in answers
                    if a.question_id in by_id
                ],
            }
        )
    return lines


def _fact_answer(question: Question, values: tuple[str, ...], locale: str) -> str:
    if question.type in (
        QuestionType.single_choice,
        QuestionType.multi_choice,
        QuestionType.yes_no_unknown,
    ):
        return "; ".join(engine.option_label(question, v, locale) for v in values)
    return answer_text(question, _typed(question, values), locale)


def _typed(question: Question, values: tuple[str, ...]) -> Any:
    if not values:
        return ""
    if question.type == QuestionType.number:
        number = float(values[0])
        return int(number) if number.is_integer() else number
    return values[0]


def support_view_from_snapshot(
    q: Questionnaire, snapshot: dict[str, Any], locale: str
) -> dict[str, Any]:
    """The same view for a frozen submission: recomputed from the frozen answers with the pinned
    questionnaire version (the engine is deterministic, so it equals the stored scores)."""
    ds = engine.decision_support(q, snapshot["answers"])
    return support_view(q, ds, locale)
