"""File names of attachments: cleaned for display and for the Content-Disposition header, and
checked against the type the content has."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from app.attachments.sniffing import FileType, claimed_type
from app.errors import InvalidInput
from app.i18n import _

FILENAME_MAX = 150
_UNSAFE = re.compile(r'[<>:"/\\|?*;]')


def clean_filename(name: str) -> str:
    """The last part of a path, without control, format or invisible characters (a
    right-to-left override can make "evil‮fdp.exe" read as "evilexe.pdf"), characters that
    file systems or headers trip over, leading or trailing dots and spaces, at most
    FILENAME_MAX characters (the extension kept). Empty: ""."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE.sub("_", re.sub(r"\s+", " ", name)).strip(" .")
    if len(name) > FILENAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            name = stem[: FILENAME_MAX - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:FILENAME_MAX].rstrip(" .")
    return name


def name_for(filename: str, kind: FileType) -> str:
    """The name an attachment is stored under: the cleaned name, ending in an extension of the
    type its content has (added when the name has none). A name that claims another type (a
    PDF named "photo.png") is refused."""
    name = clean_filename(filename)
    claimed = claimed_type(name)
    if claimed is None:
        return (name or _("attachment")) + kind.extensions[0]
    if claimed not in kind.extensions:
        message = _(
            "The name “%(name)s” ends in %(claimed)s, but the file is a %(kind)s file. Give it "
            "a name ending in %(extension)s, or choose another file.",
            name=name,
            claimed=claimed,
            kind=kind.label,
            extension=kind.extensions[0],
        )
        raise InvalidInput(message, fields={"file": message})
    return name


def content_disposition(filename: str) -> str:
    """`attachment` with the name (RFC 6266): an ASCII fallback and the UTF-8 name."""
    name = clean_filename(filename) or "attachment"
    fallback = (
        unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("%", "_")
    )
    fallback = fallback.strip(" .") or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
