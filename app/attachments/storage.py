"""Content-addressed storage: the bytes of a file once per SHA-256, in the database (`blobs`)
by default, or as files in DATAWAARDEN_ATTACHMENT_DIR (`<dir>/ab/cdef…`), the database then
keeping only the hash and the size.

Storing is insert-or-ignore (`INSERT … ON CONFLICT DO NOTHING`): two uploads of the same
bytes at the same moment both succeed and share one blob. A file is written to a temporary
name in its folder and moved into place atomically (os.replace), readable and writable by the
application's user only, never executable. A file written for an upload whose transaction
then failed stays behind unreferenced: harmless, since it holds exactly the bytes its name
says, and the next upload of the same bytes uses it. Reading checks the bytes against their
SHA-256 and size, so damage is never served as evidence."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from app.attachments.models import Blob
from app.config import Settings
from app.errors import AppError
from app.i18n import N_, _


class StoredFileUnreadable(AppError):
    """The stored bytes are missing or do not match their SHA-256."""

    status_code = 500
    slug = "server-error"
    title = N_("Something went wrong on our side")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_path(directory: Path, sha256: str) -> Path:
    """Where a blob's bytes are in the attachment directory."""
    return directory / sha256[:2] / sha256[2:]


def store_blob(session: Session, data: bytes, *, settings: Settings) -> str:
    """Store bytes once (in the attachment directory when one is set) and return their
    SHA-256. Safe to call for bytes that are stored already, also at the same moment."""
    digest = sha256_of(data)
    directory = settings.attachment_dir
    if directory is not None:
        _write_file(blob_path(directory, digest), data, digest)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Blob)
        .values(sha256=digest, size=len(data), content=None if directory else data)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return digest


def _write_file(path: Path, data: bytes, digest: str) -> None:
    if path.is_file() and _file_matches(path, digest):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the new name survives a crash too
    finally:
        os.close(folder)


def _file_matches(path: Path, digest: str) -> bool:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == digest


def read_blob(session: Session, sha256: str, *, settings: Settings) -> bytes:
    """The bytes of a blob, checked against their SHA-256 and size; StoredFileUnreadable when
    they are missing or damaged."""
    blob = session.get(Blob, sha256)
    if blob is None:
        raise StoredFileUnreadable(_("The stored file is missing."))
    data = blob.content
    if data is None and settings.attachment_dir is not None:
        path = blob_path(settings.attachment_dir, sha256)
        try:
            data = path.read_bytes()
        except OSError:
            data = None
    if data is None:
        raise StoredFileUnreadable(_("The stored file is missing from the attachment directory."))
    data = bytes(data)
    if len(data) != blob.size or sha256_of(data) != sha256:
        raise StoredFileUnreadable(
            _("The stored file is damaged: its content no longer matches its SHA-256.")
        )
    return data
