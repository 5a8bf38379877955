"""Verifying a signed report: each signature's integrity, its long-term validity at a chosen
date, the document timestamps, and the embedded JSON. Works on untrusted uploads: every failure
becomes a verdict, never an exception.

A report signed as PAdES B-LTA is validated with pyHanko's long-term validation (ETSI EN 319
102-1, 5.6.3): the signature timestamp proves when it was signed, the validation data in the
document proves that the certificate was valid and not revoked then, and the chain of document
timestamps proves that this evidence existed before anything it relies on expired. A report
without validation data (older reports, PAdES B-B) is checked the simple way, at the moment
asked for. The signer named is the certificate's subject, never the signature dictionary's
self-asserted name."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from app.canonical import sha256_hex
from app.reports.offloop import off_loop
from app.reports.sealed import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.verify")
ATTACHMENT_NAME = SNAPSHOT_ATTACHMENT
ATTACHMENTS = (SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT)
MAX_UPLOAD = 20 * 1024 * 1024
# pyHanko logs expected conditions of untrusted files (a failed timestamp chain, say) as
# warnings with a traceback; the verdict says it in words instead.
for _name in (
    "pyhanko.sign.validation.ades",
    "pyhanko.sign.validation.pdf_embedded",
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.diff_analysis",
    "pyhanko.pdf_utils.reader",
    "pyhanko_certvalidator",
):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


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
        )

    @property
    def long_term(self) -> bool:
        """Whether every signature carries what long-term validation needs (B-LTA)."""
        regular = [s for s in self.signatures if s.kind == "signature"]
        return bool(regular) and all(s.long_term for s in regular) and bool(self.timestamps)

    @property
    def newest_timestamp(self) -> SignatureCheck | None:
        return self.timestamps[-1] if self.timestamps else None


def load_trust_roots(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    roots = []
    for _type, _headers, der in pem.unarmor(pem_bytes, multiple=True):
        roots.append(asn1_x509.Certificate.load(der))
    return roots


def _common_name(cert: Any) -> str:
    try:
        cn = cert.subject.native.get("common_name")
        return str(cn or cert.subject.human_friendly)
    except Exception:
        return "?"


def _subject(cert: Any) -> str:
    try:
        return str(cert.subject.human_friendly)
    except Exception:
        return "?"


def _name_in_signature(sig: Any) -> str | None:
    try:
        value = sig.sig_object.get("/Name")
        return str(value) if value else None
    except Exception:
        return None


def _embedded_files(reader: PdfFileReader) -> dict[str, bytes]:
    """Datawaarden's JSON attachments by name (other embedded files are ignored), as the first
    signature signed them: an update appended later cannot change what is read here."""
    signatures = reader.embedded_regular_signatures
    # The catalog as that revision had it; references in it resolve in that revision too.
    root = (
        reader.get_historical_resolver(signatures[0].signed_revision).root
        if signatures
        else reader.root
    )
    try:
        names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return {}
    found: dict[str, bytes] = {}
    for index in range(0, len(names) - 1, 2):
        name = str(names[index])
        if name in ATTACHMENTS and name not in found:
            spec = names[index + 1].get_object()
            found[name] = spec["/EF"]["/F"].get_object().data
    return found


def read_attachments(data: bytes) -> dict[str, bytes]:
    """The embedded JSON documents of a PDF, without checking its signatures ({} when the file
    cannot be read)."""
    try:
        return _embedded_files(PdfFileReader(io.BytesIO(data), strict=False))
    except Exception:  # a damaged file has no readable attachments
        return {}


@dataclass(frozen=True)
class Validator:
    """How signatures are validated: the trust anchors, revocation data known beforehand (a
    CRL of the development CA; in production what was fetched), and whether revocation data
    may be fetched online for the present moment (never for the past)."""

    trust_roots: tuple[asn1_x509.Certificate, ...]
    known_crls: tuple[asn1_crl.CertificateList, ...] = ()
    fetch_current_revocation: bool = False

    @property
    def fingerprint(self) -> str:
        """Identifies what this validator trusts and knows (for caching verdicts)."""
        parts = [c.sha256 for c in self.trust_roots] + [c.sha256 for c in self.known_crls]
        return sha256_hex(b"".join(parts) + (b"1" if self.fetch_current_revocation else b"0"))

    def spec(self) -> PdfSignatureValidationSpec:
        """The long-term validation settings. The difference analysis of later revisions runs
        once per file (see `_modifications`), not again inside each validation."""
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust_roots)),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        )
        online = self.fetch_current_revocation
        gathering = RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
            if online
            else RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.FOLLOW_ONLINE_RULE
            if online
            else CertificateFetchingRule.NEVER_FETCH,
        )
        spec = SignatureValidationSpec(
            cert_validation_policy=policy, revinfo_gathering_policy=gathering
        )
        if self.known_crls:
            knowledge = dataclasses.replace(
                spec.local_knowledge,
                known_crls=[*spec.local_knowledge.known_crls, *map(CRLContainer, self.known_crls)],
            )
            spec = dataclasses.replace(spec, local_knowledge=knowledge)
        return PdfSignatureValidationSpec(spec, diff_policy=None)


def _timing(at: datetime) -> ValidationTimingInfo:
    return ValidationTimingInfo(
        validation_time=at, best_signature_time=at, point_in_time_validation=True
    )


def _has_dss(reader: PdfFileReader) -> bool:
    try:
        DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return False
    except Exception:
        return False
    return True


def _token_time(embedded: Any) -> datetime | None:
    try:
        value: datetime = (
            embedded.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        )
        return value
    except Exception:
        return None


def _signature_timestamp(embedded: Any) -> tuple[str, datetime] | None:
    """The TSA and the time of a signature's own timestamp token, if it carries one."""
    try:
        from pyhanko.sign.general import extract_certificate_info
        from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

        token = next(extract_tst_data_iter(embedded.signer_info, signed=False), None)
        if token is None:
            return None
        when = token["encap_content_info"]["content"].parsed["gen_time"].native
        return _common_name(extract_certificate_info(token).signer_cert), when
    except Exception:
        return None


def _check_long_term(
    embedded: Any, validator: Validator, at: datetime, whole: bool
) -> SignatureCheck:
    result = asyncio.run(ades_lta_validation(embedded, validator.spec(), timing_info=_timing(at)))
    status = result.api_status
    passed = result.ades_subindic == AdESPassed.OK
    cert = embedded.signer_cert
    stamp = _signature_timestamp(embedded)
    proven_by = None
    if passed and stamp is not None:
        proven_by = f"{stamp[0]}, {stamp[1].isoformat(timespec='seconds')}"
    problem = None if passed else str(result.ades_subindic).rsplit(".", 1)[-1].lower()
    return SignatureCheck(
        field=str(embedded.field_name),
        signer=_common_name(cert),
        certificate=_subject(cert),
        signed_at=result.best_signature_time if passed else (stamp[1] if stamp else None),
        intact=bool(status.intact) if status is not None else False,
        trusted=passed,
        covers_whole_file=whole,
        timestamped=stamp is not None,
        problem=problem,
        proven_by=proven_by,
        certificate_valid_until=cert.not_valid_after,
        long_term=True,
        stated_name=_name_in_signature(embedded),
    )


def _check_simple(
    embedded: Any,
    validator: Validator,
    at: datetime,
    whole: bool,
    context: ValidationContext | None,
) -> SignatureCheck:
    context = context or ValidationContext(
        trust_roots=list(validator.trust_roots), allow_fetching=False, moment=at
    )
    status = validate_pdf_signature(embedded, context)
    return SignatureCheck(
        field=str(embedded.field_name),
        signer=_common_name(status.signing_cert),
        certificate=_subject(status.signing_cert),
        signed_at=status.signer_reported_dt,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=whole,
        timestamped=status.timestamp_validity is not None,
        certificate_valid_until=status.signing_cert.not_valid_after,
        stated_name=_name_in_signature(embedded),
    )


def _check_timestamp(embedded: Any, validator: Validator, whole: bool) -> SignatureCheck:
    when = _token_time(embedded)
    cert = embedded.signer_cert
    # Its integrity and its certificate at the time it was made; that it still proves
    # something today is what the long-term validation of the signatures judges.
    context = ValidationContext(
        trust_roots=list(validator.trust_roots),
        crls=list(validator.known_crls) or None,
        allow_fetching=False,
        moment=when,
    )
    status = validate_pdf_timestamp(embedded, context, skip_diff=True)
    return SignatureCheck(
        field=str(embedded.field_name),
        signer=_common_name(cert),
        certificate=_subject(cert),
        signed_at=when,
        intact=bool(status.intact),
        trusted=bool(status.trusted or status.valid),
        covers_whole_file=whole,
        timestamped=True,
        kind="timestamp",
        certificate_valid_until=cert.not_valid_after,
    )


def _covers_rest(embedded: Any) -> bool:
    """Whether this signature covers the file, or its whole revision with only updates after
    it. That those updates are permitted ones is the difference analysis' verdict (or, for an
    archived file, known)."""
    return embedded.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")


def _failed(name: str, exc: Exception, kind: str = "signature") -> SignatureCheck:
    log.info("signature %s failed: %s", name, type(exc).__name__)
    return SignatureCheck(
        field=name,
        signer="?",
        signed_at=None,
        intact=False,
        trusted=False,
        covers_whole_file=False,
        timestamped=False,
        problem=type(exc).__name__,
        kind=kind,
    )


# What may follow a signature: validation data and document timestamps, or another signature.
_PERMITTED = ("NONE", "LTA_UPDATES", "FORM_FILLING")


def _modifications(embedded: Any) -> str | None:
    """Why the revisions after the first signature are not what signing and renewing add
    (validation data, document timestamps, a second signature), or None when they are."""
    embedded.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
    info = embedded.summarise_integrity_info()
    coverage = info.get("coverage")
    if coverage is None or coverage.name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return "the signature does not cover its revision"
    level = getattr(info.get("diff_result"), "modification_level", None)
    if level is None or level.name not in _PERMITTED or not info.get("docmdp_ok", True):
        return "the file was changed after it was signed"
    return None


def _verify(
    data: bytes,
    validator: Validator,
    at: datetime,
    context: ValidationContext | None,
    known: bool,
) -> Verification:
    result = Verification(sha256=sha256_hex(data), at=at)
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
    long_term = _has_dss(reader)
    changed = None
    regular = [e for e in signatures if e.sig_object_type != "/DocTimeStamp"]
    if regular and not known:
        try:
            changed = _modifications(regular[0])
        except Exception as exc:  # the analysis raises on some malformed updates
            log.info("difference analysis failed: %s", type(exc).__name__)
            changed = "the file's later revisions cannot be analysed"
    for index, embedded in enumerate(signatures):
        name = str(embedded.field_name)
        is_timestamp = embedded.sig_object_type == "/DocTimeStamp"
        try:
            last = index == len(signatures) - 1
            whole = last and _covers_rest(embedded) and changed is None
            if is_timestamp:
                check = _check_timestamp(embedded, validator, whole)
            elif long_term:
                check = _check_long_term(embedded, validator, at, whole)
            else:
                check = _check_simple(embedded, validator, at, whole, context)
        except Exception as exc:  # pyHanko raises on corrupted signatures
            check = _failed(name, exc, "timestamp" if is_timestamp else "signature")
        result.signatures.append(check)
    if changed is None and not known and not data.rstrip().endswith(b"%%EOF"):
        changed = "bytes were added after the end of the file"
    if changed is not None:
        result.problems.append("modified")
    if not result.signed:
        result.problems.append("unsigned")
    try:
        result.attachments = _embedded_files(reader)
    except Exception:  # a damaged name tree is a missing attachment
        result.attachments = {}
    return result


def verify_pdf(
    data: bytes,
    *,
    trust_roots: list[asn1_x509.Certificate],
    context: ValidationContext | None = None,
    validator: Validator | None = None,
    at: datetime | None = None,
    known: bool = False,
) -> Verification:
    """Check a PDF: each signature's integrity and validity at `at` (default: now), who signed
    and when, the document timestamps, and read the embedded JSON. Comparing with the archive
    is the caller's part (it knows the database). `context` (shared across many files) only
    serves reports without long-term validation data.

    `known` says the bytes are an archived report's (its hash found in the archive, where the
    audit trail recorded it at signing): what was appended after signing is then known to be
    only what the application itself appended, and the difference analysis of the later
    revisions (half of a verification's time) is skipped."""
    validator = validator or Validator(tuple(trust_roots))
    return off_loop(_verify, data, validator, at or utcnow(), context, known)
