"""The signatures: pyHanko (through verify_pdf) and poppler's pdfsig as an independent check,
a tampered byte, and a second signature as an incremental update."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from sqlmodel import col, select

from app.audit.models import AuditEvent
from app.config import get_settings
from app.reports.checking import trust_roots
from app.reports.models import Report
from app.reports.verify import verify_pdf
from tests.conftest import PASSWORD, page_text
from tests.reports.conftest import (
    World,
    byte_ranges,
    drive_to_advice,
    flip_byte_in_signed_range,
    needs_poppler,
    open_pdf,
    pdfsig,
)


@pytest.fixture(scope="module")
def roots(pki):  # type: ignore[no-untyped-def]
    return trust_roots(get_settings())


def test_it_is_a_long_term_signature_that_pyhanko_validates(signed_pdf, roots):
    result = verify_pdf(signed_pdf, trust_roots=roots)
    assert result.is_pdf and result.readable and result.problems == []
    assert [s.kind for s in result.signatures] == ["signature", "timestamp"]
    check, stamp = result.signatures
    assert check.field == "Signature1" and check.long_term and result.long_term
    assert check.intact and check.trusted and check.ok and check.problem is None
    # Who signed is the certificate's subject; the name in the signature is only stated.
    assert check.signer == "Datawaarden signing (DEVELOPMENT ONLY)"
    assert check.stated_name == "Chris Chair"
    assert check.timestamped and check.proven_by.startswith("Datawaarden timestamps")
    assert check.signed_at is not None and check.certificate_valid_until > check.signed_at
    assert stamp.intact and stamp.covers_whole_file and stamp.signer.startswith("Datawaarden")
    assert result.signatures_ok


def test_it_carries_validation_data_and_a_document_timestamp_after_the_signature(signed_pdf):
    ranges = byte_ranges(signed_pdf)
    assert len(ranges) == 2  # the signature, then the document timestamp
    (start, first, second_start, second), timestamp = ranges
    assert start == 0 and timestamp[0] == 0
    # The document timestamp covers the signature and the validation data added after it.
    assert timestamp[2] + timestamp[3] > second_start + second
    assert signed_pdf[first : first + 1] == b"<"
    with open_pdf(signed_pdf) as pdf:
        dss = pdf.Root.DSS
        assert len(dss.Certs) >= 3 and len(dss.CRLs) >= 1  # chain, TSA and its CRL


def test_it_stays_valid_after_the_signing_certificate_expired_with_the_network_off(
    signed_pdf, roots, no_network
):
    from app.reports.signing import load_signing_key

    expiry = load_signing_key(get_settings()).signer.signing_cert.not_valid_after
    later = expiry.replace(year=expiry.year + 1)
    result = verify_pdf(signed_pdf, trust_roots=roots, at=later)
    assert result.signatures_ok, result.signatures
    assert result.signatures[0].signed_at < expiry
    assert no_network.attempts == []


def test_it_would_not_stay_valid_without_the_long_term_data(roots, pki):
    """The same key, a plain PAdES B-B signature: invalid once the certificate expired."""
    import weasyprint

    from app.reports.signing import load_signing_key, sign_pdf

    key = load_signing_key(get_settings())
    pdf = weasyprint.HTML(string="<p>Zonder tijdstempel</p>").write_pdf(pdf_variant="pdf/a-3b")
    plain = sign_pdf(
        pdf, key=key, field_name="Signature1", signer_name="x", reason="x", location="x"
    )
    expiry = key.signer.signing_cert.not_valid_after
    now = verify_pdf(plain, trust_roots=roots)
    later = verify_pdf(plain, trust_roots=roots, at=expiry.replace(year=expiry.year + 1))
    assert now.signatures_ok and not now.long_term
    assert not later.signatures_ok


def test_it_does_not_trust_a_signature_without_the_trust_anchor(signed_pdf):
    check = verify_pdf(signed_pdf, trust_roots=[]).signatures[0]
    assert check.intact and not check.trusted and not check.ok


def test_it_reports_a_flipped_byte_as_a_broken_signature(signed_pdf, roots):
    result = verify_pdf(flip_byte_in_signed_range(signed_pdf), trust_roots=roots)
    assert result.is_pdf and result.readable
    assert not result.signatures[0].intact
    assert not result.signatures_ok


def test_it_reports_bytes_appended_after_signing(signed_pdf, roots):
    appended = signed_pdf + b"\n% appended after signing\n"
    result = verify_pdf(appended, trust_roots=roots)
    assert result.signatures and not result.signatures_ok
    assert "modified" in result.problems


@needs_poppler
def test_it_is_valid_and_trusted_for_pdfsig(signed_pdf, nss_dir, tmp_path):
    out = pdfsig(nss_dir, signed_pdf, tmp_path)
    signature, timestamp = out.split("Signature #2")
    assert "Signature #1" in signature and "- Signature Field Name: Signature1" in signature
    assert "Signature is Valid" in signature, out
    assert "Certificate is Trusted" in signature, out
    assert "SHA-256" in signature and "ETSI.CAdES.detached" in signature
    # poppler lists the document timestamp as a second signature but does not check
    # timestamps (pyHanko's long-term validation does, above); it finds no mismatch in either.
    assert "Datawaarden timestamps" in timestamp
    assert "Digest Mismatch" not in out


@needs_poppler
def test_it_is_a_digest_mismatch_for_pdfsig_after_one_flipped_byte(signed_pdf, nss_dir, tmp_path):
    out = pdfsig(nss_dir, flip_byte_in_signed_range(signed_pdf), tmp_path)
    assert "Digest Mismatch" in out, out
    assert "Signature is Valid" not in out


# --- a second signature -------------------------------------------------------------------


@dataclass(frozen=True)
class Cosigned:
    assessment_id: int
    reference: str
    first: bytes
    first_sha256: str
    cosign_status: int


@pytest.fixture(scope="module")
def cosigned(world: World) -> Cosigned:
    """A second assessment signed by the chair (service), then co-signed by a board member
    through POST /committee/assessments/{id}/cosign (add_second_signature)."""
    from app.assessments.models import Assessment
    from app.reports.service import sign_report
    from tests.reports.conftest import CHAIR

    assessment_id = drive_to_advice(world, title="Tweede rapport", comment=None)
    first = sign_report(
        world.engine,
        assessment_id=assessment_id,
        actor_id=world.users["chair"],
        roles=CHAIR,
        password=PASSWORD,
        settings=get_settings(),
    )
    with world.login("board") as board:
        response = board.post_form(
            f"/committee/assessments/{assessment_id}/cosign", {"password": PASSWORD}
        )
    with world.session() as session:
        a = session.get(Assessment, assessment_id)
        assert a is not None
        return Cosigned(assessment_id, a.reference, first.pdf, first.sha256, response.status_code)


def _versions(world: World, assessment_id: int) -> list[Report]:
    with world.session() as session:
        return list(
            session.exec(
                select(Report)
                .where(Report.assessment_id == assessment_id)
                .order_by(col(Report.sequence))
            ).all()
        )


def test_it_adds_a_second_signature_as_a_new_version(world, cosigned, roots):
    assert cosigned.cosign_status == 303
    first, second = _versions(world, cosigned.assessment_id)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.pdf == cosigned.first and first.sha256 == cosigned.first_sha256
    assert second.pdf.startswith(first.pdf)  # an incremental update
    assert second.signed_by_id == world.users["board"]
    assert second.snapshot_sha256 == first.snapshot_sha256
    assert (first.kind, second.kind) == ("signature", "cosignature")
    result = verify_pdf(second.pdf, trust_roots=roots)
    regular = [s for s in result.signatures if s.kind == "signature"]
    assert [s.field for s in regular] == ["Signature1", "Signature2"]
    assert [s.kind for s in result.signatures] == ["signature", "timestamp"] * 2
    assert all(s.intact and s.trusted and s.long_term for s in regular)
    assert regular[0].stated_name == "Chris Chair"
    assert regular[1].stated_name.startswith("Bea Board (")
    assert {s.signer for s in regular} == {"Datawaarden signing (DEVELOPMENT ONLY)"}
    assert not result.signatures[0].covers_whole_file
    assert result.signatures[-1].covers_whole_file
    assert result.signatures_ok
    with world.session() as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "report.cosigned",
                AuditEvent.assessment_id == cosigned.assessment_id,
            )
        ).one()
        assert json.loads(event.details_json)["sha256"] == second.sha256


@needs_poppler
def test_it_has_two_valid_signatures_for_pdfsig(world, cosigned, nss_dir, tmp_path):
    _first, second = _versions(world, cosigned.assessment_id)
    out = pdfsig(nss_dir, second.pdf, tmp_path)
    assert "Signature #1" in out and "Signature #3" in out
    assert out.count("Signature is Valid") == 2, out  # the two signatures; timestamps unchecked
    assert "Digest Mismatch" not in out
    first, second = out.split("Signature #3")
    assert "Certificate is Trusted" in first, out
    # poppler 22.12 trusts the certificate of the first signature only: when the same
    # certificate signs twice, NSS answers "Unknown issue with Certificate or corrupted data"
    # for the second one. This happens as well for any PDF that pyHanko signs twice with one
    # key, and not with two keys: a pdfsig limitation, not a defect of the file.
    assert (
        "Certificate is Trusted" in second
        or "Unknown issue with Certificate or corrupted data" in second
    ), out


def test_it_serves_the_newest_version_for_download(world, cosigned):
    _first, second = _versions(world, cosigned.assessment_id)
    with world.login("lead") as lead:
        response = lead.get(f"/assessments/{cosigned.assessment_id}/report.pdf")
    assert response.status_code == 200
    assert response.content == second.pdf
    assert (
        f'filename="{cosigned.reference}-advies-2.pdf"' in response.headers["content-disposition"]
    )


def test_it_refuses_a_third_signature_and_a_cosign_by_the_chair_who_signed(world, cosigned):
    with world.login("chair") as chair:
        response = chair.post_form(
            f"/committee/assessments/{cosigned.assessment_id}/cosign", {"password": PASSWORD}
        )
    assert response.status_code == 409
    assert len(_versions(world, cosigned.assessment_id)) == 2


def test_it_refuses_a_cosign_by_the_signer_by_a_lead_and_with_a_wrong_password(world, signed):
    url = f"/committee/assessments/{signed.assessment_id}/cosign"
    with world.login("chair") as chair:
        assert chair.post_form(url, {"password": PASSWORD}).status_code == 409
    with world.login("lead") as lead:
        assert lead.post_form(url, {"password": PASSWORD}).status_code == 403
    with world.login("board") as board:
        assert board.post_form(url, {"password": "wrong"}).status_code == 422
    assert [r.sequence for r in _versions(world, signed.assessment_id)] == [1]


def test_it_offers_the_second_signature_to_the_committee_but_not_to_the_chair_who_signed(
    world, signed
):
    url = f"/committee/assessments/{signed.assessment_id}/advice"
    cosign = f"form[action='/committee/assessments/{signed.assessment_id}/cosign']"
    with world.login("chair") as chair:
        page = BeautifulSoup(chair.get(url).text, "lxml")
    assert page.select_one(cosign) is None
    assert "U hebt dit rapport ondertekend." in page_text(str(page))
    with world.login("board") as board:
        offered = BeautifulSoup(board.get(url).text, "lxml")
        assert offered.select_one(cosign) is not None
        response = board.post_form(url.replace("/advice", "/cosign"), {"password": "wrong"})
    assert response.status_code == 422
    again = BeautifulSoup(response.text, "lxml")
    field = again.select_one(f"{cosign} #f-cosign-password")
    assert field is not None and field["aria-invalid"] == "true"
    assert again.select_one("#error-summary a[href='#f-cosign-password']") is not None
    assert "Uw handtekening is niet toegevoegd." in page_text(response.text)
    assert [r.sequence for r in _versions(world, signed.assessment_id)] == [1]


def test_it_records_the_audit_head_before_signing(world, signed):
    with world.session() as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    by_hash = {e.hash: i for i, e in enumerate(events)}
    assert signed.audit_head_hash in by_hash
    following = events[by_hash[signed.audit_head_hash] + 1]
    assert following.prev_hash == signed.audit_head_hash
    assert following.assessment_id == signed.assessment_id
    assert re.match(r"(assessment\.sign|report\.signed)$", following.action)


def test_it_parses_the_signing_key_once_and_signs_validly_without_parsing_it_again(
    pki, roots, monkeypatch
):
    import io

    import pikepdf
    from cryptography.hazmat.primitives import serialization

    from app.reports.signing import load_signing_key, sign_pdf

    key = load_signing_key(get_settings())
    buffer = io.BytesIO()
    blank = pikepdf.new()
    blank.add_blank_page()
    blank.docinfo = blank.make_indirect(pikepdf.Dictionary(Title="Test"))
    blank.save(buffer)

    def no_parsing(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the private key was parsed again for a signature")

    # pyHanko's own signer parses the key for every signature (most of a signature's time).
    monkeypatch.setattr(serialization, "load_der_private_key", no_parsing)
    signed = sign_pdf(
        buffer.getvalue(),
        key=key,
        field_name="Signature1",
        signer_name="Chris Chair",
        reason="test",
        location="Haarlem",
    )
    result = verify_pdf(signed, trust_roots=roots)
    assert result.signatures_ok and result.signatures[0].trusted
    # Long-term signing with the in-process authority parses no key either.
    from app.reports.signing import long_term

    lta = sign_pdf(
        buffer.getvalue(),
        key=key,
        field_name="Signature1",
        signer_name="Chris Chair",
        reason="test",
        location="Haarlem",
        long_term=long_term(get_settings(), key),
    )
    assert verify_pdf(lta, trust_roots=roots).long_term
