"""Hostile PDFs for the verification's limits: small files whose streams inflate to far more
than a report holds. Built without ever holding the inflated bytes in memory."""

from __future__ import annotations

import io
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from app.reports.sealed import SNAPSHOT_ATTACHMENT

MiB = 1024 * 1024


def deflated_zeros(inflated: int) -> bytes:
    """`inflated` zero bytes, compressed with Deflate (zlib) one MiB at a time."""
    packer = zlib.compressobj(9)
    chunk = bytes(MiB)
    parts = [packer.compress(chunk) for _ in range(inflated // MiB)]
    parts.append(packer.compress(bytes(inflated % MiB)))
    parts.append(packer.flush())
    return b"".join(parts)


def _attach(pdf: pikepdf.Pdf, name: str, stream: pikepdf.Stream) -> None:
    stream.Type = Name.EmbeddedFile
    spec = pdf.make_indirect(
        Dictionary(
            Type=Name.Filespec,
            F=String(name),
            UF=String(name),
            EF=Dictionary(F=stream),
            AFRelationship=Name.Data,
        )
    )
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([String(name), spec])))


def _save(pdf: pikepdf.Pdf) -> bytes:
    pdf.docinfo[Name.Title] = "Bomb"  # pyHanko's signer wants a document information dictionary
    out = io.BytesIO()
    # Leave the streams as they are: never inflate them to write the file.
    pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def bomb_pdf(
    inflated: int = 250 * MiB, *, name: str = SNAPSHOT_ATTACHMENT, damaged_at: int | None = None
) -> bytes:
    """An unsigned PDF whose embedded JSON (an attachment called `name`) is a FlateDecode
    stream of zeros that inflates to `inflated` bytes (250 MB: a file of about 250 KB).
    `damaged_at`: garbage at that offset of the compressed data, so inflating fails there."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, b"")
    deflated = deflated_zeros(inflated)
    if damaged_at is not None:
        deflated = deflated[:damaged_at] + b"\xff" * 64 + deflated[damaged_at + 64 :]
    stream.write(deflated, filter=Name.FlateDecode)
    _attach(pdf, name, stream)
    return _save(pdf)


def large_json_pdf(size: int, *, name: str = SNAPSHOT_ATTACHMENT) -> bytes:
    """An unsigned PDF with a well-formed JSON attachment of `size` bytes (compressed, so the
    file stays small)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    body = b'{"padding":"' + b"a" * (size - 14) + b'"}'
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(body, 9), filter=Name.FlateDecode)
    _attach(pdf, name, stream)
    return _save(pdf)


def signed(pdf: bytes) -> bytes:
    """`pdf` signed (PAdES B-B) with the installation's signing key: a trusted signature."""
    from app.config import get_settings
    from app.reports.signing import load_signing_key, sign_pdf

    return sign_pdf(
        pdf,
        key=load_signing_key(get_settings()),
        field_name="Signature1",
        signer_name="Mallory",
        reason="test",
        location="test",
    )
