"""The committee reads the reactions, tags them with themes and decides for each whether it is
shown publicly, as the committee's own anonymous summary, or not."""

from __future__ import annotations

import json
from collections.abc import Set

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.assessments.models import Assessment, State
from app.audit.service import record_event
from app.consultations.models import Consultation, ConsultationReaction, Moderation
from app.consultations.service import ensure_capacity, get_consultation_or_404
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import _
from app.text import tidy
from app.timeutil import utcnow
from app.users.models import Role, User

TAG_MAX = 40
TAGS_MAX = 5
PUBLIC_SUMMARY_MAX = 1000
# After signing the report holds the consultation as it was; it no longer changes.
FROZEN_STATES = frozenset({State.signed, State.archived, State.withdrawn})


def tags_of(reaction: ConsultationReaction) -> list[str]:
    return list(json.loads(reaction.tags_json or "[]"))


def parse_tags(text: str) -> list[str]:
    """Themes from a comma-separated list: trimmed, lower case, each once, in the given order."""
    fields: dict[str, str] = {}
    tags: list[str] = []
    for part in tidy(text or "").replace("\n", ",").split(","):
        tag = " ".join(part.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > TAG_MAX:
            fields["tags"] = _("A theme has at most %(max)s characters.", max=TAG_MAX)
        tags.append(tag)
    if len(tags) > TAGS_MAX:
        fields["tags"] = _("Give at most %(max)s themes.", max=TAGS_MAX)
    if fields:
        raise InvalidInput(_("The themes have a problem. Nothing was saved."), fields=fields)
    return tags


def reactions_of(session: Session, consultation: Consultation) -> list[ConsultationReaction]:
    return list(
        session.exec(
            select(ConsultationReaction)
            .where(ConsultationReaction.consultation_id == consultation.id)
            .order_by(col(ConsultationReaction.id))
        ).all()
    )


def _mentions(summary: str, reaction: ConsultationReaction) -> str | None:
    """The respondent's name or address where the public summary repeats it."""
    lowered = summary.lower()
    for personal in (reaction.email, reaction.name):
        if personal and len(personal) >= 3 and personal.lower() in lowered:
            return personal
    return None


def moderate(
    session: Session,
    *,
    assessment: Assessment,
    reaction_id: int,
    actor: User,
    roles: Set[Role],
    decision: str,
    tags: str,
    public_summary: str,
    version: int | None = None,
) -> ConsultationReaction:
    """Tag a reaction and decide whether the committee's anonymous summary of it is public."""
    ensure_capacity(session, actor, roles, assessment, need="manage")
    if assessment.state in FROZEN_STATES:
        raise Conflict(_("The advice is signed; the consultation can no longer change."))
    consultation = get_consultation_or_404(session, assessment)
    reaction = session.get(ConsultationReaction, reaction_id)
    if reaction is None or reaction.consultation_id != consultation.id:
        raise NotFound(_("This reaction does not exist."))
    fields: dict[str, str] = {}
    try:
        chosen = Moderation(decision)
    except ValueError:
        fields["decision"] = _("Choose whether the summary is published.")
        chosen = Moderation.new
    try:
        clean_tags = parse_tags(tags)
    except InvalidInput as exc:
        fields.update(exc.fields)
        clean_tags = []
    summary = tidy(public_summary or "")
    if len(summary) > PUBLIC_SUMMARY_MAX:
        fields["public_summary"] = _(
            "Use at most %(max)s characters (now %(n)s).", max=PUBLIC_SUMMARY_MAX, n=len(summary)
        )
    elif chosen == Moderation.published and not summary:
        fields["public_summary"] = _("Write the summary that will be published.")
    elif chosen == Moderation.published and _mentions(summary, reaction):
        fields["public_summary"] = _(
            "The summary names the respondent. A published summary is anonymous."
        )
    if fields:
        raise InvalidInput(_("The reaction has some problems. Nothing was saved."), fields=fields)
    expected = reaction.version if version is None else version
    result = session.execute(
        update(ConsultationReaction)
        .where(
            col(ConsultationReaction.id) == reaction.id,
            col(ConsultationReaction.version) == expected,
        )
        .values(
            moderation=chosen.value,
            tags_json=json.dumps(clean_tags, ensure_ascii=False),
            public_summary=summary,
            moderated_by_id=actor.id,
            moderated_at=utcnow(),
            version=expected + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _("Someone else changed this reaction in the meantime. Reload the page and try again.")
        )
    session.refresh(reaction)
    record_event(
        session,
        action="consultation.reaction_moderated",
        actor_id=actor.id,
        object_type="consultation_reaction",
        object_id=reaction.id or "",
        assessment_id=assessment.id,
        details={"decision": chosen.value, "tags": clean_tags},
    )
    return reaction
