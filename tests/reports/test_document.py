"""The signed PDF as a document: PDF/A-3b markers, the embedded JSON, and what it says."""

from __future__ import annotations

import json
import re

import pikepdf
import pytest
from sqlmodel import select

from app.assessments.models import Assessment
from app.canonical import sha256_hex
from app.config import get_settings
from app.formatting import day
from app.questionnaires.models import QuestionnaireVersion
from app.reports.models import Report
from app.reports.render import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT
from tests.reports.conftest import (
    CONDITIONS,
    SCRIPT_COMMENT,
    needs_poppler,
    open_pdf,
    pdftotext,
)


@pytest.fixture(scope="module")
def pdf(signed_pdf: bytes) -> pikepdf.Pdf:
    return open_pdf(signed_pdf)


@pytest.fixture(scope="module")
def report_text(signed_pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> str:
    if not __import__("shutil").which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return pdftotext(signed_pdf, tmp_path_factory.mktemp("text"))


def read_xmp(pdf: pikepdf.Pdf):  # type: ignore[no-untyped-def]
    """The XMP metadata, read only (pikepdf would otherwise stamp itself as the producer)."""
    return pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_it_signs_from_the_advice_page_and_redirects_back(signed):
    assert signed.sign_status == 303
    assert signed.sign_location == f"/committee/assessments/{signed.assessment_id}/advice"


def test_it_marks_the_report_as_pdf_a_3b(pdf, signed_pdf):
    with read_xmp(pdf) as meta:
        assert meta.get("pdfaid:part") == "3"
        assert meta.get("pdfaid:conformance") == "B"
    intents = pdf.Root.get("/OutputIntents")
    assert intents is not None and len(intents) >= 1
    assert intents[0].get("/S") == "/GTS_PDFA1"
    assert intents[0].get("/DestOutputProfile") is not None
    # PDF/A-3 is based on PDF 1.7: neither the header nor the catalog may say 2.0
    assert signed_pdf.startswith(b"%PDF-1.7")
    assert pdf.pdf_version == "1.7"
    assert str(pdf.Root.get("/Version", "/1.7")) != "/2.0"
    assert b"/Version /2.0" not in signed_pdf


def _attachments(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Dictionary]:
    names = pdf.Root.Names.EmbeddedFiles.Names
    return {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}


def test_it_embeds_both_attachments_as_data(pdf):
    specs = _attachments(pdf)
    assert set(specs) == {SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT}
    for spec in specs.values():
        assert spec.get("/AFRelationship") == "/Data"
    # PDF/A-3 also lists them as associated files of the document
    associated = pdf.Root.get("/AF")
    assert associated is not None
    assert {str(f.get("/F")) for f in associated} >= {SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT}


def test_it_sets_the_document_metadata(pdf, signed):
    settings = get_settings()
    info = pdf.docinfo
    assert signed.reference in str(info.get("/Title"))
    assert "Verkeerstellingen dashboard" in str(info.get("/Title"))
    assert settings.org_name in str(info.get("/Author"))
    subject = str(info.get("/Subject"))
    assert "Positief onder voorwaarden" in subject or "Positive with conditions" in subject
    assert signed.reference in str(info.get("/Keywords"))
    with read_xmp(pdf) as meta:
        assert signed.reference in str(meta.get("dc:title"))
    assert str(pdf.Root.get("/Lang")) == "nl"


def test_it_keeps_the_info_dictionary_and_the_xmp_metadata_equivalent(signed_pdf):
    """PDF/A-2 and -3, 6.6.2.3.1: entries of the document information dictionary that have
    an XMP counterpart must carry equivalent values (veraPDF checks each pair)."""
    with open_pdf(signed_pdf) as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        with read_xmp(pdf) as meta:
            xmp = {
                "/Title": meta.get("dc:title"),
                "/Author": ", ".join(meta.get("dc:creator") or []),
                "/Subject": meta.get("dc:description"),
                "/Keywords": meta.get("pdf:Keywords"),
                "/Creator": meta.get("xmp:CreatorTool"),
                "/Producer": meta.get("pdf:Producer"),
            }
    for key, value in xmp.items():
        if key in info:
            assert info[key] == value, f"{key}: info {info[key]!r} but XMP {value!r}"


def test_it_embeds_the_snapshot_byte_for_byte(pdf, signed):
    data = _attachments(pdf)[SNAPSHOT_ATTACHMENT].EF.F.read_bytes()
    assert data == signed.snapshot_json.encode("utf-8")
    with open_pdf(signed.pdf) as again:
        assert again.attachments[SNAPSHOT_ATTACHMENT].get_file().read_bytes() == data


def test_it_embeds_the_advice_as_json(pdf, world, signed):
    raw = pdf.attachments[ADVICE_ATTACHMENT].get_file().read_bytes()
    document = json.loads(raw)
    assert document["format"] == "datawaarden.advice/2"
    assert document["assessment"]["id"] == signed.assessment_id
    assert document["assessment"]["reference"] == signed.reference
    assert document["submission"]["sha256"] == sha256_hex(signed.snapshot_json)
    assert document["signer"] == {
        "id": world.users["chair"],
        "name": "Chris Chair",
        "role": "chair",
    }
    assert document["audit_head"] == signed.audit_head_hash
    assert re.fullmatch(r"[0-9a-f]{64}", document["answers_sha256"])
    assert [c["body"] for c in document["review"]["comments"]] == [SCRIPT_COMMENT]
    assert document["outcome"] == "conditional"
    assert [(c["number"], c["text"], c["owner"], c["due_on"]) for c in document["conditions"]] == [
        (n, text, owner, due or None) for n, (text, owner, due) in enumerate(CONDITIONS, start=1)
    ]
    assert sorted((o["member"], o["stance"], o["note"]) for o in document["opinions"]) == [
        ("Bea Board", "agree", ""),
        ("Chris Chair", "disagree", "Liever eerst een pilot."),
    ]
    assert document["finalised_by"] == "Chris Chair"
    assert document["reassess_on"] == "2028-01-01"


def test_it_writes_both_attachments_in_rfc_8785_form(pdf):
    import rfc8785

    for name in (SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT):
        raw = pdf.attachments[name].get_file().read_bytes()
        assert rfc8785.dumps(json.loads(raw)) == raw


def test_it_stores_the_report_row_with_the_hashes(world, signed):
    with world.session() as session:
        report = session.get(Report, signed.report_id)
        assert report is not None
        assert report.sequence == 1
        assert report.sha256 == sha256_hex(report.pdf)
        assert report.snapshot_sha256 == sha256_hex(signed.snapshot_json)
        assert report.signed_by_id == world.users["chair"]
        assert re.fullmatch(r"[0-9a-f]{64}", report.audit_head_hash)


@needs_poppler
def test_it_shows_the_cover_facts(report_text, signed, world):
    settings = get_settings()
    text = folded(report_text)
    cover = folded(report_text.split("\f")[0])
    assert settings.org_name in cover
    assert "Verkeerstellingen dashboard" in cover
    assert signed.reference in cover
    assert "Positief onder voorwaarden" in cover or "Positive with conditions" in cover
    with world.session() as session:
        report = session.exec(select(Report).where(Report.id == signed.report_id)).one()
        assert day(report.signed_at, "nl") in cover  # "1 december 2026"
    assert "Chris Chair" in cover
    assert f"/verify?reference={signed.reference}" in text


@needs_poppler
def test_it_numbers_the_pages_in_the_footer(report_text):
    pages = [p for p in report_text.split("\f") if p.strip()]
    assert len(pages) >= 2
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"\b{number}\s+\S+\s+{total}\b", page), page[-300:]


@needs_poppler
def test_it_lists_the_provenance_in_the_appendix(report_text, signed, world):
    text = re.sub(r"\s+", "", report_text)  # long hashes may be wrapped
    with world.session() as session:
        a = session.get(Assessment, signed.assessment_id)
        assert a is not None
        version = session.get(QuestionnaireVersion, a.questionnaire_version_id)
        assert version is not None
        report = session.get(Report, signed.report_id)
        assert report is not None
    assert version.sha256 in text
    assert report.snapshot_sha256 in text
    assert report.audit_head_hash == signed.audit_head_hash
    appendix = [p for p in report_text.split("\f") if p.strip()][-1]  # the last chapter
    assert report.audit_head_hash in re.sub(r"\s+", "", appendix)
    assert report.snapshot_sha256 in re.sub(r"\s+", "", appendix)


@needs_poppler
def test_it_lists_the_conditions_with_their_owners(report_text):
    text = folded(report_text)
    for condition, owner, due in CONDITIONS:
        assert condition in text
        assert owner in text
        if due:
            assert day(due, "nl") in text  # "31 maart 2027"


@needs_poppler
def test_it_prints_a_committee_comment_with_markup_as_literal_text(report_text, signed_pdf):
    text = folded(report_text)
    assert SCRIPT_COMMENT in text
    assert "Bea Board" in text
    assert b"/JavaScript" not in signed_pdf and b"/JS " not in signed_pdf
