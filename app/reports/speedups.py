"""Three fast paths for verification, each giving exactly the library's own result.

Half of a report's verification time went to two places that do needless work on a signed PDF:

- pyHanko reads a hex string (a signature's /Contents, ~20,000 hex digits in a B-LTA report)
  one byte at a time through a tokenizer generator (~30 % of the time);
- asn1crypto prepares every attribute of a distinguished name (RFC 4518) before comparing it,
  also when both names have the same DER encoding, and does so again for every parsed copy of
  the same few names in a report's certificates (~17 %).

`install()` replaces both with a path that answers the common case directly and hands every
other case to the original function: a hex string holding nothing but hex digits and
whitespace up to its `>` is decoded at once (anything else, a comment or a stray byte, is read
by pyHanko's own reader from the same position); two names with identical encodings are equal
(any other two are compared by asn1crypto's rules), and the preparation of a string, which
depends on the string alone, is remembered. tests/reports/test_speedups.py holds them
to the originals on generated input. Worth offering upstream; until then they are kept here,
small and checked.

The third: pyHanko finds an object in an object stream by reading the stream's table of
(number, offset) pairs from its start every time, so reading all of a stream's N objects costs
N² reads. A tagged report keeps over a thousand structure elements in one stream, and the
difference analysis reads them all (a verification took 20 s instead of 0.3 s). The table is
read once per stream here, with pyHanko's own readers; any stream or object that is not read
cleanly (a damaged table, an object that does not parse or is of a forbidden type, a number
missing from the table) is handed to pyHanko's own method, which gives its own result or error.
"""

from __future__ import annotations

import binascii
import functools
import io
import os
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PDF_WHITESPACE
from pyhanko.pdf_utils.reader import PdfFileReader

_original_hex = generic.read_hex_string_from_stream
_original_name_eq = x509.Name.__eq__
_original_prep = x509.NameTypeAndValue._ldap_string_prep
_original_from_stream = PdfFileReader._get_object_from_stream
_HEX_AND_SPACE = frozenset(b"0123456789abcdefABCDEF" + PDF_WHITESPACE)
_CHUNK = 8192


def read_hex_string(stream: Any) -> Any:
    """pyHanko's `read_hex_string_from_stream`, for a hex string of digits and whitespace."""
    start = stream.tell()
    stream.read(1)  # the opening '<'
    parts: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        end = chunk.find(b">")
        body = chunk if end < 0 else chunk[:end]
        if not chunk or not _HEX_AND_SPACE.issuperset(body):
            # The end of the stream, a comment or a byte that is no hex digit: pyHanko's own
            # reader gives its own result or error for it.
            stream.seek(start, os.SEEK_SET)
            return _original_hex(stream)
        parts.append(body)
        if end >= 0:
            stream.seek(end + 1 - len(chunk), os.SEEK_CUR)
            break
    digits = b"".join(parts).translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


@functools.lru_cache(maxsize=4096)
def _prepared(string: str) -> str:
    return str(_original_prep(None, string))


def ldap_string_prep(self: x509.NameTypeAndValue, string: str) -> str:
    """asn1crypto's RFC 4518 preparation of an attribute value, a function of the string alone,
    remembered per string: the same few names recur in every report's certificates."""
    return _prepared(string)


def name_eq(self: x509.Name, other: object) -> bool:
    """asn1crypto's `Name.__eq__` (RFC 5280, 7.1), answering at once for identical encodings."""
    if isinstance(other, x509.Name) and self.dump() == other.dump():
        return True
    return bool(_original_name_eq(self, other))


def _table(stream: Any, data: io.BytesIO) -> dict[int, tuple[int, int]] | None:
    """An object stream's table as pyHanko reads it: number -> (index, offset) of the first
    entry with that number; None when some entry does not read."""
    table: dict[int, tuple[int, int]] = {}
    try:
        for i in range(stream["/N"]):
            misc.read_non_whitespace(data, seek_back=True)
            number = generic.NumberObject.read_from_stream(data)
            misc.read_non_whitespace(data, seek_back=True)
            offset = generic.NumberObject.read_from_stream(data)
            misc.read_non_whitespace(data, seek_back=True)
            table.setdefault(int(number), (i, int(offset)))
    except ValueError:
        return None
    return table


def get_object_from_stream(self: PdfFileReader, idnum: int, stmnum: int, idx: int) -> Any:
    """pyHanko's `PdfFileReader._get_object_from_stream`, reading each stream's table once."""
    stream = generic.Reference(stmnum, 0, self).get_object()
    if (
        not isinstance(stream, generic.StreamObject)
        or stream.get("/Type") != "/ObjStm"
        or not isinstance(stream.get("/N"), int)
        or not 0 <= idx < stream["/N"]
        or not isinstance(stream.get("/First"), int)
    ):
        return _original_from_stream(self, idnum, stmnum, idx)
    data = io.BytesIO(stream.read_data(DecodePurpose.OBJECT_STREAM))
    tables: dict[int, tuple[Any, Any]] = self.__dict__.setdefault("_dw_object_stream_tables", {})
    known = tables.get(stmnum)
    if known is None or known[0] is not stream:
        known = tables[stmnum] = (stream, _table(stream, data))
    entry = None if known[1] is None else known[1].get(idnum)
    if entry is None or (self.strict and entry[0] != idx):
        return _original_from_stream(self, idnum, stmnum, idx)
    data.seek(stream["/First"] + entry[1])
    try:
        obj = generic.read_object(data, generic.Reference(idnum, 0, self))
    except (misc.PdfStreamError, misc.PdfReadError):
        return _original_from_stream(self, idnum, stmnum, idx)
    if isinstance(obj, generic.StreamObject | generic.IndirectObject):
        return _original_from_stream(self, idnum, stmnum, idx)
    misc.read_non_whitespace(data, seek_back=True, allow_eof=True)
    return obj


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string
    PdfFileReader._get_object_from_stream = get_object_from_stream  # type: ignore[method-assign]
    x509.Name.__eq__ = name_eq  # type: ignore[method-assign]
    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep  # type: ignore[method-assign]
