"""A resident reacts, without an account. The protection against abuse needs no outside
service and no JavaScript:

* a honeypot: a field people do not see (hidden, labelled "leave empty"); a filled one is taken
  for a robot, answered as if it worked, and nothing is stored;
* limits on length and on web addresses (more than LINKS_MAX is refused: link spam);
* a rate limit per client address (CONSULTATION_REACTIONS_PER_HOUR), counted in the database
  (app.users.ratelimit) under a keyed hash of the address, so no address is stored;
* nothing a resident writes is ever shown as a link or as markup (templates escape it, and the
  public pages show only the committee's own anonymous summaries).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.assessments import reading
from app.assessments.models import Assessment
from app.audit.service import record_event
from app.config import Settings
from app.consultations.models import Consultation, ConsultationReaction
from app.consultations.service import Phase, phase_of
from app.errors import Conflict, InvalidInput, TooManyRequests
from app.formatting import decimal
from app.i18n import _, ngettext
from app.text import has_surrogates, is_email_address, tidy
from app.users import ratelimit
from app.users.service import normalise_email

BODY_MAX = 2000
NAME_MAX = 100
EMAIL_MAX = 254
LINKS_MAX = 2
WINDOW_SECONDS = 3600
# The consultation's keys in the shared rate-limit table (app.users.ratelimit).
KEY_PREFIX = "consultation:"
# Web addresses as people and robots write them: with a scheme, with www., or a bare domain
# followed by a path ("example.com/x").
_LINK = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)", re.IGNORECASE
)


@dataclass(frozen=True)
class ReactionInput:
    """A reaction as the form gives it; `website` is the honeypot."""

    body: str
    value_id: str = ""
    name: str = ""
    email: str = ""
    website: str = ""


def count_links(text: str) -> int:
    return len(_LINK.findall(text))


def client_key(settings: Settings, address: str) -> str:
    """A keyed hash of the client's address: the rate limit counts it, nobody can read the
    address back from it, and it lives only as long as its window."""
    digest = hmac.new(
        settings.resolved_secret_key().encode(), f"consultation:{address}".encode(), hashlib.sha256
    )
    return KEY_PREFIX + digest.hexdigest()[:32]


def _clean(session: Session, assessment: Assessment, form: ReactionInput) -> dict[str, Any]:
    fields: dict[str, str] = {}
    for name in ("body", "name", "email", "value_id"):
        if has_surrogates(getattr(form, name) or ""):
            fields[name] = _("The text contains characters that are not valid.")
    body = tidy(form.body or "")
    if not body:
        fields["body"] = _("Write your reaction first.")
    elif len(body) > BODY_MAX:
        fields["body"] = _(
            "Your reaction is too long: at most %(max)s characters (now %(n)s).",
            max=decimal(BODY_MAX),
            n=decimal(len(body)),
        )
    elif count_links(body) > LINKS_MAX:
        fields["body"] = ngettext(
            "Your reaction contains too many web addresses: at most %(num)s.",
            "Your reaction contains too many web addresses: at most %(num)s.",
            LINKS_MAX,
        )
    name = tidy(form.name or "", single_line=True)
    if len(name) > NAME_MAX:
        fields["name"] = _("Use at most %(max)s characters (now %(n)s).", max=NAME_MAX, n=len(name))
    email = normalise_email(form.email or "")
    if email and (len(email) > EMAIL_MAX or not is_email_address(email)):
        fields["email"] = _("Enter a valid e-mail address, or leave it empty.")
    value_id = (form.value_id or "").strip()
    if value_id:
        _version, q = reading.questionnaire_of(session, assessment)
        if value_id not in {v.id for v in q.values}:
            fields["value_id"] = _("Choose one of the values given, or none.")
    if fields:
        raise InvalidInput(
            _("Your reaction has not been sent yet. Please check it."), fields=fields
        )
    return {
        "body": body,
        "name": name or None,
        "email": email or None,
        "value_id": value_id or None,
    }


def _count(session: Session, settings: Settings, address: str) -> None:
    verdict = ratelimit.hit(
        session.connection(),
        client_key(settings, address),
        limit=settings.consultation_reactions_per_hour,
        window_seconds=WINDOW_SECONDS,
    )
    if verdict.fresh:
        ratelimit.sweep(session.connection(), prefix=KEY_PREFIX, window_seconds=WINDOW_SECONDS)
    if verdict.wait:
        minutes = max(1, -(-verdict.wait // 60))
        raise TooManyRequests(
            ngettext(
                "Many reactions came from your address in a short time. Please try again in %(num)s minute.",
                "Many reactions came from your address in a short time. Please try again in %(num)s minutes.",
                minutes,
            ),
            headers={"Retry-After": str(verdict.wait)},
        )


def respond(
    session: Session,
    *,
    consultation: Consultation,
    assessment: Assessment,
    form: ReactionInput,
    address: str,
    settings: Settings,
    locale: str,
) -> ConsultationReaction | None:
    """Store a resident's reaction; None when the honeypot was filled (nothing is stored, and
    the caller answers as if it worked). A valid reaction counts against the address's limit,
    a refused one does not (a typo costs nothing)."""
    if phase_of(consultation) != Phase.open:
        raise Conflict(_("This consultation is not open for reactions."))
    if (form.website or "").strip():
        _count(session, settings, address)
        return None
    values = _clean(session, assessment, form)
    _count(session, settings, address)
    reaction = ConsultationReaction(
        consultation_id=consultation.id or 0,
        locale=locale if locale in {"nl", "en"} else "nl",
        **values,
    )  # type: ignore[arg-type]
    session.add(reaction)
    session.flush()
    # The audit trail says that a reaction came, never who sent it or what it says.
    record_event(
        session,
        action="consultation.reaction_received",
        actor_id=None,
        object_type="consultation_reaction",
        object_id=reaction.id or "",
        assessment_id=assessment.id,
        details={"consultation": consultation.id, "keeps_informed": values["email"] is not None},
    )
    return reaction
