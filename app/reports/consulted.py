"""A consultation of residents as a signed advice document holds it (the block
app.consultations.outcome.account made, sealed by app.reports.sealed.advice_document), with the
committee's response (the advice's rationale under WEIGHING_KEY), shaped for reading: values by
their labels, counts as numbers. The report's PDF and the public register show it from the
signed document. It holds no respondent's name, address or words."""

from __future__ import annotations

from typing import Any

from app.consultations.outcome import WEIGHING_KEY


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def consultation_view(advice: dict[str, Any], values: dict[str, str]) -> dict[str, Any] | None:
    """The consultation block of a signed advice document for the register (None when the
    document has none), the values by their labels (`values`: id → label)."""
    block = advice.get("consultation")
    if not isinstance(block, dict):
        return None
    rationale = advice.get("rationale")
    response = rationale.get(WEIGHING_KEY) if isinstance(rationale, dict) else None
    counted = block.get("by_value")
    by_value: dict[str, Any] = counted if isinstance(counted, dict) else {}
    order = list(values)
    themes = [t for t in block.get("themes") or [] if isinstance(t, list) and len(t) == 2]
    summaries = [s for s in block.get("summaries") or [] if isinstance(s, dict)]
    return {
        "starts_on": str(block.get("starts_on") or ""),
        "ends_on": str(block.get("ends_on") or ""),
        "reactions": _count(block.get("reactions")),
        "by_value": [
            {"value": values.get(str(k), str(k)), "reactions": _count(n)}
            for k, n in sorted(
                by_value.items(),
                key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]),
            )
        ],
        "themes": [{"theme": str(t), "reactions": _count(n)} for t, n in themes],
        "summaries": [
            {
                "value": values.get(str(s.get("value")), str(s.get("value")))
                if s.get("value")
                else None,
                "text": str(s.get("text") or ""),
            }
            for s in summaries
        ],
        "response": str(response or ""),
    }
