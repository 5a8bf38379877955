"""Each finding of the report verifier, asserted on small signed files built in this module
(pikepdf and the installation's signing key, no WeasyPrint, no database), so that every branch
of `app/reports/verify.py` is pinned by what it reports: the problem codes, the fields of every
signature check and what is (not) read from a file that does not hold."""

from __future__ import annotations

import io
import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pikepdf
import pytest
from asn1crypto import pem
from pikepdf import Array, Dictionary, Name, String
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from app.config import get_settings
from app.errors import AppError
from app.reports import verify as verify_module
from app.reports.checking import trust_roots, validator_for
from app.reports.sealed import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT
from app.reports.signing import load_signing_key, long_term, sign_pdf, trust_anchor_pem
from app.reports.validator import load_trust_roots
from app.reports.verify import (
    INFLATE_LIMIT,
    MAX_CONCURRENT_VERIFICATIONS,
    VerificationBusy,
    read_attachments,
    verification_slot,
    verify_pdf,
)
from app.timeutil import utcnow
from tests.reports.conftest import byte_ranges, flip_byte_in_signed_range

SNAPSHOT = json.dumps({"snapshot": "the answers", "n": 1}).encode()
ADVICE = json.dumps({"advice": "positive"}).encode()
SEAL = "Datawaarden signing (DEVELOPMENT ONLY)"


def small_pdf(
    files: dict[str, bytes] | None = None, *, other: bytes | None = None, title: str = "Rapport"
) -> bytes:
    """A one-page PDF with the given attachments (and, with `other`, a foreign one first)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    names = Array()
    entries = ([("notes.txt", other)] if other is not None else []) + list((files or {}).items())
    for name, body in entries:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(zlib.compress(body), filter=Name.FlateDecode)
        stream.Type = Name.EmbeddedFile
        spec = pdf.make_indirect(
            Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=stream))
        )
        names.append(String(name))
        names.append(spec)
    if entries:
        pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=names))
    pdf.docinfo[Name.Title] = title
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def sign(pdf: bytes, *, lta: bool = False, field: str = "Signature1") -> bytes:
    settings = get_settings()
    key = load_signing_key(settings)
    return sign_pdf(
        pdf,
        key=key,
        field_name=field,
        signer_name="Mallory Stated",
        reason="test",
        location="test",
        long_term=long_term(settings, key) if lta else None,
    )


def append_update(pdf: bytes) -> bytes:
    """An incremental update that draws something new on the signed page."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    drawing = generic.StreamObject(stream_data=b"0 0 m 100 100 l S")
    writer.add_stream_to_page(0, writer.add_object(drawing))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def damage_contents(pdf: bytes, index: int) -> bytes:
    """Garbage 1,500 bytes into a signature's CMS (its signed attributes): not a different
    signature, one that cannot be parsed."""
    _start, first, _second, _length = byte_ranges(pdf)[index]
    data = bytearray(pdf)
    offset = first + 1 + 3000
    data[offset : offset + 8] = b"ffffffff"
    return bytes(data)


@pytest.fixture(scope="module")
def roots(pki):  # type: ignore[no-untyped-def]
    return trust_roots(get_settings())


@pytest.fixture(scope="module")
def validator(pki):  # type: ignore[no-untyped-def]
    return validator_for(get_settings())


@pytest.fixture(scope="module")
def plain(pki) -> bytes:  # type: ignore[no-untyped-def]
    """PAdES B-B: one signature, no timestamp, no validation data."""
    return sign(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT, ADVICE_ATTACHMENT: ADVICE}))


@pytest.fixture(scope="module")
def lta(pki) -> bytes:  # type: ignore[no-untyped-def]
    """PAdES B-LTA: signature with timestamp, validation data, document timestamp."""
    return sign(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT}), lta=True)


def signing_cert():  # type: ignore[no-untyped-def]
    return load_signing_key(get_settings()).signer.signing_cert


# What is not a signed PDF


def test_it_calls_a_file_without_a_pdf_header_not_a_pdf_and_stops_there(roots):
    data = b"GIF89a" + b"\x00" * 100
    result = verify_pdf(data, trust_roots=roots)
    assert result.problems == ["not_pdf"]
    assert not result.is_pdf and not result.readable and result.signatures == []
    assert result.sha256 == verify_module.sha256_hex(data) and len(result.sha256) == 64


def test_it_accepts_white_space_before_the_header_but_not_a_header_after_a_kilobyte(roots, plain):
    assert verify_pdf(b"  \n" + plain, trust_roots=roots).is_pdf
    late = verify_pdf(b" " * 1024 + plain, trust_roots=roots)
    assert late.problems == ["not_pdf"] and not late.is_pdf


def test_it_calls_a_damaged_pdf_unreadable(roots):
    result = verify_pdf(b"%PDF-1.7\nthis is no PDF at all\n", trust_roots=roots)
    assert result.problems == ["unreadable"]
    assert result.is_pdf and not result.readable and result.signatures == []


def test_it_calls_a_pdf_without_signatures_unsigned_and_reads_nothing_in_it(roots):
    result = verify_pdf(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT}), trust_roots=roots)
    assert result.problems == ["unsigned"]
    assert result.is_pdf and result.readable and not result.signed
    assert result.attachments == {} and result.attachment is None
    assert not result.signatures_ok and not result.long_term and result.newest_timestamp is None


def test_it_judges_the_validity_at_the_moment_asked_and_now_by_default(roots, plain):
    before = utcnow()
    assert before <= verify_pdf(plain, trust_roots=roots).at <= utcnow()
    moment = before + timedelta(days=3)
    assert verify_pdf(plain, trust_roots=roots, at=moment).at == moment


# A plain signature (PAdES B-B)


def test_it_describes_a_trusted_plain_signature_field_by_field(roots, plain):
    result = verify_pdf(plain, trust_roots=roots)
    assert result.problems == [] and result.signatures_ok and result.signed
    (check,) = result.signatures
    cert = signing_cert()
    assert check.field == "Signature1" and check.kind == "signature"
    assert check.signer == SEAL == cert.subject.native["common_name"]
    assert check.certificate == cert.subject.human_friendly
    assert check.stated_name == "Mallory Stated"  # only stated, never shown as the signer
    assert check.intact and check.trusted and check.ok and check.problem is None
    assert check.covers_whole_file and not check.timestamped and not check.long_term
    assert check.proven_by is None
    assert check.certificate_valid_until == cert.not_valid_after
    assert check.signed_at is not None and abs(check.signed_at - utcnow()) < timedelta(hours=1)
    assert not result.long_term and result.timestamps == [] and result.newest_timestamp is None


def test_it_reads_only_datawaardens_attachments_from_a_trusted_file(roots, pki):
    data = sign(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT, ADVICE_ATTACHMENT: ADVICE}, other=b"x"))
    result = verify_pdf(data, trust_roots=roots)
    assert result.attachments == {SNAPSHOT_ATTACHMENT: SNAPSHOT, ADVICE_ATTACHMENT: ADVICE}
    assert result.attachment == SNAPSHOT


def test_it_reads_the_attachments_as_the_signature_signed_them(roots, plain):
    """An update after signing that swaps the snapshot does not change what is read."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(plain))
    stream = generic.StreamObject(stream_data=b'{"forged": true}')
    stream["/Type"] = generic.NameObject("/EmbeddedFile")
    spec = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Filespec"),
            generic.NameObject("/F"): generic.TextStringObject(SNAPSHOT_ATTACHMENT),
            generic.NameObject("/EF"): generic.DictionaryObject(
                {generic.NameObject("/F"): writer.add_object(stream)}
            ),
        }
    )
    names = generic.ArrayObject(
        [generic.TextStringObject(SNAPSHOT_ATTACHMENT), writer.add_object(spec)]
    )
    writer.root["/Names"] = generic.DictionaryObject(
        {
            generic.NameObject("/EmbeddedFiles"): generic.DictionaryObject(
                {generic.NameObject("/Names"): names}
            )
        }
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    forged = out.getvalue()
    with pikepdf.open(io.BytesIO(forged)) as pdf:  # the newest revision holds the forgery
        newest = pdf.Root.Names.EmbeddedFiles.Names[1].EF.F.read_bytes()
    assert newest == b'{"forged": true}'
    assert read_attachments(forged)[SNAPSHOT_ATTACHMENT] == SNAPSHOT
    known = verify_pdf(forged, trust_roots=roots, known=True)
    assert known.attachments == {SNAPSHOT_ATTACHMENT: SNAPSHOT, ADVICE_ATTACHMENT: ADVICE}
    uploaded = verify_pdf(forged, trust_roots=roots)
    assert uploaded.problems == ["modified"] and uploaded.attachments == {}


def test_it_neither_trusts_nor_reads_a_file_signed_by_an_unknown_key(plain):
    result = verify_pdf(plain, trust_roots=[])
    (check,) = result.signatures
    assert check.intact and not check.trusted and not check.ok
    assert not result.signatures_ok and result.attachments == {}
    assert result.problems == []  # not changed, only not trusted


def test_it_calls_a_signature_broken_when_a_signed_byte_changed(roots, plain):
    result = verify_pdf(flip_byte_in_signed_range(plain), trust_roots=roots)
    (check,) = result.signatures
    assert result.is_pdf and result.readable
    assert not check.intact and not check.ok and not result.signatures_ok
    assert result.attachments == {}


def test_it_names_a_signature_that_cannot_be_read_at_all(roots, plain):
    """Garbage inside the signature's CMS makes pyHanko raise; that is a finding with the
    signature's name."""
    result = verify_pdf(damage_contents(plain, 0), trust_roots=roots)
    (check,) = result.signatures
    assert check.field == "Signature1" and check.kind == "signature"
    assert check.signer == "?" and check.signed_at is None
    assert not check.intact and not check.trusted and not check.covers_whole_file
    assert not check.timestamped and check.problem and check.problem[0].isupper()
    assert not result.signatures_ok and result.attachments == {}


def test_it_finds_bytes_appended_after_the_end_of_the_file(roots, plain):
    result = verify_pdf(plain + b"\n% appended\n", trust_roots=roots)
    assert result.problems == ["modified"]
    assert result.signatures[0].intact and result.signatures[0].trusted
    assert not result.signatures[-1].covers_whole_file and not result.signatures_ok
    assert result.attachments == {}


def test_it_takes_an_archived_files_own_bytes_as_known(roots, plain):
    """The archive's own bytes skip the analysis of later revisions (the application appended
    them) and still give their attachments."""
    result = verify_pdf(plain + b"\n% appended\n", trust_roots=roots, known=True)
    assert result.problems == [] and result.signatures_ok
    assert result.attachments[SNAPSHOT_ATTACHMENT] == SNAPSHOT


def test_it_gives_an_archived_file_its_attachments_even_when_a_signature_fails(plain):
    result = verify_pdf(plain, trust_roots=[], known=True)
    assert not result.signatures_ok and result.attachments[SNAPSHOT_ATTACHMENT] == SNAPSHOT


def test_it_finds_a_change_appended_as_an_incremental_update(roots, plain):
    changed = append_update(plain)
    result = verify_pdf(changed, trust_roots=roots)
    assert result.problems == ["modified"]
    check = result.signatures[0]
    assert check.intact and check.trusted and not check.covers_whole_file
    assert not result.signatures_ok and result.attachments == {}


def test_it_confirms_a_second_signature_and_that_it_covers_the_file(roots, plain):
    twice = sign(plain, field="Signature2")
    result = verify_pdf(twice, trust_roots=roots)
    assert [s.field for s in result.signatures] == ["Signature1", "Signature2"]
    assert result.problems == [] and result.signatures_ok
    assert result.signatures[0].covers_whole_file is False
    assert result.signatures[-1].covers_whole_file


# Long-term signatures (PAdES B-LTA)


def test_it_describes_a_long_term_signature_and_its_document_timestamp(validator, lta):
    result = verify_pdf(lta, trust_roots=[], validator=validator)
    assert result.problems == [] and result.signatures_ok and result.long_term
    check, stamp = result.signatures
    assert check.kind == "signature" and check.long_term and check.timestamped
    assert (
        check.field == "Signature1" and check.certificate == signing_cert().subject.human_friendly
    )
    assert check.signer == SEAL and check.stated_name == "Mallory Stated"
    assert check.intact and check.trusted and check.problem is None
    assert check.proven_by is not None
    tsa, when = check.proven_by.split(", ")
    assert tsa.startswith("Datawaarden timestamps")
    assert when == check.signed_at.isoformat(timespec="seconds")
    assert check.certificate_valid_until == signing_cert().not_valid_after
    assert check.covers_whole_file is False  # the timestamp after it covers the file
    assert stamp.kind == "timestamp" and stamp.timestamped and stamp.covers_whole_file
    assert stamp.intact and stamp.trusted and stamp.ok
    assert stamp.signer.startswith("Datawaarden timestamps") and stamp.certificate
    assert stamp.signed_at is not None and stamp.signed_at >= check.signed_at
    assert stamp.certificate_valid_until is not None and not stamp.long_term
    assert result.timestamps == [stamp] and result.newest_timestamp == stamp
    assert result.attachments == {SNAPSHOT_ATTACHMENT: SNAPSHOT}


def test_it_still_holds_a_long_term_signature_after_the_certificate_expired(validator, lta):
    expiry = signing_cert().not_valid_after
    result = verify_pdf(lta, trust_roots=[], validator=validator, at=expiry + timedelta(days=400))
    assert result.signatures_ok
    assert result.signatures[0].signed_at < expiry


def test_it_does_not_hold_a_plain_signature_after_the_certificate_expired(validator, plain):
    expiry = signing_cert().not_valid_after
    result = verify_pdf(plain, trust_roots=[], validator=validator, at=expiry + timedelta(days=1))
    assert result.signatures[0].intact and not result.signatures[0].trusted
    assert not result.signatures_ok and result.attachments == {}


def test_it_names_why_long_term_validation_failed(validator, lta):
    result = verify_pdf(lta, trust_roots=[])
    check = result.signatures[0]
    assert check.long_term and not check.trusted and not check.ok
    assert check.problem == "no_certificate_chain_found"  # pyHanko's AdES sub-indication
    assert check.field == "Signature1" and check.signer == SEAL
    assert check.certificate == signing_cert().subject.human_friendly
    passed = verify_pdf(lta, trust_roots=[], validator=validator).signatures[0]
    assert check.proven_by is None and check.signed_at == passed.signed_at  # the token's time


def test_it_names_a_document_timestamp_that_cannot_be_read(validator, lta):
    result = verify_pdf(damage_contents(lta, -1), trust_roots=[], validator=validator)
    stamp = result.signatures[-1]
    assert stamp.kind == "timestamp" and stamp.signer == "?" and not stamp.intact
    assert not result.signatures_ok


def test_it_does_not_call_a_file_with_only_a_document_timestamp_signed(validator, lta):
    assert not verify_module.Verification(sha256="x").signed
    result = verify_pdf(lta, trust_roots=[], validator=validator)
    only_stamps = verify_module.Verification(sha256="x", signatures=result.timestamps)
    assert not only_stamps.signed and not only_stamps.long_term and not only_stamps.signatures_ok


def test_it_does_not_call_signatures_without_a_document_timestamp_long_term(validator, lta):
    result = verify_pdf(lta, trust_roots=[], validator=validator)
    without = verify_module.Verification(sha256="x", signatures=result.signatures[:1])
    assert not without.long_term


# The limits


def test_it_refuses_a_file_whose_structure_inflates_beyond_the_allowance(roots, pki):
    """Object streams are inflated to find the signatures: past the allowance nothing is
    judged."""
    pdf = pikepdf.open(io.BytesIO(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT})))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    resigned = sign(out.getvalue())
    result = verify_pdf(resigned, trust_roots=roots, max_inflated=10)
    assert result.problems == [INFLATE_LIMIT] and result.readable and result.is_pdf
    assert result.signatures == [] and result.attachments == {} and result.max_inflated == 10
    assert verify_pdf(resigned, trust_roots=roots).problems == []


def test_it_refuses_the_attachments_of_a_trusted_file_beyond_the_allowance(roots, plain):
    result = verify_pdf(plain, trust_roots=roots, max_inflated=30)
    assert result.problems == [INFLATE_LIMIT] and result.attachments == {}
    assert result.signatures[0].ok and not result.signatures_ok


def test_it_records_the_allowance_it_worked_with(roots, plain):
    assert verify_pdf(plain, trust_roots=roots).max_inflated == verify_module.MAX_INFLATED


def test_it_refuses_more_verifications_at_once_than_it_has_slots():
    with verification_slot():
        held = [verification_slot() for _ in range(MAX_CONCURRENT_VERIFICATIONS - 1)]
        for slot in held:
            slot.__enter__()
        try:
            with pytest.raises(VerificationBusy) as refused, verification_slot():
                pass
        finally:
            for slot in held:
                slot.__exit__(None, None, None)
    error = refused.value
    assert isinstance(error, AppError) and error.status_code == 503
    assert error.headers == {"Retry-After": "5"}
    assert error.detail.startswith("Er worden op dit moment te veel bestanden gecontroleerd.")
    with verification_slot():  # every slot was given back
        pass


def test_it_reads_no_attachments_from_a_damaged_file():
    assert read_attachments(b"%PDF-1.7 nothing") == {}
    assert read_attachments(small_pdf()) == {}
    assert read_attachments(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT})) == {
        SNAPSHOT_ATTACHMENT: SNAPSHOT
    }


def test_it_loads_every_certificate_of_a_trust_anchor_file(pki):
    anchor = trust_anchor_pem(load_signing_key(get_settings()))
    count = len(list(pem.unarmor(anchor, multiple=True)))
    roots = load_trust_roots(anchor + anchor)
    assert len(roots) == 2 * count and roots[0].sha256 == roots[count].sha256


def test_it_fingerprints_what_a_validator_trusts_and_knows(validator):
    same = verify_module.Validator(validator.trust_roots, validator.known_crls)
    assert same.fingerprint == validator.fingerprint and len(same.fingerprint) == 64
    online = verify_module.Validator(validator.trust_roots, validator.known_crls, True)
    bare = verify_module.Validator(validator.trust_roots)
    nothing = verify_module.Validator(())
    prints = {validator.fingerprint, online.fingerprint, nothing.fingerprint}
    assert len(prints) == 3
    assert (bare.fingerprint == validator.fingerprint) == (not validator.known_crls)


# Details that decide a verdict


def test_it_finds_the_header_within_the_first_kilobyte_only(roots, plain):
    assert verify_pdf(b" " * 1019 + plain, trust_roots=roots).is_pdf
    assert not verify_pdf(b" " * 1020 + plain, trust_roots=roots).is_pdf


def test_it_reports_the_failure_of_an_unreadable_signature_exactly(validator, lta):
    result = verify_pdf(damage_contents(lta, 0), trust_roots=[], validator=validator)
    check = result.signatures[0]
    assert check.problem == "SignatureValidationError" and check.kind == "signature"
    assert check.intact is False and check.trusted is False
    assert check.covers_whole_file is False and check.timestamped is False


def test_it_does_not_trust_a_document_timestamp_from_an_unknown_authority(lta):
    stamp = verify_pdf(lta, trust_roots=[]).signatures[-1]
    assert stamp.kind == "timestamp" and stamp.intact and stamp.trusted is False


def test_it_names_a_document_timestamp_by_its_field_and_certificate(validator, lta):
    stamp = verify_pdf(lta, trust_roots=[], validator=validator).signatures[-1]
    with pikepdf.open(io.BytesIO(lta)) as pdf:
        fields = [str(f.T) for f in pdf.Root.AcroForm.Fields]
    assert stamp.field == fields[-1] and stamp.field != fields[0]
    assert "Datawaarden timestamps" in stamp.certificate and stamp.certificate != stamp.signer


def test_it_leaves_the_stated_name_empty_when_the_signature_states_none(roots, pki):
    data = sign_pdf(
        small_pdf(),
        key=load_signing_key(get_settings()),
        field_name="Signature1",
        signer_name=None,  # type: ignore[arg-type]
        reason="r",
        location="l",
    )
    check = verify_pdf(data, trust_roots=roots).signatures[0]
    assert check.stated_name is None and check.signer == SEAL
    assert check.timestamped is False


def test_it_shows_a_question_mark_for_a_certificate_it_cannot_read():
    assert verify_module._common_name(None) == "?"
    assert verify_module._subject(None) == "?"


def test_it_judges_a_long_term_signature_at_the_moment_asked(validator, lta):
    """Before it was made, the signature proves nothing yet."""
    result = verify_pdf(lta, trust_roots=[], validator=validator, at=utcnow() - timedelta(days=1))
    check = result.signatures[0]
    assert check.intact and not check.trusted and check.problem is not None
    assert not result.signatures_ok


def test_it_does_not_call_a_file_with_only_a_document_timestamp_signed_at_all(roots, pki):
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    settings = get_settings()
    stamper = long_term(settings, load_signing_key(settings)).timestamper
    writer = IncrementalPdfFileWriter(io.BytesIO(small_pdf({SNAPSHOT_ATTACHMENT: SNAPSHOT})))
    # pyHanko runs its own event loop: in a thread of its own, whatever loop runs here.
    with ThreadPoolExecutor(1) as pool:
        out = pool.submit(PdfTimeStamper(stamper).timestamp_pdf, writer, "sha256").result()
    result = verify_pdf(out.getvalue(), trust_roots=roots)
    assert result.problems == ["unsigned"] and result.signatures == []
    assert result.attachments == {}


def test_it_uses_the_validation_context_it_is_given_for_plain_signatures(roots, plain):
    from pyhanko_certvalidator import ValidationContext

    nothing_trusted = ValidationContext(trust_roots=[], allow_fetching=False)
    result = verify_pdf(plain, trust_roots=roots, context=nothing_trusted)
    assert result.signatures[0].intact and not result.signatures[0].trusted


def test_it_does_not_analyse_what_follows_a_signature_it_does_not_trust(plain):
    result = verify_pdf(append_update(plain), trust_roots=[])
    assert result.problems == [] and not result.signatures_ok


def test_it_checks_a_file_with_damaged_validation_data_the_simple_way(roots, plain):
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(plain))
    writer.root["/DSS"] = generic.NumberObject(5)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots=roots, known=True)
    check = result.signatures[0]
    assert check.trusted and check.long_term is False and result.signatures_ok


def test_it_finds_an_annotation_added_after_signing(roots, plain):
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(plain))
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (10, 10, 50, 50)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("Afgekeurd"),
        }
    )
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    page["/Annots"] = generic.ArrayObject([writer.add_object(annotation)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots=roots)
    assert result.problems == ["modified"] and not result.signatures_ok


def test_it_fetches_nothing_when_it_may_not(validator, lta, no_network):
    offline = verify_pdf(lta, trust_roots=[], validator=validator)
    assert offline.signatures_ok and no_network.attempts == []
    local = verify_module.Validator(validator.trust_roots)
    verify_pdf(lta, trust_roots=[], validator=local)
    assert no_network.attempts == []


def test_it_fetches_nothing_for_a_plain_signature(roots, plain, no_network):
    assert verify_pdf(plain, trust_roots=roots).signatures_ok
    assert no_network.attempts == []
