"""One allowance of inflated bytes for a whole verification of an untrusted PDF.

An upload may be a decompression bomb (a 255 KB file whose embedded JSON inflates to 250 MB).
All inflating of one verification shares one allowance, inflated incrementally (pyHanko's
bounded FlateDecode: `zlib.decompressobj().decompress(data, max_length)`); beyond it the file
is refused (app/reports/verify.py: `INFLATE_LIMIT`)."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.decode_limits import (
    DecodeContext,
    DecodeLimits,
    DecodePurpose,
    StreamDecodeLimits,
)
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader


class Allowance(DecodeContext):
    """One allowance of inflated bytes for a whole verification: the reader and every earlier
    revision read from it (pyHanko gives each revision a fresh budget of its own) draw on it,
    and each filter is asked for no more than what is left.

    pyHanko turns some errors into verdicts of its own (a failed difference analysis, say), so
    a refusal is also remembered here: a filter that was held to what is left and did not
    finish (`record_output` follows every filter that finishes) was refused, unless the error
    that stopped it reaches `settle` and is another one (a damaged stream)."""

    def __init__(self, allowance: int) -> None:
        per_stream = StreamDecodeLimits(max_output_size=allowance)
        super().__init__(DecodeLimits(per_stream=per_stream, document_budget=None))
        self.allowance = allowance
        self.left = allowance
        self._held = False  # the filter running now was held to what is left
        self._refused = False

    @property
    def remaining_budget(self) -> int | None:
        return self.left

    @property
    def exhausted(self) -> bool:
        return self._refused or self._held

    def settle(self, exc: BaseException) -> None:
        """The error that stopped the filter running now, if any."""
        self._refused = self._refused or over_limit(exc)
        self._held = False

    def fresh(self) -> DecodeContext:
        return self

    def stage_output_cap(self, stream_cap: int | None) -> int | None:
        self._refused = self._refused or self._held
        left = max(0, self.left)
        self._held = stream_cap is None or left <= stream_cap
        return left if self._held else stream_cap

    def record_output(self, size: int) -> None:
        self._held = False
        self.left -= size

    def stream_output_cap(
        self,
        encoded_size: int,
        purpose: DecodePurpose = DecodePurpose.GENERIC,
        expected_size: int | None = None,
    ) -> int | None:
        cap = super().stream_output_cap(encoded_size, purpose, expected_size)
        return self.allowance if cap is None else min(cap, self.allowance)


class BoundedReader(PdfFileReader):
    """A reader whose streams, and those of its earlier revisions, inflate from `allowance`."""

    def __init__(self, data: bytes, allowance: Allowance) -> None:
        self._allowance = allowance
        super().__init__(io.BytesIO(data), strict=False, decode_limits=allowance.limits)

    @property
    def decode_context(self) -> DecodeContext:
        return self._allowance


def over_limit(exc: BaseException | None) -> bool:
    """Whether an error is, or was caused by, refusing to inflate more."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, PdfDecodeLimitError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
