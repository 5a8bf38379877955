"""Two fast paths for verification, each giving exactly the library's own result.

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
"""

from __future__ import annotations

import binascii
import functools
import os
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

_original_hex = generic.read_hex_string_from_stream
_original_name_eq = x509.Name.__eq__
_original_prep = x509.NameTypeAndValue._ldap_string_prep
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


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string
    x509.Name.__eq__ = name_eq  # type: ignore[method-assign]
    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep  # type: ignore[method-assign]
