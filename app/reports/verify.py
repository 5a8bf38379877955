"""Verifying a signed report: each signature's integrity, its long-term validity at a chosen
date, the document timestamps, and the embedded JSON. Works on untrusted uploads: every failure
becomes a verdict, never an exception.

A report signed as PAdES B-LTA is validated with pyHanko's long-term validation (ETSI EN 319
102-1, 5.6.3): the signature timestamp proves when it was signed, the validation data in the
document proves that the certificate was valid and not revoked then, and the chain of document
timestamps proves that this evidence existed before anything it relies on expired. A report
without validation data (older reports, PAdES B-B) is checked the simple way, at the moment
asked for. The signer named is the certificate's subject, never the signature dictionary's
self-asserted name.

An upload may be a decompression bomb (a 255 KB file whose embedded JSON inflates to 250 MB).
So the signatures are checked first, inflating only what locating and validating them needs
(the cross-reference and object streams, the validation data); the embedded JSON is inflated
only once every signature is intact and trusted; and all inflating of one verification shares
one allowance of `MAX_INFLATED` bytes, inflated incrementally (pyHanko's bounded FlateDecode:
`zlib.decompressobj().decompress(data, max_length)`), beyond which the file is refused as
`INFLATE_LIMIT`. A real report inflates some 25 KB in all (its two JSON documents about
3 KB)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

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
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from app.canonical import sha256_hex
from app.errors import AppError
from app.i18n import N_, _
from app.reports import speedups
from app.reports.allowance import Allowance, BoundedReader, over_limit
from app.reports.evidence import check_evidence
from app.reports.offloop import off_loop
from app.reports.sealed import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT
from app.reports.validator import Validator
from app.reports.verdict import INFLATE_LIMIT, SignatureCheck, Verification
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.verify")
speedups.install()
ATTACHMENTS = (SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT)
MAX_UPLOAD = 20 * 1024 * 1024
# What one verification may inflate in all: a real report inflates some 25 KB (its embedded
# JSON about 3 KB; a full questionnaire with every text answer at its longest stays well
# under 1 MB).
MAX_INFLATED = 8 * 1024 * 1024
# Files verified at once for the page and the API (each may hold an upload of 20 MB and up to
# MAX_INFLATED); the others are told to come back rather than queued.
MAX_CONCURRENT_VERIFICATIONS = 4
RETRY_AFTER_SECONDS = 5
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_VERIFICATIONS)
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


class VerificationBusy(AppError):
    """Every verification slot is taken: 503 with Retry-After."""

    status_code = 503
    slug = "busy"
    title = N_("The service is briefly unavailable")


@contextmanager
def verification_slot() -> Iterator[None]:
    """Hold one of the MAX_CONCURRENT_VERIFICATIONS slots while verifying an upload, or refuse
    at once with VerificationBusy when all are taken (no queue builds up behind them)."""
    if not _SLOTS.acquire(blocking=False):
        raise VerificationBusy(
            _("Too many files are being checked at the moment. Please try again in a few seconds."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        yield
    finally:
        _SLOTS.release()


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


def _embedded_names(reader: PdfFileReader) -> list[Any]:
    """The embedded files' name array (a name, then its file specification), as the first
    signature signed it: an update appended later cannot change what is read here."""
    signatures = reader.embedded_regular_signatures
    # The catalog as that revision had it; references in it resolve in that revision too.
    root = (
        reader.get_historical_resolver(signatures[0].signed_revision).root
        if signatures
        else reader.root
    )
    try:
        return list(root["/Names"]["/EmbeddedFiles"]["/Names"])
    except (KeyError, TypeError):
        return []


def _embedded_files(reader: PdfFileReader, names: list[Any] | None = None) -> dict[str, bytes]:
    """Datawaarden's JSON attachments by name (the evidence and other embedded files are not
    read here), as the first signature signed them."""
    names = _embedded_names(reader) if names is None else names
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


def _timing(at: datetime) -> ValidationTimingInfo:
    return ValidationTimingInfo(
        validation_time=at, best_signature_time=at, point_in_time_validation=True
    )


def _has_dss(reader: PdfFileReader) -> bool:
    try:
        DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return False
    except Exception as exc:
        if over_limit(exc):
            raise
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


def _check_long_term(embedded: Any, validator: Validator, at: datetime) -> SignatureCheck:
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
        covers_whole_file=False,
        timestamped=stamp is not None,
        problem=problem,
        proven_by=proven_by,
        certificate_valid_until=cert.not_valid_after,
        long_term=True,
        stated_name=_name_in_signature(embedded),
    )


def _check_simple(
    embedded: Any, validator: Validator, at: datetime, context: ValidationContext | None
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
        covers_whole_file=False,
        timestamped=status.timestamp_validity is not None,
        certificate_valid_until=status.signing_cert.not_valid_after,
        stated_name=_name_in_signature(embedded),
    )


def _check_timestamp(embedded: Any, validator: Validator) -> SignatureCheck:
    when = _token_time(embedded)
    cert = embedded.signer_cert
    # Its integrity, and that its certificate chains to a trust anchor and was within its
    # validity when the token was made. Whether it was revoked, and that it still proves
    # something today, is what the long-term validation of the signatures judges (with the
    # validation data in the file), so revocation is not asked for here.
    context = ValidationContext(
        trust_roots=list(validator.trust_roots),
        allow_fetching=False,
        moment=when,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_timestamp(embedded, context, skip_diff=True)
    return SignatureCheck(
        field=str(embedded.field_name),
        signer=_common_name(cert),
        certificate=_subject(cert),
        signed_at=when,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_whole_file=False,
        timestamped=True,
        kind="timestamp",
        certificate_valid_until=cert.not_valid_after,
    )


def _covers_rest(embedded: Any) -> bool:
    """Whether this signature covers the file, or its whole revision with only updates after
    it. That those updates are permitted ones is the difference analysis' verdict (or, for an
    archived file, known)."""
    coverage = embedded.evaluate_signature_coverage()
    return bool(coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION"))


def _failed(name: str, exc: Exception, kind: str) -> SignatureCheck:
    log.info("signature %s failed: %s", name, type(exc).__name__)  # pragma: no mutate
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


def _modified(embedded: Any) -> bool:
    """Whether the revisions after the first signature hold more than what signing and renewing
    add (validation data, document timestamps, a second signature)."""
    embedded.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)
    info = embedded.summarise_integrity_info()
    if info["coverage"].name not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        log.info("the signature does not cover its revision")  # pragma: no mutate
        return True
    # pyHanko records a forbidden change as an exception in place of a result (no level).
    level = getattr(info["diff_result"], "modification_level", None)
    if level is None or level.name not in _PERMITTED or info["docmdp_ok"] is not True:
        log.info("the file was changed after it was signed: %s", level)  # pragma: no mutate
        return True
    return False


def _check(
    embedded: Any,
    validator: Validator,
    at: datetime,
    context: ValidationContext | None,
    long_term: bool,
) -> tuple[SignatureCheck, bool]:
    """One signature's or document timestamp's integrity and trust (nothing it signed is
    inflated), and whether it covers the rest of the file."""
    name = str(embedded.field_name)
    is_timestamp = embedded.sig_object_type == "/DocTimeStamp"
    try:
        # Whether it covers the whole file is decided once the later revisions are judged.
        if is_timestamp:
            check = _check_timestamp(embedded, validator)
        elif long_term:
            check = _check_long_term(embedded, validator, at)
        else:
            check = _check_simple(embedded, validator, at, context)
        return check, _covers_rest(embedded)
    except Exception as exc:  # pyHanko raises on corrupted signatures
        if over_limit(exc):
            raise
        if isinstance(embedded.reader.decode_context, Allowance):
            embedded.reader.decode_context.settle(exc)
        return _failed(name, exc, "timestamp" if is_timestamp else "signature"), False


def _verify(
    data: bytes,
    validator: Validator,
    at: datetime,
    context: ValidationContext | None,
    known: bool,
    max_inflated: int,
) -> Verification:
    result = Verification(sha256=sha256_hex(data), at=at, max_inflated=max_inflated)
    if data[:1024].lstrip()[:5] != b"%PDF-":
        result.problems.append("not_pdf")
        return result
    result.is_pdf = True
    allowance = Allowance(max_inflated)
    try:
        reader = BoundedReader(data, allowance)
        signatures = list(reader.embedded_signatures)
        result.readable = True
    except Exception as exc:  # a damaged file is a verdict, not a crash
        log.info("unreadable PDF: %s", type(exc).__name__)  # pragma: no mutate
        allowance.settle(exc)
        if not allowance.exhausted:
            result.problems.append("unreadable")
            return result
    if allowance.exhausted:  # its very structure inflates to more than a report's
        result.readable = True
        result.problems.append(INFLATE_LIMIT)
        return result
    regular = [e for e in signatures if e.sig_object_type != "/DocTimeStamp"]
    if not regular:
        # Nothing signed it: nothing in it is worth inflating.
        result.problems.append("unsigned")
        return result
    # First each signature's integrity and trust: what it needs (its validation data) is all
    # that is inflated before every signature is found intact and trusted.
    covers: list[bool] = []
    try:
        long_term = _has_dss(reader)
        for embedded in signatures:
            check, whole = _check(embedded, validator, at, context, long_term)
            result.signatures.append(check)
            covers.append(whole)
    except Exception as exc:  # only the allowance: _check turns the rest into verdicts
        stopped = type(exc).__name__
        log.info("inflating stopped at %s bytes: %s", max_inflated, stopped)  # pragma: no mutate
        allowance.settle(exc)
    if allowance.exhausted:
        result.signatures = []  # not judged on all they need: the file is refused as a whole
        result.problems.append(INFLATE_LIMIT)
        return result
    trusted = all(s.ok for s in result.signatures)
    # Then what was appended after the first signature (that reads the later revisions), only
    # for signatures that hold: a broken or untrusted one is not confirmed whatever follows.
    changed = False
    if trusted and not known:
        try:
            changed = _modified(regular[0])
        except Exception as exc:  # the analysis raises on some malformed updates
            log.info("difference analysis failed: %s", type(exc).__name__)  # pragma: no mutate
            allowance.settle(exc)
            changed = True  # what cannot be analysed is not confirmed
        if allowance.exhausted:  # not a change found, a file too large to judge
            result.problems.append(INFLATE_LIMIT)
            changed = False
    if not changed and not known and not data.rstrip().endswith(b"%%EOF"):
        log.info("bytes were added after the end of the file")  # pragma: no mutate
        changed = True
    result.signatures[-1] = dataclasses.replace(
        result.signatures[-1], covers_whole_file=covers[-1] and not changed
    )
    if changed:
        result.problems.append("modified")
    # Last the embedded JSON: only from a file whose signatures are confirmed (or from the
    # archive's own bytes), and never more than what is left of the allowance.
    if result.signatures_ok or (known and INFLATE_LIMIT not in result.problems):
        names: list[Any] = []
        try:
            names = _embedded_names(reader)
            result.attachments = _embedded_files(reader, names)
        except Exception as exc:  # a damaged name tree is a missing attachment
            allowance.settle(exc)
            result.attachments = {}
        if allowance.exhausted:
            log.info("embedded files are too large: %s", max_inflated)  # pragma: no mutate
            result.problems.append(INFLATE_LIMIT)
            result.attachments = {}
        # The files its snapshot lists, each bounded by the size listed (app.reports.evidence).
        result.evidence = check_evidence(names, result.attachments.get(SNAPSHOT_ATTACHMENT))
    return result


def verify_pdf(
    data: bytes,
    *,
    trust_roots: list[asn1_x509.Certificate],
    context: ValidationContext | None = None,
    validator: Validator | None = None,
    at: datetime | None = None,
    known: bool = False,
    max_inflated: int | None = None,
) -> Verification:
    """Check a PDF: each signature's integrity and validity at `at` (default: now), who signed
    and when, the document timestamps, and read the embedded JSON. Comparing with the archive
    is the caller's part (it knows the database). `context` (shared across many files) only
    serves reports without long-term validation data.

    `known` says the bytes are an archived report's (its hash found in the archive, where the
    audit trail recorded it at signing): what was appended after signing is then known to be
    only what the application itself appended, and the difference analysis of the later
    revisions (half of a verification's time) is skipped.

    Nothing the signatures signed is inflated unless they are intact and trusted, and all
    inflating stops at `max_inflated` bytes (default `MAX_INFLATED`): the file is then refused
    with the problem `INFLATE_LIMIT`."""
    validator = validator or Validator(tuple(trust_roots))
    limit = MAX_INFLATED if max_inflated is None else max_inflated
    return off_loop(_verify, data, validator, at or utcnow(), context, known, limit)
