"""What each audit action means, in words (pages show these; the code stays in the record and
is shown beside it for whoever searches the log)."""

from __future__ import annotations

from app.i18n import N_, LazyString

ACTION_LABELS: dict[str, LazyString] = {
    "answer.saved": N_("Answer saved"),
    "answer.restored": N_("Earlier answer restored"),
    "attachment.added": N_("File attached"),
    "attachment.removed": N_("Attached file removed"),
    "attachment.downloaded": N_("Attached file downloaded"),
    "assessment.created": N_("Assessment started"),
    "assessment.questionnaire_moved": N_("Moved to a newer questionnaire version"),
    "assessment.reassessment_started": N_("Re-assessment started"),
    "assessment.coauthor_added": N_("Co-author added"),
    "assessment.coauthor_removed": N_("Co-author removed"),
    "assessment.submit": N_("Submitted to the committee"),
    "assessment.withdraw": N_("Submission withdrawn"),
    "assessment.reopen": N_("Reopened for changes"),
    "assessment.start_review": N_("Review started"),
    "assessment.request_changes": N_("Changes requested"),
    "assessment.resubmit": N_("Submitted again"),
    "assessment.draft_advice": N_("Advice drafted"),
    "assessment.revise_advice": N_("Advice sent back for revision"),
    "assessment.sign": N_("Advice signed"),
    "assessment.archive": N_("Archived"),
    "review.comment_added": N_("Comment added"),
    "review.comment_resolved": N_("Comment resolved"),
    "review.verdict_set": N_("Section verdict given"),
    "review.rapporteur_claimed": N_("Rapporteur assigned"),
    "review.conflict_declared": N_("Conflict of interest declared"),
    "advice.saved": N_("Advice saved"),
    "advice.opinion": N_("Opinion given"),
    "advice.new_round": N_("New advice round"),
    "advice.finalised": N_("Advice finalised"),
    "condition.start": N_("Work on a condition started"),
    "condition.report": N_("Condition reported done"),
    "condition.accept": N_("Condition accepted"),
    "condition.reopen": N_("Condition reopened"),
    "condition.waive": N_("Condition waived"),
    "report.signed": N_("Report signed"),
    "report.cosigned": N_("Report co-signed"),
    "report.timestamped": N_("Report timestamp renewed"),
    "report.public_edition": N_("Public edition made"),
    "report.public_timestamped": N_("Public edition timestamp renewed"),
    "report.downloaded": N_("Report downloaded"),
    "archive.snapshot_downloaded": N_("Snapshot downloaded"),
    "register.published": N_("Published in the register"),
    "export.assessment": N_("Assessment exported"),
    "export.algorithm_register": N_("Algorithm register entry exported"),
    "export.register": N_("Register exported"),
    "auth.login": N_("Signed in"),
    "auth.logout": N_("Signed out"),
    "auth.step_up": N_("Identity confirmed again"),
    "auth.sso_refused": N_("Single sign-on refused"),
    "user.created": N_("Account created"),
    "user.password_set": N_("Password set"),
    "user.roles_changed": N_("Roles changed"),
    "user.deactivated": N_("Account deactivated"),
    "user.access_revoked": N_("Access revoked"),
    "user.sso_linked": N_("Single sign-on linked"),
    "token.created": N_("API token created"),
    "token.revoked": N_("API token revoked"),
}


def action_label(action: str) -> str:
    """The action in words, or its code when it has no label (a newer or older code)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
