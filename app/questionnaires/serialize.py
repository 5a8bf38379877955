"""Decision support as plain data: for snapshots, the JSON API and the PDF. Language-neutral:
ids and numbers; labels are looked up in the questionnaire when shown."""

from __future__ import annotations

from typing import Any

from app.questionnaires.engine import DecisionSupport, Driver, ValueScore


def _driver(d: Driver) -> dict[str, Any]:
    return {"kind": d.kind, "source": d.source_id, "option": d.option_id, "points": d.points}


def value_score_to_dict(v: ValueScore) -> dict[str, Any]:
    return {
        "value": v.value_id,
        "max_points": v.max_points,
        "inherent_points": v.inherent,
        "mitigation_points": v.mitigation,
        "residual_points": v.residual,
        "inherent_percent": v.inherent_percent,
        "residual_percent": v.residual_percent,
        "level": v.level,
        "inherent_level": v.inherent_level,
        "drivers": [_driver(d) for d in v.drivers],
        "measures": [_driver(d) for d in v.measures],
        "floors": [{"rule": f.rule_id, "level": f.level} for f in v.floors],
    }


def decision_support_to_dict(ds: DecisionSupport) -> dict[str, Any]:
    """Scores, obligations and completeness as JSON-ready data."""
    return {
        "overall_level": ds.score.overall,
        "values": [value_score_to_dict(v) for v in ds.score.values],
        "obligations": [
            {
                "id": o.id,
                "severity": o.severity.value,
                "register_category": o.obligation.register_category,
                "legal_basis": o.obligation.legal_basis,
            }
            for o in ds.obligations
        ],
        "register_category": ds.register_category,
        "complete": ds.completeness.complete,
        "missing": ds.completeness.missing,
        "hidden_answers": sorted(ds.hidden),
    }
