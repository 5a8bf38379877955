"""Binding the archive to the signed bytes: everything stored about an archived assessment must
agree with what its signed report seals (app.reports.sealed). One check, used by
`datawaarden archive verify`, the archive detail page and the public register."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlmodel import Session, col, select

from app.archive.models import ArchiveEntry
from app.archive.search import levels_of, obligation_ids
from app.assessments.models import Assessment, Submission
from app.audit.models import AuditEvent
from app.canonical import sha256_hex
from app.reports.models import PublicReport, Report, ReportKind
from app.reports.sealed import (
    SealedContent,
    advice_document,
    differences,
    legacy_projection,
    public_differences,
    public_document,
    public_snapshot,
)
from app.reviews.models import Advice
from app.users.models import User

# The audit event each kind of report version writes.
_EVENT_OF_KIND = {
    ReportKind.signature: "report.signed",
    ReportKind.cosignature: "report.cosigned",
    ReportKind.timestamp: "report.timestamped",
}


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold: what kind, about what, and what exactly."""

    kind: str
    subject: str
    detail: str


# The audit event each kind of public edition version writes.
_PUBLIC_EVENT_OF_KIND = {
    ReportKind.signature: "report.public_edition",
    ReportKind.timestamp: "report.public_timestamped",
}


def check_versions(
    subject: str,
    versions: Sequence[tuple[Report | PublicReport, bytes]],
    *,
    what: str = "version",
) -> list[Finding]:
    """Each stored version after the first must be an incremental update of the one before."""
    found = []
    for (previous, old), (report, new) in pairwise(versions):
        if not new.startswith(old):
            found.append(
                Finding(
                    "report",
                    subject,
                    f"{what} {report.sequence} does not extend {what} {previous.sequence}: "
                    "a stored version was replaced",
                )
            )
    return found


def _events_for(
    session: Session,
    reports: Sequence[Report | PublicReport],
    object_type: str = "report",
    actions: Sequence[str] = tuple(_EVENT_OF_KIND.values()),
) -> dict[str, list[AuditEvent]]:
    ids = [str(r.id) for r in reports]
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.object_type == object_type,
            col(AuditEvent.object_id).in_(ids),
            col(AuditEvent.action).in_(list(actions)),
        )
    ).all()
    found: dict[str, list[AuditEvent]] = {}
    for event in events:
        found.setdefault(event.object_id, []).append(event)
    return found


def _check_events(
    session: Session,
    subject: str,
    versions: Sequence[tuple[Report | PublicReport, bytes]],
    *,
    public: bool = False,
) -> list[Finding]:
    found = []
    kinds = _PUBLIC_EVENT_OF_KIND if public else _EVENT_OF_KIND
    events = _events_for(
        session,
        [r for r, _ in versions],
        "public_report" if public else "report",
        tuple(kinds.values()),
    )
    for report, pdf in versions:
        try:
            action = kinds[ReportKind(report.kind)]
        except (ValueError, KeyError):
            action = "report.public_edition" if public else "report.signed"
        matching = [e for e in events.get(str(report.id), []) if e.action == action]
        where = (
            f"public edition version {report.sequence}" if public else f"version {report.sequence}"
        )
        if len(matching) != 1:
            found.append(
                Finding(
                    "audit",
                    subject,
                    f"{where}: the audit trail has {len(matching)} '{action}' events for it, not 1",
                )
            )
            continue
        event = matching[0]
        try:
            recorded = json.loads(event.details_json).get("sha256")
        except (ValueError, AttributeError):
            recorded = None
        if recorded != report.sha256 or recorded != sha256_hex(pdf):
            found.append(
                Finding(
                    "report",
                    subject,
                    f"{where}: the report's hash is not the one recorded in the audit trail when "
                    "it was stored: the stored report was replaced",
                )
            )
        if event.assessment_id != report.assessment_id:
            found.append(Finding("audit", subject, f"{where} was signed for another assessment"))
    return found


def _entry_values(sealed: SealedContent) -> dict[str, Any]:
    """What the archive entry must say, according to the signed report."""
    snapshot = sealed.snapshot or {}
    support = snapshot.get("decision_support") or {}
    advice = sealed.advice or {}
    assessment = advice.get("assessment") if isinstance(advice.get("assessment"), dict) else {}
    return {
        "reference": sealed.reference,
        "title": (assessment or {}).get("title", snapshot.get("title")),
        "department": (assessment or {}).get("department", snapshot.get("department")),
        "description": snapshot.get("description"),
        "questionnaire": [
            (snapshot.get("questionnaire") or {}).get("key"),
            (snapshot.get("questionnaire") or {}).get("version"),
        ],
        "outcome": advice.get("outcome"),
        "overall_level": support.get("overall_level"),
        "levels": {v.get("value"): v.get("level") for v in support.get("values", [])},
        "obligations": sorted(o.get("id") for o in support.get("obligations", [])),
    }


def _check_entry(
    subject: str, entry: ArchiveEntry, first: Report, sealed: SealedContent
) -> list[Finding]:
    signed = _entry_values(sealed)
    stored = {
        "reference": entry.reference,
        "title": entry.title,
        "department": entry.department,
        "description": entry.description,
        "questionnaire": [entry.questionnaire_key, entry.questionnaire_version],
        "outcome": entry.outcome,
        "overall_level": entry.overall_level,
        "levels": levels_of(entry),
        "obligations": sorted(obligation_ids(entry)),
    }
    found = [Finding("archive", subject, f"archive entry {d}") for d in differences(signed, stored)]
    if entry.report_sha256 != first.sha256:
        found.append(
            Finding("archive", subject, "archive entry names another report than the stored one")
        )
    return found


def _advice_finding(subject: str, difference: str) -> Finding:
    if difference.startswith("answers_sha256"):
        return Finding("answers", subject, "the stored answers were changed after signing")
    if difference.startswith("review."):
        return Finding("review", subject, f"stored {difference}")
    if difference.startswith(("audit_head", "signer")):
        return Finding("report", subject, f"stored report row: {difference}")
    return Finding("advice", subject, f"stored {difference}")


def check_binding(
    session: Session,
    *,
    assessment: Assessment,
    versions: Sequence[tuple[Report, bytes]],
    sealed: SealedContent,
    entry: ArchiveEntry | None,
) -> list[Finding]:
    """Everything stored about one signed assessment against its signed report. `versions`
    are its stored report versions in order, with their bytes; `sealed` is what the newest
    version's bytes embed (the first version's content: later versions only append)."""
    subject = assessment.reference
    found = [Finding("embedded", subject, p) for p in sealed.problems]
    found.extend(check_versions(subject, versions))
    found.extend(_check_events(session, subject, versions))
    if not versions:
        return [*found, Finding("report", subject, "no signed report is stored")]
    first = versions[0][0]
    snapshot_bytes = sealed.snapshot_bytes
    # The report belongs to this assessment (and was not swapped with another one's).
    if sealed.reference is not None and sealed.reference != assessment.reference:
        found.append(
            Finding(
                "report",
                subject,
                f"the stored report is the signed report of {sealed.reference}, not of "
                f"{assessment.reference}: reports were swapped",
            )
        )
    advice_doc = sealed.advice
    if advice_doc and not sealed.is_legacy:
        signed_for = advice_doc.get("assessment", {}).get("id")
        if signed_for != assessment.id:
            found.append(
                Finding("report", subject, f"the report was signed for assessment {signed_for}")
            )
    # The snapshot it seals is this assessment's stored submission, byte for byte.
    if snapshot_bytes is not None:
        digest = sha256_hex(snapshot_bytes)
        if digest != first.snapshot_sha256:
            found.append(
                Finding("embedded", subject, "embedded snapshot does not match the archive")
            )
        submission = session.exec(
            select(Submission).where(
                Submission.assessment_id == assessment.id, Submission.sha256 == digest
            )
        ).first()
        if submission is None or submission.snapshot_json.encode("utf-8") != snapshot_bytes:
            found.append(
                Finding(
                    "embedded",
                    subject,
                    "the snapshot in the signed report is not a stored submission of this "
                    "assessment",
                )
            )
    if advice_doc is None:
        return found
    advice = session.get(Advice, first.advice_id)
    if advice is None:
        return [*found, Finding("advice", subject, "the signed advice is no longer stored")]
    if advice.assessment_id != assessment.id:
        found.append(Finding("advice", subject, "the report's advice is another assessment's"))
    if advice.superseded_at is not None or advice.finalised_at is None:
        found.append(
            Finding("advice", subject, "the signed advice is stored as not final or superseded")
        )
    signer = session.get(User, first.signed_by_id) if first.signed_by_id else None
    rebuilt = advice_document(
        session,
        assessment=assessment,
        advice=advice,
        signer=signer,
        audit_head=first.audit_head_hash,
    )
    if sealed.is_legacy:
        rebuilt = legacy_projection(rebuilt)
    for difference in differences(advice_doc, rebuilt):
        found.append(_advice_finding(subject, difference))
    if entry is not None:
        found.extend(_check_entry(subject, entry, first, sealed))
    elif assessment.state == "archived":
        found.append(Finding("archive", subject, "the archive entry is missing"))
    return found


def signed_advice_view(sealed: SealedContent) -> dict[str, Any] | None:
    """The signed advice as a page shows it: from the signed report, never from the database."""
    doc = sealed.advice
    if not doc:
        return None
    return {
        "round": doc.get("round"),
        "outcome": doc.get("outcome"),
        "summary": doc.get("summary"),
        "conditions": doc.get("conditions") or [],
        "opinions": doc.get("opinions") or [],
        "reassess_on": doc.get("reassess_on"),
        "finalised_by": doc.get("finalised_by"),
        "finalised_at": doc.get("finalised_at"),
        "signer": sealed.signer_name,
    }


def check_public_binding(
    session: Session,
    *,
    assessment: Assessment,
    versions: Sequence[tuple[PublicReport, bytes]],
    sealed: SealedContent,
    internal: Report | None,
) -> list[Finding]:
    """The public edition of one signed assessment against the database and its internal
    report: its versions extend each other and match the audit trail; it embeds a public
    advice document (never the internal one) equal to the public projection of the stored
    advice, and the public projection of the stored submission; and it names the internal
    report's first version as the report it is the public edition of. `sealed` is what the
    newest version embeds. No versions: nothing to check (the edition was not made yet)."""
    if not versions:
        return []
    subject = assessment.reference
    found = [Finding("public", subject, f"public edition: {p}") for p in sealed.problems]
    found.extend(check_versions(subject, versions, what="public edition version"))
    found.extend(_check_events(session, subject, versions, public=True))
    first = versions[0][0]
    if sealed.advice is not None and not sealed.is_public:
        found.append(
            Finding(
                "public",
                subject,
                "the public edition embeds the internal advice document (with the members' "
                "names and opinions)",
            )
        )
        return found
    if internal is None or first.report_id != internal.id or first.advice_id != internal.advice_id:
        found.append(
            Finding("public", subject, "the public edition is not of this assessment's report")
        )
    if sealed.reference is not None and sealed.reference != assessment.reference:
        found.append(
            Finding(
                "public",
                subject,
                f"the stored public edition is the one of {sealed.reference}, not of "
                f"{assessment.reference}: reports were swapped",
            )
        )
    submission = session.exec(
        select(Submission).where(
            Submission.assessment_id == assessment.id, Submission.sha256 == first.snapshot_sha256
        )
    ).first()
    if submission is None or (
        sealed.snapshot_bytes is not None
        and public_snapshot(submission.snapshot_json).encode("utf-8") != sealed.snapshot_bytes
    ):
        found.append(
            Finding(
                "public",
                subject,
                "the snapshot in the public edition is not the public form of a stored "
                "submission of this assessment",
            )
        )
    doc = sealed.advice
    if doc is None or internal is None:
        return found
    signed_of = (doc.get("edition_of") or {}).get("report_sha256")
    if signed_of != internal.sha256:
        found.append(
            Finding(
                "public",
                subject,
                "the public edition names another report than the stored signed report",
            )
        )
    advice = session.get(Advice, first.advice_id)
    if advice is None:
        return [*found, Finding("advice", subject, "the signed advice is no longer stored")]
    rebuilt = public_document(
        advice_document(
            session,
            assessment=assessment,
            advice=advice,
            signer=None,
            audit_head=first.audit_head_hash,
        ),
        committee="",
        organisation="",
        edition_of=internal.sha256,
    )
    for difference in public_differences(doc, rebuilt):
        found.append(Finding("public", subject, f"public edition: stored {difference}"))
    return found
