"""The decision support as the API gives it: everything the panel shows, in the caller's
language, built from the same presenter as the panel and the report."""

from __future__ import annotations

from typing import Any

from app.assessments.presenters import support_view
from app.questionnaires import engine
from app.questionnaires.schema import Questionnaire


def _driver(d: Any) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "source": d.source_id,
        "option": d.option_id,
        "points": d.value,
        "label": d.label,
        "answer": d.answer,
        "assumed": d.assumed,
    }


def decision_support_out(
    q: Questionnaire, ds: engine.DecisionSupport, locale: str
) -> dict[str, Any]:
    view = support_view(q, ds, locale)
    values = []
    for v, shown in zip(ds.score.values, view["values"], strict=True):
        values.append(
            {
                "value": v.value_id,
                "label": shown["label"],
                "max_points": v.max_points,
                "inherent_points": v.inherent,
                "mitigation_points": v.mitigation,
                "residual_points": v.residual,
                "inherent_percent": v.inherent_percent,
                "residual_percent": v.residual_percent,
                "level": v.level,
                "level_label": shown["level_label"],
                "inherent_level": v.inherent_level,
                "drivers": [_driver(d) for d in shown["drivers"]],
                "measures": [_driver(d) for d in shown["measures"]],
                "floors": [
                    {"rule": f.rule_id, "level": f.level, "reason": text["reason"]}
                    for f, text in zip(v.floors, shown["floors"], strict=True)
                ],
            }
        )
    return {
        "overall_level": ds.score.overall,
        "overall_label": view["overall_label"],
        "stopped": ds.stopped,
        "values": values,
        "obligations": [
            {
                "id": o["id"],
                "severity": o["severity"],
                "severity_label": o["severity_label"],
                "title": o["title"],
                "description": o["description"],
                "reason": o["reason"],
                "because": [
                    {"rule": b["rule_id"], "text": b["text"], "answers": b["answers"]}
                    for b in o["because"]
                ],
                "register_category": o["category"],
                "legal_basis": o["legal_basis"],
                "question_id": o["question_id"],
                "would_bring": o["would_bring"],
            }
            for o in view["obligations"]
        ],
        "register_category": ds.register_category,
        "assumptions": dict(ds.assumptions),
        "complete": ds.completeness.complete,
        "percent_complete": ds.completeness.percent,
        "missing": ds.completeness.missing,
        "hidden_answers": sorted(ds.hidden),
    }
