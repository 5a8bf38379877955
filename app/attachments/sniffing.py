"""What a file is, decided from its content alone: never from its name or from the Content-Type
a browser sends.

Seven types are accepted. Three are told by their first bytes (PDF `%PDF-`, the PNG signature,
JPEG FF D8 FF) and checked a little further (a PDF ends with `%%EOF`, a PNG with its IEND
chunk). ODT, DOCX and XLSX are ZIP archives, told apart by what the archive holds: an ODT's
first entry is `mimetype`, stored uncompressed, reading exactly the ODF text type; a DOCX or
XLSX holds `[Content_Types].xml` naming its main part and `word/` or `xl/` (never both, never
macros). The archive's directory is read, nothing is extracted: only the tiny `mimetype` entry
and `[Content_Types].xml` are read, with a bound, after the declared sizes, the number of
entries and their compression ratio were found reasonable (a zip bomb is refused unopened).
CSV is what is left: UTF-8 text (a byte order mark allowed) without NUL or other control
characters that the csv module parses, and that does not start like markup (HTML, SVG, XML)
or a script.

A file that is two things at once (a PNG or PDF with a ZIP archive appended, say) is refused.

Why no library: the libraries that guess a type from magic bytes (filetype, puremagic) answer
the three prefixes above exactly as these few lines do, and for the ZIP-based formats they
guess from the first entry's name, which is the check that is not enough; the structural
checks (ODF's mimetype entry, the OOXML content types, bounded reading) are needed anyway and
use only the standard library (zipfile, csv)."""

from __future__ import annotations

import csv
import io
import mimetypes
import re
import zipfile
from dataclasses import dataclass

# Zip archives: declared sizes, counted before anything is read.
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_INFLATED = 512 * 1024 * 1024
MAX_ZIP_RATIO = 200  # inflated size per compressed byte, for an entry above 1 MB
CONTENT_TYPES_MAX = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# Control characters a CSV file may not hold (tab, line feed and carriage return it may).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")


@dataclass(frozen=True)
class FileType:
    """One accepted type: its key, media type, the extensions its name may end in (the first
    is the one added to a name without) and its name for people."""

    key: str
    media_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileType("pdf", "application/pdf", (".pdf",), "PDF")
ODT = FileType("odt", "application/vnd.oasis.opendocument.text", (".odt",), "ODT")
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    "DOCX",
)
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "XLSX"
)
CSV = FileType("csv", "text/csv", (".csv",), "CSV")
PNG = FileType("png", "image/png", (".png",), "PNG")
JPEG = FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG")
TYPES: tuple[FileType, ...] = (PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG)
BY_MEDIA_TYPE = {t.media_type: t for t in TYPES}
ACCEPTED_LABELS = ", ".join(t.label for t in TYPES)
# Extensions that say a type: ours and the standard library's own table (not the system's
# mime.types, which differs between machines).
_KNOWN = mimetypes.MimeTypes()


def sniff(data: bytes) -> FileType | None:
    """The accepted type of this content, or None when it is none of them (or two at once)."""
    if not data:
        return None
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if _is_zip(data):
        return None  # something else with an archive appended: a polyglot
    if data.startswith(b"%PDF-"):
        return PDF if _PDF_HEADER.match(data) and b"%%EOF" in data[-1024:] else None
    if data.startswith(PNG_SIGNATURE):
        return PNG if data.endswith(PNG_END) else None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return CSV if _is_csv(data) else None


def claimed_type(filename: str) -> str | None:
    """The extension a name ends in when it says a file type (".png", ".html", ".exe"), else
    None (no extension, or a part of a name such as "notulen.v2")."""
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", filename)
    if not match:
        return None
    extension = match.group(1).lower()
    if any(extension in t.extensions for t in TYPES):
        return extension
    return extension if _KNOWN.types_map[True].get(extension) else None


def _is_zip(data: bytes) -> bool:
    try:
        return zipfile.is_zipfile(io.BytesIO(data))
    except Exception:  # a damaged end record is no archive
        return False


def _is_csv(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    text = text.removeprefix("\ufeff")
    start = text.lstrip()
    if not start or start.startswith(("<", "#!")) or _CONTROL.search(text):
        return False
    try:
        for _row in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error:
        return False
    return True


def _zip_type(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if not entries or not _reasonable(entries):
                return None
            names = {entry.filename for entry in entries}
            if entries[0].filename == "mimetype":
                return _odt(archive, entries[0], names)
            if "[Content_Types].xml" in names:
                return _ooxml(archive, names)
    except Exception:  # a damaged or encrypted archive is not a document we accept
        return None
    return None


def _reasonable(entries: list[zipfile.ZipInfo]) -> bool:
    """Few enough entries, and declared sizes that are no zip bomb."""
    if len(entries) > MAX_ZIP_ENTRIES:
        return False
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > 1024 * 1024 and (
            entry.file_size > MAX_ZIP_RATIO * max(1, entry.compress_size)
        ):
            return False
    return total <= MAX_ZIP_INFLATED


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes | None:
    if entry.file_size > limit:
        return None
    with archive.open(entry) as handle:
        content = handle.read(limit + 1)
    return content if len(content) <= limit else None


def _odt(archive: zipfile.ZipFile, first: zipfile.ZipInfo, names: set[str]) -> FileType | None:
    if first.compress_type != zipfile.ZIP_STORED:
        return None
    if _read(archive, first, 100) != ODT_MIMETYPE or "content.xml" not in names:
        return None
    return ODT


def _ooxml(archive: zipfile.ZipFile, names: set[str]) -> FileType | None:
    word = any(n.startswith("word/") for n in names)
    excel = any(n.startswith("xl/") for n in names)
    if word == excel or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    content_types = _read(archive, archive.getinfo("[Content_Types].xml"), CONTENT_TYPES_MAX)
    if content_types is None:
        return None
    if word and DOCX_MAIN in content_types and "word/document.xml" in names:
        return DOCX
    if excel and XLSX_MAIN in content_types and "xl/workbook.xml" in names:
        return XLSX
    return None
