"""Re-assessment: when the date the committee set comes (or sooner, when the lead chooses),
the lead starts a new assessment of the same project. It names the assessment it follows
(`previous_id`; one follows each, so a project's assessments form a chain), uses the newest
version of the questionnaire and starts with the answers of the last signed snapshot where the
questions allow. The committee then sees what changed against what it signed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.assessments import lifecycle
from app.assessments.models import Answer, AnswerRevision, Assessment, State, Submission
from app.assessments.permissions import ensure_is_lead
from app.audit.service import record_event
from app.canonical import canonical_json
from app.errors import Conflict
from app.i18n import _
from app.questionnaires import engine
from app.questionnaires.answers import AnswerInvalid, validate_answer
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import definition_of, find_version
from app.timeutil import utcnow
from app.users.models import User

REASSESS_KIND = "reassess"  # the kind of the first revision of a carried answer
SIGNED_STATES = frozenset({State.signed, State.archived})


@dataclass
class Started:
    assessment: Assessment
    carried: list[str] = field(default_factory=list)
    not_carried: dict[str, str] = field(default_factory=dict)  # question id: why


def signed_submission(session: Session, assessment: Assessment) -> Submission | None:
    """The snapshot the committee signed: the last submission of a signed assessment (after
    signing there are no more)."""
    if assessment.state not in SIGNED_STATES:
        return None
    return session.exec(
        select(Submission)
        .where(Submission.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).first()


def successor_of(session: Session, assessment: Assessment) -> Assessment | None:
    return session.exec(select(Assessment).where(Assessment.previous_id == assessment.id)).first()


def chain_of(session: Session, assessment: Assessment) -> list[Assessment]:
    """Every assessment of the project, oldest first (a few links; each is one lookup)."""
    chain = [assessment]
    seen = {assessment.id}
    while chain[0].previous_id is not None and chain[0].previous_id not in seen:
        earlier = session.get(Assessment, chain[0].previous_id)
        if earlier is None:
            break
        seen.add(earlier.id)
        chain.insert(0, earlier)
    while (later := successor_of(session, chain[-1])) is not None and later.id not in seen:
        seen.add(later.id)
        chain.append(later)
    return chain


def can_reassess(session: Session, user: User, assessment: Assessment) -> bool:
    return (
        assessment.lead_id == user.id
        and assessment.state in SIGNED_STATES
        and successor_of(session, assessment) is None
    )


def start_reassessment(session: Session, *, previous: Assessment, actor: User) -> Started:
    """Start the re-assessment of a signed assessment, in the caller's transaction. Only its
    lead may; a second re-assessment of the same assessment is refused (409), also when two
    start at once (the unique link decides)."""
    ensure_is_lead(actor, previous)
    snapshot_row = signed_submission(session, previous)
    if snapshot_row is None:
        raise Conflict(_("Only an assessment with a signed advice can be re-assessed."))
    if successor_of(session, previous) is not None:
        raise Conflict(_("This assessment has already been re-assessed."))
    current = session.get(QuestionnaireVersion, previous.questionnaire_version_id)
    assert current is not None  # a foreign key guarantees it
    newest = find_version(session, current.key)
    snapshot: dict[str, Any] = json.loads(snapshot_row.snapshot_json)
    successor = lifecycle.create_assessment(
        session,
        actor=actor,
        title=snapshot.get("title") or previous.title,
        department=snapshot.get("department") or previous.department,
        description=snapshot.get("description") or previous.description,
        questionnaire=newest,
    )
    successor.previous_id = previous.id
    session.add(successor)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(_("This assessment has already been re-assessed.")) from None
    started = Started(successor)
    questions = engine.question_by_id(definition_of(newest))
    now = utcnow()
    for qid, value in (snapshot.get("answers") or {}).items():
        question = questions.get(qid)
        if question is None:
            started.not_carried[qid] = "dropped"
            continue
        try:
            clean = validate_answer(question, value)
        except AnswerInvalid:
            started.not_carried[qid] = "invalid"
            continue
        if clean is None or clean == []:
            continue
        session.add(
            Answer(
                assessment_id=successor.id or 0,
                question_id=qid,
                value_json=canonical_json(clean),
                updated_by_id=actor.id or 0,
                updated_at=now,
            )
        )
        session.add(
            AnswerRevision(
                assessment_id=successor.id or 0,
                question_id=qid,
                old_value_json=None,
                new_value_json=canonical_json(clean),
                kind=REASSESS_KIND,
                actor_id=actor.id or 0,
                created_at=now,
            )
        )
        started.carried.append(qid)
    session.flush()
    record_event(
        session,
        action="assessment.reassessment_started",
        actor_id=actor.id,
        object_type="assessment",
        object_id=successor.reference,
        assessment_id=successor.id,
        details={
            "previous": previous.reference,
            "signed_submission_sha256": snapshot_row.sha256,
            "questionnaire": newest.key,
            "version": newest.version,
            "carried": sorted(started.carried),
            "not_carried": started.not_carried,
        },
    )
    return started
