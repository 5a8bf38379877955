"""The public verification page: every upload gets a verdict, never a 500."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from app.config import get_settings
from app.reports.signing import load_signing_key, sign_pdf
from app.reports.verify import MAX_UPLOAD
from tests.conftest import Client, page_text
from tests.reports.conftest import (
    World,
    flip_byte_in_signed_range,
    png_bytes,
    unsigned_pdf,
)

EN = {"Accept-Language": "en"}


@pytest.fixture(scope="module")
def visitor(world: World) -> Iterator[Client]:
    """Nobody logged in."""
    with world.client() as client:
        client.get("/verify", headers=EN)  # the CSRF cookie
        yield client


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return unsigned_pdf()


def upload(client: Client, data: bytes, *, name: str = "rapport.pdf", headers=EN):  # type: ignore[no-untyped-def]
    return client.post_form(
        "/verify", {}, files={"file": (name, data, "application/pdf")}, headers=headers
    )


def verdict(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:500]
    box = BeautifulSoup(response.text, "lxml").select_one(".verdict-box")
    assert box is not None
    return " ".join(box.get_text(" ").split())


def test_it_shows_the_page_without_login(visitor):
    response = visitor.get("/verify", headers=EN)
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "lxml")
    form = page.select_one("form[action='/verify']")
    assert form is not None and form.get("enctype") == "multipart/form-data"
    assert form.select_one("input[type=file][name=file]") is not None


def test_it_confirms_the_archived_report(visitor, signed):
    text = verdict(upload(visitor, signed.pdf))
    assert "Authentic and unchanged" in text
    assert "with the certificate “Datawaarden signing (DEVELOPMENT ONLY)” of" in text
    assert "proven by the timestamp of Datawaarden timestamps" in text
    assert "names Chris Chair as the chair on whose behalf the organisation sealed it" in text
    assert "the report validates" in text
    assert f"This file is the archived report {signed.reference}." in text
    assert "The embedded data matches the archived snapshot." in text
    assert signed.sha256 in text
    assert "Not confirmed" not in text


def test_it_confirms_the_archived_report_in_dutch(visitor, signed):
    text = verdict(upload(visitor, signed.pdf, headers={"Accept-Language": "nl"}))
    assert "Echt en ongewijzigd" in text


def test_it_says_the_signature_is_broken_after_one_flipped_byte(visitor, signed):
    text = verdict(upload(visitor, flip_byte_in_signed_range(signed.pdf)))
    assert "Not confirmed" in text and "Authentic and unchanged" not in text
    assert "The signature is broken: the file was changed after it was signed." in text
    assert "Signature1 is broken" not in text  # a field name in the file means nothing to a reader
    assert "This exact file is not in the archive." in text


def test_it_notices_bytes_added_after_the_signature(visitor, signed):
    text = verdict(upload(visitor, signed.pdf + b"\n%%EOF\n% added later\n"))
    assert "Not confirmed" in text
    assert "This exact file is not in the archive." in text


def test_it_says_an_unsigned_pdf_has_no_signature(visitor, unsigned):
    text = verdict(upload(visitor, unsigned))
    assert "Not confirmed" in text
    assert "This PDF has no digital signature." in text


@pytest.mark.parametrize(
    "data",
    [png_bytes(), os.urandom(4096), b"<html><body>%PDF-1.7</body></html>", b"\x00"],
    ids=["png", "random", "html", "one-byte"],
)
def test_it_says_other_files_are_not_a_pdf(visitor, data):
    text = verdict(upload(visitor, data, name="plaatje.png"))
    assert "Not confirmed" in text
    assert "This file is not a PDF." in text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda pdf: pdf[: len(pdf) // 2],
        lambda pdf: b"%PDF-1.7\n" + os.urandom(2048),
        lambda pdf: pdf.replace(b"/ByteRange", b"/ByteRangX", 1),
        lambda pdf: pdf.replace(b"/Contents <", b"/Contents <00", 1),
        lambda pdf: pdf.replace(b"startxref", b"startxrex"),
    ],
    ids=["truncated", "garbage-after-header", "no-byte-range", "contents-shifted", "no-xref"],
)
def test_it_gives_a_verdict_for_damaged_files(visitor, signed, mangle):
    text = verdict(upload(visitor, mangle(signed.pdf)))
    assert "Not confirmed" in text
    assert "Authentic and unchanged" not in text


def test_it_escapes_names_taken_from_an_uploaded_signature(visitor, unsigned):
    """The signer name in a signature is chosen by whoever made the file."""
    evil = "<script>alert(1)</script><b>Mallory</b>"
    pdf = sign_pdf(
        unsigned,
        key=load_signing_key(get_settings()),
        field_name="Signature1",
        signer_name=evil,
        reason="test",
        location="test",
    )
    response = upload(visitor, pdf)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "<b>Mallory</b>" not in response.text
    assert evil in page_text(response.text)  # shown as text
    assert "This exact file is not in the archive." in verdict(response)
    assert "Not confirmed" in verdict(response)


def test_it_refuses_an_empty_upload(visitor):
    assert upload(visitor, b"").status_code == 422


def test_it_refuses_a_form_without_a_file(visitor):
    assert visitor.post_form("/verify", {}, headers=EN).status_code == 422
    assert visitor.post_form("/verify", {"file": "not a file"}, headers=EN).status_code == 422


def test_it_refuses_a_file_larger_than_20_mb(visitor):
    data = b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD + 1 - 9)
    assert len(data) == MAX_UPLOAD + 1
    response = upload(visitor, data)
    assert response.status_code == 413
    assert "20 MB" in page_text(response.text)


def test_it_accepts_a_file_of_exactly_20_mb(visitor, signed):
    data = signed.pdf + b"%" * (MAX_UPLOAD - len(signed.pdf))
    assert len(data) == MAX_UPLOAD
    assert "Not confirmed" in verdict(upload(visitor, data))


def test_it_needs_the_csrf_token(world, signed):
    with world.client() as stranger:
        response = stranger.post(
            "/verify", files={"file": ("r.pdf", signed.pdf, "application/pdf")}
        )
    assert response.status_code == 403


ONLY_PUBLISHED = "Only advices published in the transparency register can be looked up"


def test_it_looks_up_only_published_advices_by_reference(visitor, world, signed):
    from app.archive.models import ArchiveEntry
    from app.archive.service import set_public
    from app.reports.models import PublicReport
    from app.users.models import Role, User

    known = verdict(visitor.get(f"/verify?reference={signed.reference}", headers=EN))
    unknown = verdict(visitor.get("/verify?reference=DW-1999-9999", headers=EN))
    # Signed but not published: the same answer as for a reference that does not exist.
    assert ONLY_PUBLISHED in known and signed.sha256 not in known
    assert known.replace(signed.reference, "?") == unknown.replace("DW-1999-9999", "?")

    with world.session() as session:
        entry = session.exec(
            select(ArchiveEntry).where(ArchiveEntry.reference == signed.reference)
        ).one()
        board = session.exec(select(User).where(User.email == "board@example.org")).one()
        set_public(session, entry=entry, public=True, actor=board, roles={Role.board})
        public = session.exec(
            select(PublicReport).where(PublicReport.assessment_id == signed.assessment_id)
        ).one()
        session.commit()
        public_sha = public.sha256
    published = verdict(visitor.get(f"/verify?reference={signed.reference}", headers=EN))
    assert "published in the transparency register" in published
    assert public_sha in published and signed.sha256 not in published  # the public edition


def test_it_gives_the_same_answer_for_an_assessment_that_is_not_signed(visitor, world):
    from app.assessments.models import Assessment
    from tests.reports.conftest import drive_to_advice

    draft = drive_to_advice(world, title="Nog geen rapport", finalise=False, comment=None)
    with world.session() as session:
        assessment = session.get(Assessment, draft)
        assert assessment is not None
        reference = assessment.reference
    text = verdict(visitor.get(f"/verify?reference={reference}", headers=EN))
    assert ONLY_PUBLISHED in text


def test_it_escapes_the_reference_it_repeats(visitor):
    response = visitor.get("/verify?reference=<script>x</script>", headers=EN)
    assert response.status_code == 200
    assert "<script>x</script>" not in response.text


def test_it_judges_the_report_as_of_a_date_asked_for(visitor, signed):
    from app.config import get_settings
    from app.reports.signing import load_signing_key

    expiry = load_signing_key(get_settings()).signer.signing_cert.not_valid_after
    later = f"{expiry.year + 2}-03-01"
    response = visitor.post(
        "/verify",
        files={"file": ("rapport.pdf", signed.pdf, "application/pdf")},
        data={"csrf_token": visitor.csrf(), "at": later},
        headers={"Accept-Language": "en"},
    )
    text = verdict(response)
    assert "Authentic and unchanged" in text
    assert f"On 1 March {expiry.year + 2} the report validates." in text
    refused = visitor.post(
        "/verify",
        files={"file": ("rapport.pdf", signed.pdf, "application/pdf")},
        data={"csrf_token": visitor.csrf(), "at": "31-02-2040"},
        headers={"Accept-Language": "en"},
    )
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "lxml")
    field = page.select_one("#f-at")
    assert field["aria-invalid"] == "true" and field["value"] == "31-02-2040"
    assert "Enter a date such as 2040-01-31." in page.select_one("#f-at-error").get_text()


def test_it_serves_the_trust_anchor_and_the_development_crl(visitor, ca_pem):
    anchor = visitor.get("/pki/ca.pem")
    assert anchor.status_code == 200 and anchor.content == ca_pem
    crl = visitor.get("/pki/ca.crl")
    assert crl.status_code == 200 and crl.headers["content-type"] == "application/pkix-crl"
    from asn1crypto import crl as asn1_crl

    assert (
        asn1_crl.CertificateList.load(crl.content)
        .issuer.native["common_name"]
        .startswith("Datawaarden CA")
    )
