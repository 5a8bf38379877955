"""Verifying a signed report: signatures, trust, the archived copy and the embedded JSON.
Works on untrusted uploads: every failure becomes a verdict, never an exception."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.canonical import sha256_hex
from app.reports.offloop import off_loop

log = logging.getLogger("datawaarden.verify")
ATTACHMENT_NAME = "datawaarden-snapshot.json"  # see app.reports.render
MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str  # the name in the signature (the chair), or the certificate's name
    signed_at: datetime | None
    intact: bool
    trusted: bool
    covers_whole_file: bool
    timestamped: bool
    problem: str | None = None
    certificate: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and self.problem is None


@dataclass
class Verification:
    """Everything an auditor needs to know about one file."""

    sha256: str
    is_pdf: bool = False
    readable: bool = False
    signatures: list[SignatureCheck] = field(default_factory=list)
    attachment: bytes | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def signatures_ok(self) -> bool:
        return (
            self.signed
            and all(s.ok for s in self.signatures)
            and self.signatures[-1].covers_whole_file
        )


def load_trust_roots(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    roots = []
    for _type, _headers, der in pem.unarmor(pem_bytes, multiple=True):
        roots.append(asn1_x509.Certificate.load(der))
    return roots


def _signer_name(status: Any) -> str:
    try:
        cn = status.signing_cert.subject.native.get("common_name")
        return str(cn or status.signing_cert.subject.human_friendly)
    except Exception:
        return "?"


def _name_in_signature(sig: Any) -> str | None:
    try:
        value = sig.sig_object.get("/Name")
        return str(value) if value else None
    except Exception:
        return None


def _embedded_json(reader: PdfFileReader) -> bytes | None:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) == ATTACHMENT_NAME:
            spec = names[index + 1].get_object()
            data: bytes = spec["/EF"]["/F"].get_object().data
            return data
    return None


def verify_pdf(
    data: bytes,
    *,
    trust_roots: list[asn1_x509.Certificate],
    context: ValidationContext | None = None,
) -> Verification:
    """Check a PDF: each signature's integrity and trust, who signed and when, and read the
    embedded JSON. Comparing with the archive is the caller's part (it knows the database)."""
    result = Verification(sha256=sha256_hex(data))
    if data[:1024].lstrip()[:5] != b"%PDF-":
        result.problems.append("not_pdf")
        return result
    result.is_pdf = True
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        result.readable = True
    except Exception as exc:  # a damaged file is a verdict, not a crash
        log.info("unreadable PDF: %s", type(exc).__name__)
        result.problems.append("unreadable")
        return result
    # A context may be shared across many files (archive verify): it caches validated paths.
    context = context or ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    for sig in signatures:
        name = str(sig.field_name)
        try:
            status = off_loop(validate_pdf_signature, sig, context)
            whole = status.coverage.name == "ENTIRE_FILE"
            result.signatures.append(
                SignatureCheck(
                    field=name,
                    signer=_name_in_signature(sig) or _signer_name(status),
                    certificate=_signer_name(status),
                    signed_at=status.signer_reported_dt,
                    intact=bool(status.intact),
                    trusted=bool(status.trusted),
                    covers_whole_file=whole,
                    timestamped=status.timestamp_validity is not None,
                )
            )
        except Exception as exc:  # pyHanko raises on corrupted signatures
            log.info("signature %s failed: %s", name, type(exc).__name__)
            result.signatures.append(
                SignatureCheck(
                    field=name,
                    signer="?",
                    signed_at=None,
                    intact=False,
                    trusted=False,
                    covers_whole_file=False,
                    timestamped=False,
                    problem=type(exc).__name__,
                )
            )
    if not signatures:
        result.problems.append("unsigned")
    try:
        result.attachment = _embedded_json(reader)
    except Exception:
        result.attachment = None
    return result
