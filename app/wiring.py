"""Where packages that may not import each other are connected, once: a lower package
publishes events or asks a provider, a higher one subscribes or provides here. Imported by
app.models, which every process imports before its first query."""

from __future__ import annotations

from app.assessments import events, feedback
from app.assessments.reading import uses_version
from app.attachments import snapshot as _attachments  # noqa: F401  (provides to the snapshot)
from app.audit.labels import action_label
from app.consultations.outcome import mail_the_final_advice
from app.followup.service import start_following_up
from app.jinja import environment
from app.notifications.lifecycle import tell_the_committee_of_a_submission, tell_the_new_coauthor
from app.questionnaires import registry
from app.reviews import feedback as committee_feedback

events.subscribe(tell_the_committee_of_a_submission)
events.subscribe(tell_the_new_coauthor, to=events.CoauthorAdded)
events.subscribe(start_following_up)
events.subscribe(mail_the_final_advice)
feedback.provide(committee_feedback.comments_by_question)
feedback.provide_verdicts(committee_feedback.verdicts_by_section)
feedback.provide_advice(committee_feedback.final_advice)
registry.used_by(uses_version)
environment.globals["action_label"] = action_label  # the audit pages say actions in words
