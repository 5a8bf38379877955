"""The type of a file is read from its content: every accepted type from a real file, and
everything else refused, whatever it is called."""

from __future__ import annotations

import pytest

from app.attachments import sniffing
from app.attachments.names import clean_filename, content_disposition, name_for
from app.errors import InvalidInput
from app.i18n import use_locale
from tests.attachments import files


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (files.pdf, sniffing.PDF),
        (files.docx, sniffing.DOCX),
        (files.odt, sniffing.ODT),
        (files.xlsx, sniffing.XLSX),
        (files.csv, sniffing.CSV),
        (lambda: files.csv(bom=True), sniffing.CSV),
        (lambda: files.csv('"naam","toelichting"\n"A","met, komma"\n'), sniffing.CSV),
        (files.png, sniffing.PNG),
        (files.jpeg, sniffing.JPEG),
    ],
)
def test_it_recognises_each_accepted_type_from_a_real_file(make, kind):
    assert sniffing.sniff(make()) == kind


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(files.HTML, id="html"),
        pytest.param(files.SVG, id="svg"),
        pytest.param(b'<?xml version="1.0"?><root/>', id="xml"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell script"),
        pytest.param(files.EXE, id="exe"),
        pytest.param(b"", id="empty"),
        pytest.param("naam;plaats\r\nJosé;Zaandam\r\n".encode("latin-1"), id="not utf-8"),
        pytest.param(b"naam\x00;x\r\n", id="csv with nul"),
        pytest.param(b"naam;x\x1b[2J\r\n", id="csv with a control character"),
        pytest.param(b'"open quote\r\n', id="csv that does not parse"),
        pytest.param(b"%PDF-1.7\n<html><script>alert(1)</script></html>", id="pdf without end"),
        pytest.param(files.png()[:-12], id="truncated png"),
        pytest.param(files.zip_bomb(), id="zip bomb"),
        pytest.param(files.many_entries(), id="zip with too many entries"),
        pytest.param(files.docm(), id="docx with macros"),
        pytest.param(files.odt_with(b"application/vnd.oasis.opendocument.spreadsheet"), id="ods"),
        pytest.param(
            files.odt_with(sniffing.ODT_MIMETYPE, stored=False), id="odt, mimetype compressed"
        ),
        pytest.param(files.zipped({"a.txt": "plain zip"}), id="zip"),
        pytest.param(files.with_zip_appended(files.png()), id="png and zip polyglot"),
        pytest.param(files.with_zip_appended(files.pdf()), id="pdf and zip polyglot"),
        pytest.param(files.with_zip_appended(files.jpeg()), id="jpeg and zip polyglot"),
        pytest.param(b"PK\x03\x04 not really a zip", id="damaged zip"),
    ],
)
def test_it_refuses_everything_else(data):
    assert sniffing.sniff(data) is None


def test_a_zip_bomb_is_refused_without_inflating_it(monkeypatch):
    import zipfile

    def no_reading(*_args, **_kwargs):
        raise AssertionError("an entry of a zip bomb was opened")

    bomb = files.zip_bomb()
    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    assert sniffing.sniff(bomb) is None


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("DPIA.pdf", sniffing.PDF, "DPIA.pdf"),
        ("foto.JPEG", sniffing.JPEG, "foto.JPEG"),
        ("foto.jpg", sniffing.JPEG, "foto.jpg"),
        ("zonder extensie", sniffing.PDF, "zonder extensie.pdf"),
        ("notulen.v2", sniffing.ODT, "notulen.v2.odt"),
        ("C:\\Users\\lia\\Documents\\dpia.pdf", sniffing.PDF, "dpia.pdf"),
        ("../../etc/passwd.csv", sniffing.CSV, "passwd.csv"),
        ("evil\u202efdp.exe.pdf", sniffing.PDF, "evilfdp.exe.pdf"),
        ('a"b;c<d>.pdf', sniffing.PDF, "a_b_c_d_.pdf"),
        ("", sniffing.PNG, "attachment.png"),
    ],
)
def test_it_cleans_the_name_and_gives_it_the_extension_of_its_content(name, kind, expected):
    with use_locale("en"):
        assert name_for(name, kind) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("scan.png", sniffing.PDF),  # a PDF renamed .png
        ("pagina.html", sniffing.PDF),
        ("tabel.txt", sniffing.CSV),
        ("setup.exe", sniffing.PNG),
    ],
)
def test_it_refuses_a_name_that_claims_another_type(name, kind):
    with use_locale("en"), pytest.raises(InvalidInput) as refused:
        name_for(name, kind)
    assert name in refused.value.detail and kind.label in refused.value.detail
    assert refused.value.fields == {"file": refused.value.detail}


def test_a_long_name_keeps_its_extension():
    cleaned = clean_filename("x" * 400 + ".docx")
    assert len(cleaned) == 150 and cleaned.endswith(".docx")


def test_the_download_name_is_quoted_safely_with_a_utf8_form():
    header = content_disposition("Één rapport (def).pdf")
    assert header.startswith('attachment; filename="Een rapport (def).pdf"; ')
    assert "filename*=UTF-8''%C3%89%C3%A9n%20rapport%20%28def%29.pdf" in header
    assert "\n" not in content_disposition("a\r\nSet-Cookie: x=1.pdf")
