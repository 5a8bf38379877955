"""What verifying a file found: each signature's or document timestamp's check, and the
verdict on the whole file (app/reports/verify.py makes them; pages, API, CLI and the archive
check read them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.reports.sealed import SNAPSHOT_ATTACHMENT

ATTACHMENT_NAME = SNAPSHOT_ATTACHMENT
INFLATE_LIMIT = "inflate_limit"  # a problem: the file inflates to more than it may


@dataclass(frozen=True)
class SignatureCheck:
    """One signature or document timestamp in a file, as verified."""

    field: str
    signer: str  # the certificate's common name
    signed_at: datetime | None  # proven by a timestamp where there is one
    intact: bool
    trusted: bool  # valid at the moment asked for (long-term where the file allows)
    covers_whole_file: bool
    timestamped: bool
    problem: str | None = None
    certificate: str = ""  # the certificate's whole subject
    kind: str = "signature"  # or "timestamp" (a document timestamp)
    proven_by: str | None = None  # the timestamp that proves `signed_at`
    certificate_valid_until: datetime | None = None
    long_term: bool = False  # judged by long-term validation
    stated_name: str | None = None  # the /Name in the signature: self-asserted, not proof

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and self.problem is None


@dataclass(frozen=True)
class EvidenceCheck:
    """One file the signed snapshot lists, as found embedded in the report: `problem` is None
    (embedded, its bytes hash to the SHA-256 listed), "missing", "altered" (other bytes) or
    "unreadable" (embedded in a form this check does not read)."""

    number: int
    name: str  # the name it is embedded under
    filename: str
    question_id: str
    sha256: str  # as the snapshot lists it
    problem: str | None = None

    def describe(self) -> str:
        """The finding in English, for the command line and the archive check."""
        what = f"attached file {self.number} “{self.filename}” (question {self.question_id})"
        if self.problem == "missing":
            return f"{what}: listed in the signed snapshot, but not embedded in the report"
        if self.problem == "altered":
            return (
                f"{what}: the embedded bytes do not match the SHA-256 the snapshot lists "
                f"({self.sha256})"
            )
        return f"{what}: embedded in a form that cannot be read ({self.problem})"


@dataclass
class Verification:
    """Everything an auditor needs to know about one file."""

    sha256: str
    is_pdf: bool = False
    readable: bool = False
    at: datetime | None = None  # the moment the validity was judged at
    signatures: list[SignatureCheck] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)
    # The files the embedded snapshot lists, each checked (read with the attachments).
    evidence: list[EvidenceCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    max_inflated: int = 0  # what the verification could inflate in all (INFLATE_LIMIT)

    @property
    def attachment(self) -> bytes | None:
        """The embedded snapshot."""
        return self.attachments.get(ATTACHMENT_NAME)

    @property
    def evidence_ok(self) -> bool:
        """Whether every file the snapshot lists is embedded unchanged."""
        return all(e.problem is None for e in self.evidence)

    @property
    def signed(self) -> bool:
        return any(s.kind == "signature" for s in self.signatures)

    @property
    def timestamps(self) -> list[SignatureCheck]:
        return [s for s in self.signatures if s.kind == "timestamp"]

    @property
    def signatures_ok(self) -> bool:
        return (
            self.signed
            and all(s.ok for s in self.signatures)
            and self.signatures[-1].covers_whole_file
            and "modified" not in self.problems
            and INFLATE_LIMIT not in self.problems
        )

    @property
    def long_term(self) -> bool:
        """Whether every signature carries what long-term validation needs (B-LTA)."""
        regular = [s for s in self.signatures if s.kind == "signature"]
        return bool(regular) and all(s.long_term for s in regular) and bool(self.timestamps)

    @property
    def newest_timestamp(self) -> SignatureCheck | None:
        return self.timestamps[-1] if self.timestamps else None
