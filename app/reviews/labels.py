"""What the committee's values are called, in every language: one place for pages, the PDF,
the API and the exports."""

from __future__ import annotations

from app.i18n import N_
from app.reviews.models import Outcome, Stance, Verdict

VERDICT_LABELS = {
    Verdict.acceptable: N_("Acceptable"),
    Verdict.needs_improvement: N_("Needs improvement"),
    Verdict.to_correct: N_("To correct"),
}
OUTCOME_LABELS = {
    Outcome.positive: N_("Positive"),
    Outcome.conditional: N_("Positive with conditions"),
    Outcome.negative: N_("Negative"),
}
STANCE_LABELS = {
    Stance.agree: N_("Agree"),
    Stance.disagree: N_("Disagree"),
    Stance.abstain: N_("Abstain"),
}
