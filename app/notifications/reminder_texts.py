"""The words of reminders (recorded by app.reminders): a notification kind each, in the app
and by e-mail. Dates are kept as ISO dates in the parameters and written out in the reader's
language when shown (`service.render_notification`)."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, LazyString, gettext, use_locale

CONDITION_DUE = "condition_due"
CONDITION_OVERDUE = "condition_overdue"
REASSESSMENT_DUE = "reassessment_due"

REMINDER_KINDS: dict[str, tuple[LazyString, LazyString]] = {
    # params: ref, title, number, condition (its text), owner, due_on (ISO date)
    CONDITION_DUE: (
        N_("Reminder: condition %(number)s of %(ref)s is due on %(due_on)s"),
        N_(
            "Condition %(number)s of the advice on %(ref)s, %(title)s, is due on %(due_on)s. "
            "Its owner is %(owner)s. The condition: %(condition)s"
        ),
    ),
    CONDITION_OVERDUE: (
        N_("Overdue: condition %(number)s of %(ref)s"),
        N_(
            "Condition %(number)s of the advice on %(ref)s, %(title)s, was due on %(due_on)s "
            "and has not been reported done. Its owner is %(owner)s. The condition: "
            "%(condition)s"
        ),
    ),
    # params: ref, title, reassess_on (ISO date)
    REASSESSMENT_DUE: (
        N_("Re-assessment of %(ref)s due on %(reassess_on)s"),
        N_(
            "The committee's advice on %(ref)s, %(title)s, asks for a re-assessment by "
            "%(reassess_on)s. The lead can start it from the assessment's page."
        ),
    ),
}

# Where each reminder takes its reader (the follow-up page is app.pages' concern).
REMINDER_PAGES = {
    CONDITION_DUE: "/assessments/{id}/follow-up",
    CONDITION_OVERDUE: "/assessments/{id}/follow-up",
    REASSESSMENT_DUE: "/assessments/{id}",
}

# Parameters that hold a date, written out in the reader's language.
DATE_PARAMS = frozenset({"due_on", "reassess_on"})


def link_footer(link: str, locale: str) -> str:
    with use_locale(locale):
        return gettext("Open it in Datawaarden: %(link)s", link=link)


def contact_footer(params: dict[str, Any], locale: str) -> str:
    """For an owner named by a contact address, who has no account to follow a link with."""
    with use_locale(locale):
        return gettext(
            "You receive this because you are named as the owner of this condition. Please "
            "tell %(lead)s (%(lead_email)s) when it is done, and how.",
            lead=params.get("lead", ""),
            lead_email=params.get("lead_email", ""),
        )


def automatic_note(locale: str) -> str:
    with use_locale(locale):
        return gettext(
            "This is an automatic reminder from Datawaarden; it is sent once for this date."
        )
