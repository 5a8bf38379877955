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


@dataclass
class Verification:
    """Everything an auditor needs to know about one file."""

    sha256: str
    is_pdf: bool = False
    readable: bool = False
    at: datetime | None = None  # the moment the validity was judged at
    signatures: list[SignatureCheck] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    max_inflated: int = 0  # what the verification could inflate in all (INFLATE_LIMIT)

    @property
    def attachment(self) -> bytes | None:
        """The embedded snapshot."""
        return self.attachments.get(ATTACHMENT_NAME)

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
