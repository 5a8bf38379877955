"""Real files of every accepted type, made by the libraries that write them, and hostile ones."""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache


@lru_cache
def pdf() -> bytes:
    import weasyprint

    data: bytes = weasyprint.HTML(string="<h1>DPIA</h1><p>Gegevensbescherming.</p>").write_pdf()
    return data


@lru_cache
def docx() -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Verwerkersovereenkomst")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@lru_cache
def odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Gegevensdelingsovereenkomst"))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


OOXML = "application/vnd.openxmlformats-officedocument"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCX_TYPES = f'<Types><Override ContentType="{OOXML}.wordprocessingml.document.main+xml"/></Types>'


def xlsx() -> bytes:
    """A minimal workbook as Excel writes one (no openpyxl in the environment)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="{PACKAGE}/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            f'ContentType="{OOXML}.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{OOXML}.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{RELATIONS}">'
            '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="{PACKAGE}/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Bron</t></is></c></row></sheetData>'
            "</worksheet>"
        ),
    }
    return zipped(parts)


ZIP_TIME = (2026, 12, 1, 9, 0, 0)


def zipped(parts: dict[str, str | bytes], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(parts.items()):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            # A fixed time: the same parts make the same bytes, also across a clock second
            # (writestr with a name stamps the current time, and a test compares two calls).
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            archive.writestr(entry, content, compress_type=method)
    return out.getvalue()


def csv(text: str = "bron;eigenaar\r\nBRP;Burgerzaken\r\n", *, bom: bool = False) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.encode()


@lru_cache
def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


@lru_cache
def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (20, 130, 60)).save(out, format="JPEG")
    return out.getvalue()


# --- hostile ---------------------------------------------------------------------------------

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def zip_bomb() -> bytes:
    """A DOCX in every other respect, with a part of 64 MB of zeros (compressed to ~64 KB)."""
    parts = {
        "[Content_Types].xml": DOCX_TYPES,
        "word/document.xml": "<document/>",
        "word/media/zeros.bin": b"\x00" * (64 * 1024 * 1024),
    }
    return zipped(parts)


def many_entries(count: int = 6000) -> bytes:
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": DOCX_TYPES,
        "word/document.xml": "<document/>",
    }
    parts.update({f"word/p{i}.xml": "" for i in range(count)})
    return zipped(parts)


def odt_with(mimetype: bytes, *, stored: bool = True) -> bytes:
    return zipped(
        {"mimetype": mimetype, "content.xml": "<office:document-content/>"}, stored_first=stored
    )


def docm() -> bytes:
    """A Word document with macros (vbaProject.bin)."""
    parts = {
        "[Content_Types].xml": DOCX_TYPES,
        "word/document.xml": "<document/>",
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro",
    }
    return zipped(parts)


def with_zip_appended(data: bytes) -> bytes:
    """A polyglot: a file that is also a ZIP archive (a JAR, say) when read from its end."""
    return data + zipped({"evil.class": b"\xca\xfe\xba\xbe"})
