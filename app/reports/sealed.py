"""What a signed report seals: the advice document embedded next to the frozen snapshot.

Both attachments are RFC 8785 JSON inside the signed bytes, so they are covered by the
signature. The advice document (format `datawaarden.advice/2`) binds the report to its
assessment (id and reference), to the submission it judges (number and SHA-256), and records
the advice, its conditions and opinions, the committee's verdicts and comments, a hash of every
stored answer, who signed and the audit trail's head at signing. Verification rebuilds the same
document from the database and compares: whatever a database writer changes afterwards shows.

Names of people are printed in the report but not compared: a person's name may be corrected
later, their identity (the id) may not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.assessments.models import Answer, Assessment, Submission
from app.canonical import canonical_json, sha256_hex
from app.consultations import outcome as consultation_outcome
from app.questionnaires.models import QuestionnaireVersion
from app.reviews.models import (
    Advice,
    AdviceCondition,
    Opinion,
    ReviewComment,
    SectionVerdict,
)
from app.users.models import User

SNAPSHOT_ATTACHMENT = "datawaarden-snapshot.json"
ADVICE_ATTACHMENT = "datawaarden-advice.json"
# The files attached to the answers, embedded next to them as associated files (relationship
# Supplement) under the name `evidence_name` gives the snapshot's entry.
EVIDENCE_PREFIX = "evidence-"
ADVICE_FORMAT = "datawaarden.advice/2"
LEGACY_ADVICE_FORMAT = "datawaarden.advice/1"
# The advice document of a public edition (see `public_document`).
PUBLIC_ADVICE_FORMAT = "datawaarden.public-advice/1"
PUBLIC_SNAPSHOT_FORMAT = "datawaarden.public-snapshot/1"
# Display names: printed, not compared (see the module docstring).
_NAMES = {"member", "author", "finalised_by", "name"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value else None


def stored_answers_sha256(session: Session, assessment_id: int) -> str:
    """SHA-256 of every stored answer of an assessment (visible or not), as RFC 8785 JSON of
    {question id: answer}."""
    rows = session.exec(
        select(Answer.question_id, Answer.value_json).where(Answer.assessment_id == assessment_id)
    ).all()
    return sha256_hex(canonical_json({qid: json.loads(value) for qid, value in rows}))


def advice_document(
    session: Session,
    *,
    assessment: Assessment,
    advice: Advice,
    signer: User | None,
    audit_head: str,
) -> dict[str, Any]:
    """The advice document of a report, built from the database. At signing it is embedded;
    at verification it is built again and compared with the embedded one."""
    names = {u.id: u.name for u in session.exec(select(User)).all()}
    submission = session.get(Submission, advice.submission_id)
    version = session.get(QuestionnaireVersion, assessment.questionnaire_version_id)
    conditions = session.exec(
        select(AdviceCondition)
        .where(AdviceCondition.advice_id == advice.id)
        .order_by(col(AdviceCondition.number))
    ).all()
    opinions = session.exec(select(Opinion).where(Opinion.advice_id == advice.id)).all()
    comments = session.exec(
        select(ReviewComment)
        .where(ReviewComment.assessment_id == assessment.id)
        .order_by(col(ReviewComment.id))
    ).all()
    numbers = {
        s.id: s.number
        for s in session.exec(select(Submission).where(Submission.assessment_id == assessment.id))
    }
    verdicts = session.exec(
        select(SectionVerdict)
        .where(SectionVerdict.assessment_id == assessment.id)
        .order_by(col(SectionVerdict.submission_id), col(SectionVerdict.section_id))
    ).all()
    document: dict[str, Any] = {
        "format": ADVICE_FORMAT,
        "assessment": {
            "id": assessment.id,
            "reference": assessment.reference,
            "title": assessment.title,
            "department": assessment.department,
            "lead_id": assessment.lead_id,
            "questionnaire": {
                "key": version.key if version else None,
                "version": version.version if version else None,
                "sha256": version.sha256 if version else None,
            },
        },
        "submission": {
            "number": submission.number if submission else None,
            "sha256": submission.sha256 if submission else None,
        },
        "round": advice.round,
        "outcome": advice.outcome,
        "summary": advice.summary,
        "rationale": json.loads(advice.rationale_json),
        "conditions": [
            {
                "number": c.number,
                "text": c.text,
                "owner": c.owner,
                "due_on": c.due_on.isoformat() if c.due_on else None,
            }
            for c in conditions
        ],
        "reassess_on": advice.reassess_on.isoformat() if advice.reassess_on else None,
        "opinions": sorted(
            (
                {
                    "member_id": o.member_id,
                    "member": names.get(o.member_id),
                    "stance": o.stance,
                    "note": o.note,
                }
                for o in opinions
            ),
            key=lambda o: (str(o["member"]), o["member_id"]),
        ),
        "drafted_by_id": advice.drafted_by_id,
        "finalised_by_id": advice.finalised_by_id,
        "finalised_by": names.get(advice.finalised_by_id),
        "finalised_at": advice.finalised_at.isoformat(timespec="seconds")
        if advice.finalised_at
        else None,
        "review": {
            "verdicts": [
                {
                    "submission": numbers.get(v.submission_id),
                    "section": v.section_id,
                    "verdict": v.verdict,
                    "author_id": v.author_id,
                }
                for v in verdicts
            ],
            "comments": [
                {
                    "id": c.id,
                    "parent_id": c.parent_id,
                    "submission": numbers.get(c.submission_id) if c.submission_id else None,
                    "question": c.question_id,
                    "author_id": c.author_id,
                    "author": names.get(c.author_id),
                    "body": c.body,
                    "created_at": _iso(c.created_at),
                    "resolved_at": _iso(c.resolved_at),
                    "resolved_by_id": c.resolved_by_id,
                }
                for c in comments
            ],
        },
        "answers_sha256": stored_answers_sha256(session, assessment.id or 0),
        "signer": {"id": signer.id, "name": signer.name, "role": "chair"} if signer else None,
        "audit_head": audit_head,
    }
    # The consultation of residents, as the public account gives it (no respondent's name,
    # address or words). Only when one was published: a report signed without one (or before
    # consultations existed) rebuilds unchanged.
    consulted = consultation_outcome.sealed_account(session, assessment)
    if consulted is not None:
        document["consultation"] = consulted
    return document


@dataclass
class SealedContent:
    """The JSON documents read from inside a signed report."""

    advice: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None
    snapshot_bytes: bytes | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_public(self) -> bool:
        """Whether this is a public edition (no members' names, opinions or comments)."""
        return bool(self.advice) and self.advice.get("format") == PUBLIC_ADVICE_FORMAT  # type: ignore[union-attr]

    @property
    def is_legacy(self) -> bool:
        return bool(self.advice) and self.advice.get("format") == LEGACY_ADVICE_FORMAT  # type: ignore[union-attr]

    @property
    def reference(self) -> str | None:
        if self.advice and isinstance(self.advice.get("assessment"), dict):
            value = self.advice["assessment"].get("reference")
            return str(value) if value is not None else None
        if self.snapshot:
            return str(self.snapshot.get("reference"))
        return None

    @property
    def signer_name(self) -> str | None:
        """The chair on whose behalf the report was sealed, as the signed content names them
        (a public edition names nobody: it is sealed on behalf of the committee)."""
        signer = (self.advice or {}).get("signer")
        if isinstance(signer, dict) and signer.get("name"):
            return str(signer["name"])
        return None


def read_sealed(attachments: dict[str, bytes]) -> SealedContent:
    """Parse the embedded documents; what is missing or unreadable is a problem, not an error."""
    sealed = SealedContent()
    snapshot = attachments.get(SNAPSHOT_ATTACHMENT)
    advice = attachments.get(ADVICE_ATTACHMENT)
    if snapshot is None:
        sealed.problems.append("the report carries no snapshot")
    else:
        sealed.snapshot_bytes = snapshot
        try:
            parsed = json.loads(snapshot)
            sealed.snapshot = parsed if isinstance(parsed, dict) else None
        except ValueError:
            sealed.problems.append("the report's snapshot is not JSON")
    if advice is None:
        sealed.problems.append("the report carries no advice document")
    else:
        try:
            parsed = json.loads(advice)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or parsed.get("format") not in (
            ADVICE_FORMAT,
            LEGACY_ADVICE_FORMAT,
            PUBLIC_ADVICE_FORMAT,
        ):
            sealed.problems.append("the report's advice document is not one Datawaarden made")
        else:
            sealed.advice = parsed
    return sealed


def _normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v, k) for k, v in value.items() if k not in _NAMES}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        if key == "opinions":
            items.sort(key=lambda o: json.dumps(o, sort_keys=True, default=str))
        return items
    return value


def differences(signed: Any, stored: Any, path: str = "") -> list[str]:
    """Where the stored document differs from the signed one, as dotted paths."""
    return _diff(_normalise(signed), _normalise(stored), path)


def _diff(signed: Any, stored: Any, path: str) -> list[str]:
    if isinstance(signed, dict) and isinstance(stored, dict):
        found: list[str] = []
        for key in sorted(set(signed) | set(stored)):
            where = f"{path}.{key}" if path else key
            if key not in stored:
                found.append(f"{where}: signed, but no longer stored")
            elif key not in signed:
                found.append(f"{where}: stored, but not in the signed report")
            else:
                found.extend(_diff(signed[key], stored[key], where))
        return found
    if isinstance(signed, list) and isinstance(stored, list):
        if len(signed) != len(stored):
            return [f"{path}: the signed report has {len(signed)}, the database {len(stored)}"]
        found = []
        for index, (a, b) in enumerate(zip(signed, stored, strict=True)):
            found.extend(_diff(a, b, f"{path}[{index + 1}]"))
        return found
    if signed != stored:
        return [f"{path}: signed {_short(signed)}, stored {_short(stored)}"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def legacy_projection(document: dict[str, Any]) -> dict[str, Any]:
    """A version 2 document reduced to what version 1 documents held, for comparing reports
    signed before version 2 (they bind the advice, not the assessment or the review)."""
    return {
        "format": LEGACY_ADVICE_FORMAT,
        "round": document["round"],
        "outcome": document["outcome"],
        "summary": document["summary"],
        "rationale": document["rationale"],
        "conditions": document["conditions"],
        "reassess_on": document["reassess_on"],
        "opinions": [
            {"member": o["member"], "stance": o["stance"], "note": o["note"]}
            for o in document["opinions"]
        ],
        "finalised_by": document["finalised_by"],
        "finalised_at": document["finalised_at"],
    }


# --- the public edition ---------------------------------------------------------------------


def public_document(
    document: dict[str, Any], *, committee: str, organisation: str, edition_of: str | None
) -> dict[str, Any]:
    """The advice document of the public edition: the advice document (`advice_document`)
    reduced to what the committee decided as a body. Left out: every person (the members'
    opinions with their stances and notes, who drafted and finalised, the signer, the authors
    of verdicts, the lead's id), the review comments, condition owners (the register never
    showed them: they may name a person), and hashes of content the edition does not carry
    (the full snapshot, every stored answer), which could be matched against guesses.
    `edition_of` is the SHA-256 of the internal report's first version."""
    assessment = document["assessment"]
    public: dict[str, Any] = {
        "format": PUBLIC_ADVICE_FORMAT,
        "edition_of": {"report_sha256": edition_of},
        "assessment": {
            "id": assessment["id"],
            "reference": assessment["reference"],
            "title": assessment["title"],
            "department": assessment["department"],
            "questionnaire": assessment["questionnaire"],
        },
        "submission": {"number": document["submission"]["number"]},
        "round": document["round"],
        "outcome": document["outcome"],
        "summary": document["summary"],
        "rationale": document["rationale"],
        "conditions": [
            {"number": c["number"], "text": c["text"], "due_on": c["due_on"]}
            for c in document["conditions"]
        ],
        "reassess_on": document["reassess_on"],
        "finalised_at": document["finalised_at"],
        "review": {
            "verdicts": [
                {"submission": v["submission"], "section": v["section"], "verdict": v["verdict"]}
                for v in document["review"]["verdicts"]
            ]
        },
        "sealed_for": {"committee": committee, "organisation": organisation},
        "audit_head": document["audit_head"],
    }
    if "consultation" in document:  # public already: counts, themes, the committee's words
        public["consultation"] = document["consultation"]
    return public


def evidence_name(number: int, entry: dict[str, Any]) -> str:
    """The name under which a report embeds the `number`th (from 1) attachment its snapshot
    lists."""
    return f"{EVIDENCE_PREFIX}{number:02d}-{entry.get('filename')}"


def evidence_entries(snapshot: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The attachments a snapshot lists (none in one made before attachments existed)."""
    entries = (snapshot or {}).get("attachments")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def public_snapshot(snapshot_json: str) -> str:
    """The snapshot as the public edition embeds it (RFC 8785 JSON): the frozen submission
    without who submitted it (a member of staff) and without the attached files' names and
    hashes (the public edition does not carry the files, and a hash can be matched against
    guesses)."""
    snapshot = json.loads(snapshot_json)
    dropped = ("submitted_by", "format", "attachments")
    public = {k: v for k, v in snapshot.items() if k not in dropped}
    return canonical_json({"format": PUBLIC_SNAPSHOT_FORMAT, **public})


def public_differences(signed: dict[str, Any], rebuilt: dict[str, Any]) -> list[str]:
    """Where a public edition's advice document differs from the one rebuilt from the
    database (the committee's and organisation's names are printed, not compared)."""
    strip = {"sealed_for"}
    return differences(
        {k: v for k, v in signed.items() if k not in strip},
        {k: v for k, v in rebuilt.items() if k not in strip},
    )
