"""The public edition of the signed report: what the transparency register serves.

The register names the committee, not its members. Its PDF, the attachments in it and its
metadata carry no member's name, no opinion (stance) and no note, no comment and no comment
author; it is PDF/A, tagged, and sealed like the internal report (PAdES B-LTA with the
organisation's key); the register's JSON and Atom link to it with its hash; the internal
report keeps everything and is still served to authorised users. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from bs4 import BeautifulSoup
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import select

from app.audit.models import AuditEvent
from app.canonical import sha256_hex
from app.config import get_settings
from app.reports.checking import trust_roots, verify_file
from app.reports.models import Report
from app.reports.sealed import ADVICE_ATTACHMENT, SNAPSHOT_ATTACHMENT
from app.reports.verify import verify_pdf
from tests.conftest import (
    PASSWORD,
    PERSONAS,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import (
    SCRIPT_COMMENT,
    World,
    build_world,
    drive_to_advice,
    open_pdf,
    pdftotext,
)

NOTE = "Liever eerst een pilot."
MEMBERS = [PERSONAS["chair"].name, PERSONAS["board"].name]
# Everyone who took part: the members, and the lead who submitted.
PEOPLE = [*MEMBERS, PERSONAS["lead"].name]
# How the opinions are printed in the internal report, in both languages.
STANCE_WORDS = ["Agree", "Disagree", "Abstain", "Eens", "Oneens", "Onthouding"]
OPINION_HEADINGS = ["Opinions of the members", "Standpunten van de leden", "Meningen van de leden"]
needs_pdftotext = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is needed"
)


@dataclass
class Published:
    world: World
    assessment_id: int
    reference: str
    register_pdf: bytes
    register_headers: dict[str, str]
    internal_pdf: bytes
    internal_row_sha256: str

    def public_row(self):  # type: ignore[no-untyped-def]
        """The stored public edition (imported here: the module must load without it)."""
        from app.reports.models import PublicReport

        with self.world.session() as session:
            return session.exec(
                select(PublicReport).where(PublicReport.assessment_id == self.assessment_id)
            ).one()

    @property
    def public_row_sha256(self) -> str:
        return str(self.public_row().sha256)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def published(request, tmp_path_factory, pki) -> Iterator[Published]:  # type: ignore[no-untyped-def]
    """A conditional advice with two opinions (one with a note) and a resolved comment, signed
    by the chair on the advice page and published by a board member on the archive page."""
    url = None
    if request.param == "postgresql":
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    world = build_world(tmp_path_factory.mktemp("public-edition"), url)
    assessment_id = drive_to_advice(world, title="Openbare editie dashboard")
    with world.login("chair") as chair:
        signed = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
        assert signed.status_code == 303, signed.text[:500]
    with world.login("board") as board:
        made_public = board.post_form(f"/archive/{assessment_id}/publication", {"public": "1"})
        assert made_public.status_code == 303
    with world.session() as session:
        internal = session.exec(select(Report).where(Report.assessment_id == assessment_id)).one()
        from app.assessments.models import Assessment

        reference = session.get(Assessment, assessment_id).reference  # type: ignore[union-attr]
        internal_sha = internal.sha256
    with world.client() as anonymous:
        response = anonymous.get(f"/register/{reference}/report.pdf")
        assert response.status_code == 200
    with world.login("auditor") as auditor:
        internal_response = auditor.get(f"/assessments/{assessment_id}/report.pdf")
        assert internal_response.status_code == 200
    yield Published(
        world,
        assessment_id,
        reference,
        response.content,
        dict(response.headers),
        internal_response.content,
        internal_sha,
    )
    world.engine.dispose()
    if url:
        drop_postgres_database(url)


def _attachments(data: bytes) -> dict[str, bytes]:
    with open_pdf(data) as pdf:
        return {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}


def _metadata(data: bytes) -> str:
    """The XMP packet and the document information dictionary, as text."""
    with open_pdf(data) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        info = " ".join(f"{k}={v}" for k, v in pdf.docinfo.items())
    return xmp + "\n" + info


def _signature_names(data: bytes) -> list[str]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    return [str(s.sig_object.get("/Name", "")) for s in reader.embedded_signatures]


def _text(data: bytes, tmp_path: Path) -> str:
    return " ".join(pdftotext(data, tmp_path).split())


# --- the register serves the public edition, without the members -----------------------------


@needs_pdftotext
def test_it_prints_no_member_name_note_or_stance_in_the_register_pdf(published, tmp_path):
    text = _text(published.register_pdf, tmp_path)
    assert published.reference in text and "Openbare editie dashboard" in text
    for name in PEOPLE:
        assert name not in text
    assert NOTE not in text
    assert "alert(" not in text and "Let op" not in text  # the resolved comment
    for heading in OPINION_HEADINGS:
        assert heading not in text
    for word in STANCE_WORDS:
        assert not re.search(rf"\b{word}\b", text), word
    # What stays: the committee as a body, the outcome, the summary, the conditions.
    settings = get_settings()
    assert settings.committee_name in text
    assert "De commissie adviseert positief onder voorwaarden." in text
    assert "Publiceer het dashboard in het algoritmeregister." in text
    assert "Team Mobiliteit" not in text  # condition owners may name a person


def test_it_embeds_no_member_name_note_or_stance_in_the_register_pdf(published):
    attachments = _attachments(published.register_pdf)
    assert set(attachments) == {SNAPSHOT_ATTACHMENT, ADVICE_ATTACHMENT}
    for raw in attachments.values():
        text = raw.decode("utf-8")
        for name in PEOPLE:
            assert name not in text
        assert NOTE not in text
        assert "alert(" not in text
    advice = json.loads(attachments[ADVICE_ATTACHMENT])
    assert advice["format"] == "datawaarden.public-advice/1"
    keys = set(re.findall(r'"([a-z_]+)":', attachments[ADVICE_ATTACHMENT].decode()))
    assert not keys & {
        "opinions",
        "stance",
        "note",
        "member",
        "member_id",
        "comments",
        "author",
        "author_id",
        "signer",
        "finalised_by",
        "drafted_by_id",
        "lead_id",
        "owner",
    }
    assert advice["outcome"] == "conditional"
    assert advice["summary"] == "De commissie adviseert positief onder voorwaarden."
    assert [c["number"] for c in advice["conditions"]] == [1, 2]
    assert advice["sealed_for"]["committee"] == get_settings().committee_name
    assert advice["edition_of"] == {"report_sha256": published.internal_row_sha256}
    snapshot = json.loads(attachments[SNAPSHOT_ATTACHMENT])
    assert "submitted_by" not in snapshot and snapshot["answers"]


def test_it_carries_no_member_name_in_the_metadata_or_the_signature(published):
    metadata = _metadata(published.register_pdf)
    ET.fromstring(_xmp_only(published.register_pdf))  # the XMP packet is well-formed XML
    for name in PEOPLE:
        assert name not in metadata
    assert published.reference in metadata
    # The name the signature states is the committee's (the certificate is the organisation's).
    names = _signature_names(published.register_pdf)
    assert get_settings().committee_name in names[0]
    for name in PEOPLE:
        assert all(name not in n for n in names)


def _xmp_only(data: bytes) -> str:
    with open_pdf(data) as pdf:
        return pdf.Root.Metadata.read_bytes().decode("utf-8").strip()


def test_it_serves_the_stored_public_edition_bytes_from_the_register(published):
    assert sha256_hex(published.register_pdf) == published.public_row_sha256
    assert published.register_headers["x-content-sha256"] == published.public_row_sha256
    assert published.public_row_sha256 != published.internal_row_sha256
    assert "openbaar" in published.register_headers["content-disposition"]
    with published.world.session() as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "report.downloaded",
                AuditEvent.object_type == "public_report",
                AuditEvent.assessment_id == published.assessment_id,
            )
        ).first()
    assert event is not None and event.actor_id is None


def test_it_links_the_register_json_only_to_the_public_edition(published):
    with published.world.client() as anonymous:
        body = anonymous.get("/register.json").text
    record = next(r for r in json.loads(body)["advices"] if r["reference"] == published.reference)
    assert record["report"].endswith(f"/register/{published.reference}/report.pdf")
    assert record["report_sha256"] == published.public_row_sha256
    assert record["report_sha256"] == sha256_hex(published.register_pdf)
    assert published.internal_row_sha256 not in body
    assert record["integrity_problem"] is False
    for name in PEOPLE:
        assert name not in body


def test_it_links_the_atom_feed_only_to_the_public_edition(published):
    with published.world.client() as anonymous:
        feed = anonymous.get("/register/feed.atom").text
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed)
    entry = next(
        e
        for e in root.iter(f"{atom}entry")
        if (e.findtext(f"{atom}id") or "").endswith(f"/register/{published.reference}")
    )
    enclosures = [link for link in entry.iter(f"{atom}link") if link.get("rel") == "enclosure"]
    assert len(enclosures) == 1
    assert enclosures[0].get("type") == "application/pdf"
    assert enclosures[0].get("href", "").endswith(f"/register/{published.reference}/report.pdf")
    assert enclosures[0].get("title") == f"SHA-256 {sha256_hex(published.register_pdf)}"
    assert published.internal_row_sha256 not in feed
    for name in PEOPLE:
        assert name not in feed


def test_it_offers_the_download_on_the_register_page(published):
    with published.world.client() as anonymous:
        page = anonymous.get(f"/register/{published.reference}")
    soup = BeautifulSoup(page.text, "lxml")
    assert soup.select_one(f'a[href="/register/{published.reference}/report.pdf"]') is not None


def test_it_reads_the_stored_pdf_once_for_a_register_record(published):
    """The register shows 25 records a page, each read from its signed report: the file is
    fetched once (it was fetched three times, some 300 KB each), and its submission is found
    by an index."""
    from sqlalchemy import event, inspect

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with published.world.client() as anonymous:
        event.listen(published.world.engine, "before_cursor_execute", record)
        try:
            page = anonymous.get(f"/register/{published.reference}")
        finally:
            event.remove(published.world.engine, "before_cursor_execute", record)
    assert page.status_code == 200
    reading_pdf = [s for s in statements if re.search(r"\b(public_)?reports\.pdf\b", s)]
    assert len(reading_pdf) == 1, reading_pdf
    indexes = inspect(published.world.engine).get_indexes("submissions")
    assert any(ix["column_names"] == ["sha256"] for ix in indexes)


# --- the internal report is unchanged ----------------------------------------------------------


@needs_pdftotext
def test_it_keeps_the_names_opinions_and_notes_in_the_internal_report(published, tmp_path):
    assert sha256_hex(published.internal_pdf) == published.internal_row_sha256
    text = _text(published.internal_pdf, tmp_path)
    assert all(name in text for name in MEMBERS) and NOTE in text
    advice = json.loads(_attachments(published.internal_pdf)[ADVICE_ATTACHMENT])
    assert advice["format"] == "datawaarden.advice/2"
    assert sorted((o["member"], o["stance"], o["note"]) for o in advice["opinions"]) == [
        ("Bea Board", "agree", ""),
        ("Chris Chair", "disagree", NOTE),
    ]
    assert [c["body"] for c in advice["review"]["comments"]] == [SCRIPT_COMMENT]
    assert _signature_names(published.internal_pdf)[0] == "Chris Chair"


# --- a document of its own: PDF/A, tagged, sealed -----------------------------------------------


def test_it_is_a_tagged_pdf_a_3b(published):
    data = published.register_pdf
    assert data.startswith(b"%PDF-1.7")
    with open_pdf(data) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            assert meta.get("pdfaid:part") == "3"
            assert meta.get("pdfaid:conformance") == "B"
        intents = pdf.Root.get("/OutputIntents")
        assert intents is not None and intents[0].get("/S") == "/GTS_PDFA1"
        assert intents[0].get("/DestOutputProfile") is not None
        assert pdf.Root.MarkInfo.get("/Marked") is True
        tree = pdf.Root.get("/StructTreeRoot")
        assert tree is not None and tree.get("/K") is not None
        assert str(pdf.Root.get("/Lang")) == "nl"
        for spec in pdf.attachments.values():
            assert spec.obj.get("/AFRelationship") == pikepdf.Name.Data


def test_it_is_a_long_term_signature_that_pyhanko_validates(published):
    roots = trust_roots(get_settings())
    internal = verify_pdf(published.internal_pdf, trust_roots=roots)
    public = verify_pdf(published.register_pdf, trust_roots=roots)
    assert public.problems == [] and public.signatures_ok and public.long_term
    assert [s.kind for s in public.signatures] == [s.kind for s in internal.signatures]
    check = public.signatures[0]
    assert check.intact and check.trusted and check.timestamped and check.problem is None
    # The same organisation certificate as the internal report; on behalf of the committee.
    assert check.certificate == internal.signatures[0].certificate
    assert check.stated_name is not None and "Chris Chair" not in check.stated_name


def test_it_confirms_the_public_edition_as_a_genuine_archived_report(published):
    settings = get_settings()
    with published.world.session() as session:
        check = verify_file(session, published.register_pdf, settings=settings)
    assert check.ok and check.public and check.snapshot_matches
    assert check.reference == published.reference
    assert check.on_behalf_of is None  # the public edition names no chair
    texts = [s.text for s in check.statements(settings.org_name)]
    assert not any("Chris Chair" in t for t in texts)
    with published.world.client() as visitor:
        visitor.get("/verify")
        response = visitor.post_form(
            "/verify",
            {},
            files={"file": ("openbaar.pdf", published.register_pdf, "application/pdf")},
            headers={"Accept-Language": "en"},
        )
    box = BeautifulSoup(response.text, "lxml").select_one(".verdict-box")
    assert box is not None and "verdict-box--ok" in box["class"]
    words = " ".join(box.get_text(" ").split())
    assert "Authentic and unchanged" in words
    assert f"public edition of the archived report {published.reference}" in words
    assert "The embedded data matches the archived snapshot." in words


def test_it_embeds_the_public_form_of_the_stored_submission(published):
    from app.assessments.models import Submission
    from app.reports.sealed import public_snapshot

    public = published.public_row()
    with published.world.session() as session:
        submission = session.exec(
            select(Submission).where(Submission.sha256 == public.snapshot_sha256)
        ).one()
    embedded = _attachments(published.register_pdf)[SNAPSHOT_ATTACHMENT]
    assert embedded == public_snapshot(submission.snapshot_json).encode("utf-8")


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) is needed")
def test_it_renders_the_first_pages_with_poppler(published, tmp_path):
    path = tmp_path / "openbaar.pdf"
    path.write_bytes(published.register_pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "3", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3 and all(p.stat().st_size > 1000 for p in pages)
