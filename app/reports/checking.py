"""Checking a file against the trust anchor and the archive: the verdict of the signatures
(app.reports.verify) and whether the file is, and still matches, an archived report."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import defer
from sqlmodel import Session, select

from app import metrics
from app.assessments.models import Assessment, Submission
from app.canonical import sha256_hex
from app.config import Settings
from app.reports import render
from app.reports.explain import Statement, explain
from app.reports.models import PublicReport, Report
from app.reports.sealed import public_snapshot, read_sealed
from app.reports.signing import extra_trust_roots, load_signing_key, long_term, trust_anchor_pem
from app.reports.validator import Validator, load_trust_roots
from app.reports.verdict import Verification
from app.reports.verify import verify_pdf
from app.timeutil import utcnow


@dataclass
class ArchiveCheck:
    """A verification plus what the archive knows of the file."""

    result: Verification
    archived: Report | PublicReport | None
    reference: str | None
    snapshot_matches: bool | None
    on_behalf_of: str | None = None  # the chair, as the signed content names them
    public: bool = False  # the file is (or claims to be) a public edition

    @property
    def ok(self) -> bool:
        return (
            self.result.signatures_ok
            and self.archived is not None
            and bool(self.snapshot_matches)
            and self.result.evidence_ok
        )

    def statements(self, org_name: str) -> list[Statement]:
        """The verdict in words (in the current language)."""
        return explain(
            self.result,
            org_name=org_name,
            on_behalf_of=self.on_behalf_of if self.result.signatures_ok else None,
            archived_reference=self.reference if self.archived else None,
            known=self.archived is not None,
            snapshot_matches=self.snapshot_matches,
            public=self.public,
        )


def trust_roots(settings: Settings) -> list:  # type: ignore[type-arg]
    return load_trust_roots(trust_anchor_pem(load_signing_key(settings))) + extra_trust_roots(
        settings
    )


def validator_for(settings: Settings) -> Validator:
    """How this installation validates signatures: its trust anchors, the development CA's CRL
    where that is in use, and in production the current revocation status fetched online (past
    status always comes from the file itself)."""
    key = load_signing_key(settings)
    setup = long_term(settings, key) if settings.signing_p12 is None else None
    return Validator(
        trust_roots=tuple(trust_roots(settings)),
        known_crls=setup.known_crls if setup else (),
        fetch_current_revocation=settings.is_production,
    )


def verify_file(
    session: Session,
    data: bytes,
    *,
    settings: Settings,
    at: datetime | None = None,
    validator: Validator | None = None,
    read_from: Report | PublicReport | None = None,
    submissions: Mapping[str, Submission] | None = None,
) -> ArchiveCheck:
    """Verify an uploaded or stored file against the trust anchor and the archive. The
    signatures' verdict is kept a while per file and date (see `_cached_verification`).
    `read_from`: the row the caller read `data` from; when the bytes are the ones its hash
    names, it is not looked up again. `submissions`: submissions by hash the caller has read
    (a page of many files); the one the file names is looked up only when it is not there."""
    digest = sha256_hex(data)
    # Which stored file it is; its bytes are `data` already (not read again).
    archived: Report | PublicReport | None = (
        read_from
        if read_from is not None and read_from.sha256 == digest
        else session.exec(
            select(Report).where(Report.sha256 == digest).options(defer(Report.pdf))  # type: ignore[arg-type]
        ).first()
    )
    if archived is None:
        archived = session.exec(
            select(PublicReport)
            .where(PublicReport.sha256 == digest)
            .options(defer(PublicReport.pdf))  # type: ignore[arg-type]
        ).first()
    result = _cached_verification(data, digest, validator or validator_for(settings), at)
    sealed = read_sealed(result.attachments)
    public = isinstance(archived, PublicReport) or (archived is None and sealed.is_public)
    reference = None
    matches = None
    if archived is not None:
        assessment = session.get(Assessment, archived.assessment_id)
        reference = assessment.reference if assessment else None
        submission = (submissions or {}).get(archived.snapshot_sha256) or session.exec(
            select(Submission).where(Submission.sha256 == archived.snapshot_sha256)
        ).first()
        if submission is not None:
            expected = (
                public_snapshot(submission.snapshot_json) if public else submission.snapshot_json
            )
            matches = render.snapshot_matches(result.attachment, expected)
    elif result.attachment is not None and public:
        # A public edition the archive does not know: does it carry the public form of a
        # stored submission of the assessment it names?
        assessment = session.exec(
            select(Assessment).where(Assessment.reference == (sealed.reference or "")[:20])
        ).first()
        stored = (
            session.exec(select(Submission).where(Submission.assessment_id == assessment.id)).all()
            if assessment
            else []
        )
        matches = any(
            render.snapshot_matches(result.attachment, public_snapshot(s.snapshot_json))
            for s in stored
        )
    elif result.attachment is not None:
        submission = session.exec(
            select(Submission).where(Submission.sha256 == sha256_hex(result.attachment))
        ).first()
        matches = submission is not None
    check = ArchiveCheck(result, archived, reference, matches, sealed.signer_name, public)
    if not check.ok:
        failed = "unknown_to_archive" if archived is None else "content"
        failed = failed if result.signatures_ok else "signature"
        metrics.VERIFICATION_FAILURES.labels(reason=failed).inc()
    return check


_VERDICTS: OrderedDict[tuple[str, str, str], tuple[float, Verification]] = OrderedDict()
_VERDICTS_LOCK = threading.Lock()
_VERDICT_SECONDS = 3600
_VERDICT_LIMIT = 256


def _cached_verification(
    data: bytes, digest: str, validator: Validator, at: datetime | None
) -> Verification:
    """A file's signatures, verified with the full difference analysis (a database writer
    could have stored an altered file: only the file itself is evidence). Pages show the same
    archived report again and again, so the verdict is kept for an hour per file, date and
    trust anchor: a verification takes a tenth of a second or more."""
    moment = at or utcnow()
    key = (digest, moment.date().isoformat() if at else "now", validator.fingerprint)
    now = time.monotonic()
    with _VERDICTS_LOCK:
        cached = _VERDICTS.get(key)
        if cached is not None and now - cached[0] < _VERDICT_SECONDS:
            _VERDICTS.move_to_end(key)
            return cached[1]
    result = verify_pdf(data, trust_roots=[], validator=validator, at=at)
    with _VERDICTS_LOCK:
        _VERDICTS[key] = (now, result)
        while len(_VERDICTS) > _VERDICT_LIMIT:
            _VERDICTS.popitem(last=False)
    return result
