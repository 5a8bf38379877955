"""The signatures: pyHanko (through verify_pdf) and poppler's pdfsig as an independent check,
a tampered byte, and a second signature as an incremental update."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from app.audit.models import AuditEvent
from app.config import get_settings
from app.reports.models import Report
from app.reports.service import trust_roots
from app.reports.verify import verify_pdf
from tests.conftest import PASSWORD
from tests.reports.conftest import (
    World,
    byte_ranges,
    drive_to_advice,
    flip_byte_in_signed_range,
    needs_poppler,
    pdfsig,
)


@pytest.fixture(scope="module")
def roots(pki):  # type: ignore[no-untyped-def]
    return trust_roots(get_settings())


def test_it_validates_the_signature_with_pyhanko(signed_pdf, roots):
    result = verify_pdf(signed_pdf, trust_roots=roots)
    assert result.is_pdf and result.readable and result.problems == []
    assert len(result.signatures) == 1
    check = result.signatures[0]
    assert check.field == "Signature1"
    assert check.intact and check.trusted and check.covers_whole_file and check.ok
    assert check.problem is None
    assert check.signer == "Chris Chair"
    assert "Datawaarden signing" in check.certificate
    assert check.signed_at is not None
    assert result.signatures_ok


def test_it_covers_the_whole_file_with_one_byte_range(signed_pdf):
    [(start, first, second_start, second)] = [tuple(r) for r in byte_ranges(signed_pdf)]
    assert start == 0
    assert second_start + second == len(signed_pdf)
    assert (
        signed_pdf[first : first + 1] == b"<"
        and signed_pdf[second_start - 1 : second_start] == b">"
    )


def test_it_does_not_trust_a_signature_without_the_trust_anchor(signed_pdf):
    check = verify_pdf(signed_pdf, trust_roots=[]).signatures[0]
    assert check.intact and not check.trusted and not check.ok


def test_it_reports_a_flipped_byte_as_a_broken_signature(signed_pdf, roots):
    result = verify_pdf(flip_byte_in_signed_range(signed_pdf), trust_roots=roots)
    assert result.is_pdf and result.readable
    assert len(result.signatures) == 1
    assert not result.signatures[0].intact
    assert not result.signatures_ok


def test_it_reports_bytes_appended_after_signing(signed_pdf, roots):
    appended = signed_pdf + b"\n% appended after signing\n"
    result = verify_pdf(appended, trust_roots=roots)
    assert result.signatures and not result.signatures_ok


@needs_poppler
def test_it_is_valid_and_trusted_for_pdfsig(signed_pdf, nss_dir, tmp_path):
    out = pdfsig(nss_dir, signed_pdf, tmp_path)
    assert "Signature #1" in out and "Signature #2" not in out
    assert "Signature is Valid" in out, out
    assert "Certificate is Trusted" in out, out
    assert "Total document signed" in out, out
    assert "SHA-256" in out


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
    result = verify_pdf(second.pdf, trust_roots=roots)
    assert [s.field for s in result.signatures] == ["Signature1", "Signature2"]
    assert all(s.intact and s.trusted for s in result.signatures)
    assert result.signatures[0].signer == "Chris Chair"
    assert result.signatures[1].signer.startswith("Bea Board (")
    assert not result.signatures[0].covers_whole_file
    assert result.signatures[1].covers_whole_file
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
    assert "Signature #1" in out and "Signature #2" in out
    assert out.count("Signature is Valid") == 2, out
    assert "Digest Mismatch" not in out
    first, second = out.split("Signature #2")
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
