"""Signing PDFs with pyHanko (PAdES baseline B-B, or B-T with a timestamp authority)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from app.config import Settings
from app.errors import AppError
from app.i18n import N_
from app.reports.offloop import off_loop
from app.reports.pki import dev_pki_paths

log = logging.getLogger("datawaarden.signing")
# pyHanko logs a traceback of its own when a key file cannot be read; we report that ourselves,
# in one line and without secrets.
logging.getLogger("pyhanko.sign.signers.pdf_cms").setLevel(logging.CRITICAL)


def reserved_hex_digits(key: SigningKey, *, timestamped: bool) -> int:
    """Room for the CMS signature in the file, in hex digits: the certificates it carries, the
    signature and its attributes, and a timestamp token when there is one. Verifiers read this
    room byte by byte, so it is sized to fit rather than generous."""
    certificates = len(key.signer.signing_cert.dump()) + sum(len(c.dump()) for c in key.ca_certs)
    size = certificates + 2048 + (8192 if timestamped else 0)
    return 2 * size


class SigningUnavailable(AppError):
    """No usable signing key: not configured, unreadable, or a wrong password."""

    status_code = 409
    slug = "signing-unavailable"
    title = N_("The report cannot be signed: the signing certificate is not available")


@dataclass(frozen=True)
class SigningKey:
    signer: signers.SimpleSigner
    ca_certs: tuple[asn1_x509.Certificate, ...]
    source: Path


def _password(settings: Settings) -> bytes | None:
    if settings.signing_p12_password is not None:
        return settings.signing_p12_password.encode()
    if settings.signing_p12 is None:
        password_file = dev_pki_paths(settings.pki_dir).password_file
        if password_file.exists():
            return password_file.read_text().strip().encode()
    return None


def load_signing_key(settings: Settings) -> SigningKey:
    """The configured PKCS#12 signing key, or SigningUnavailable with the reason (never the
    password)."""
    path = settings.signing_p12_path
    return _load(str(path), _password(settings), path.stat().st_mtime if path.exists() else 0.0)


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature, and parsing an
    RSA key checks it (about 90 ms here, most of the time a signature takes). This signer
    parses it once; other signature mechanisms go through pyHanko's own path."""

    def __init__(self, loaded: signers.SimpleSigner) -> None:
        super().__init__(
            signing_key=loaded.signing_key,
            signing_cert=loaded.signing_cert,
            cert_registry=loaded.cert_registry,
        )
        self._private_key = serialization.load_der_private_key(
            loaded.signing_key.dump(), password=None
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm == "rsassa_pkcs1v15" and isinstance(self._private_key, RSAPrivateKey):
            return self._private_key.sign(
                data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
            )
        return super().sign_raw(data, digest_algorithm)


@lru_cache(maxsize=4)
def _load(path: str, password: bytes | None, _mtime: float) -> SigningKey:
    if not Path(path).is_file():
        log.error("signing key not found: %s", path)
        raise SigningUnavailable()
    try:
        loaded = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=password)
        signer = _ParsedKeySigner(loaded) if loaded is not None else None
    except Exception:  # pyHanko raises several types for a bad file or password
        signer = None
    if signer is None:
        log.error("signing key %s cannot be read with the configured password", path)
        raise SigningUnavailable()
    ca = tuple(c for c in signer.cert_registry if c.subject != signer.signing_cert.subject)
    return SigningKey(signer, ca, Path(path))


def trust_anchor_pem(key: SigningKey) -> bytes:
    """The root certificate that auditors import as trusted (PEM)."""
    roots = [c for c in key.ca_certs if c.self_signed] or list(key.ca_certs)
    if not roots:
        return pem.armor("CERTIFICATE", key.signer.signing_cert.dump())
    return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in roots)


def sign_pdf(
    pdf: bytes,
    *,
    key: SigningKey,
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    tsa_url: str | None = None,
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """Add one signature as an incremental update; earlier signatures stay valid."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=signer_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    if timestamper is None and tsa_url:
        timestamper = timestamps.HTTPTimeStamper(tsa_url)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # pyHanko rewrites the XMP producer but appends to the info dictionary's; PDF/A wants both
    # to say the same, so set the info entry to what the XMP will say.
    info = writer.trailer["/Info"]
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.update_container(info)
    # Reserving room for the signature skips pyHanko's dry-run signature (a second signing pass).
    out = off_loop(
        signers.sign_pdf,
        writer,
        meta,
        signer=key.signer,
        timestamper=timestamper,
        bytes_reserved=reserved_hex_digits(key, timestamped=timestamper is not None),
    )
    return out.getvalue()
