"""Signing PDFs with pyHanko as PAdES baseline B-LTA: a signature timestamp, the validation
data (certificate chain and CRLs or OCSP responses) in the document security store, and a
document timestamp, so that a report still validates after the signing certificate expired and
after the certificate authority's services are gone (until the newest document timestamp's
certificate expires: `datawaarden archive timestamp` renews it).

Development signs with the development PKI and an in-process timestamp authority
(app.reports.pki); production with the configured certificate and timestamp authority, and
fetches the revocation data the certificates name."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, pem
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign import fields, general, signers
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from app import metrics
from app.config import Settings
from app.errors import AppError
from app.i18n import N_
from app.reports.offloop import off_loop
from app.reports.pki import DEV_LABEL, dev_pki_paths

log = logging.getLogger("datawaarden.signing")
# pyHanko logs a traceback of its own when a key file cannot be read; we report that ourselves,
# in one line and without secrets.
logging.getLogger("pyhanko.sign.signers.pdf_cms").setLevel(logging.CRITICAL)


class _KnownRevocationData(logging.Filter):
    """The development PKI hands its CRL to the signer instead of letting pyHanko fetch it;
    pyHanko warns about that on every signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_KnownRevocationData())


def _signing_cert(signer: signers.Signer) -> asn1_x509.Certificate:
    """The signer's certificate. pyHanko types it optional on every signer; a SimpleSigner
    always has one."""
    cert = signer.signing_cert
    assert cert is not None
    return cert


def reserved_hex_digits(key: SigningKey, *, timestamper: TimeStamper | None) -> int:
    """Room for the CMS signature in the file, in hex digits: the certificates it carries, the
    signature and its attributes, and a timestamp token when there is one. Verifiers read this
    room byte by byte (a third of a verification's time went into reading zeros), so it is
    sized to fit rather than generous."""
    certificates = len(_signing_cert(key.signer).dump()) + sum(len(c.dump()) for c in key.ca_certs)
    size = certificates + 1536
    if isinstance(timestamper, DevTimeStamper):
        # A token of our own authority: its certificates, the signature and its attributes.
        size += timestamper.token_size()
    elif timestamper is not None:
        size += 8192  # another authority's token: its size is not known beforehand
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

    @property
    def is_development(self) -> bool:
        """Whether this is the development PKI's certificate (its subject says so)."""
        subject = _signing_cert(self.signer).subject.native
        return subject.get("organizational_unit_name") == DEV_LABEL


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
    password). Production refuses the development PKI."""
    path = settings.signing_p12_path
    key = _load(str(path), _password(settings), path.stat().st_mtime if path.exists() else 0.0)
    if settings.is_production and key.is_development:
        log.error("production refuses the development signing certificate %s", path)
        raise SigningUnavailable()
    return key


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


@lru_cache(maxsize=8)
def _load(path: str, password: bytes | None, _mtime: float) -> SigningKey:
    if not Path(path).is_file():
        log.error(
            "signing key not found: %s (`datawaarden init` creates the development PKI under "
            "DATAWAARDEN_DATA_DIR; production names its key with DATAWAARDEN_SIGNING_P12)",
            path,
        )
        raise SigningUnavailable()
    try:
        loaded = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=password)
        signer = _ParsedKeySigner(loaded) if loaded is not None else None
    except Exception:  # pyHanko raises several types for a bad file or password
        signer = None
    if signer is None:
        log.error("signing key %s cannot be read with the configured password", path)
        raise SigningUnavailable()
    subject = _signing_cert(signer).subject
    ca = tuple(c for c in signer.cert_registry if c.subject != subject)
    return SigningKey(signer, ca, Path(path))


def trust_anchor_pem(key: SigningKey) -> bytes:
    """The root certificate that auditors import as trusted (PEM)."""
    roots = [c for c in key.ca_certs if c.self_signed] or list(key.ca_certs)
    if not roots:
        return pem.armor("CERTIFICATE", _signing_cert(key.signer).dump())
    return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in roots)


class DevTimeStamper(DummyTimeStamper):
    """The development PKI's in-process timestamp authority. pyHanko's own parses the RSA key
    for every token (about 90 ms, two tokens per signature); this one parses it once. It
    replaces pyHanko's `_sign_tst_info` (pyHanko 0.38): the tests validate its tokens, so an
    upgrade that changes that method shows."""

    def __init__(self, tsa_cert: asn1_x509.Certificate, tsa_key: Any, chain: list[Any]) -> None:
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=tsa_key,
            certs_to_embed=SimpleCertificateStore.from_certs(chain),
        )
        self._private_key = serialization.load_der_private_key(tsa_key.dump(), password=None)

    def token_size(self) -> int:
        """An upper bound of one token's size in bytes."""
        certificates = len(self.tsa_cert.dump()) + sum(len(c.dump()) for c in self.certs_to_embed)
        return certificates + 1280

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        assert isinstance(self._private_key, RSAPrivateKey)
        signature = self._private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


@dataclass(frozen=True)
class LongTerm:
    """What makes signatures long-term: a timestamp authority, and a validation context that
    supplies the revocation data to embed (None: no validation data, PAdES B-B)."""

    timestamper: TimeStamper | None
    validation_context: ValidationContext | None
    known_crls: tuple[asn1_crl.CertificateList, ...] = ()

    @property
    def level(self) -> str:
        if self.timestamper is not None and self.validation_context is not None:
            return "B-LTA"
        return "B-T" if self.timestamper is not None else "B-B"


@lru_cache(maxsize=8)
def _dev_long_term(pki_dir: str, _mtime: float) -> LongTerm:
    paths = dev_pki_paths(Path(pki_dir))
    password = paths.password_file.read_text().strip().encode()
    tsa = signers.SimpleSigner.load_pkcs12(pfx_file=str(paths.tsa_p12), passphrase=password)
    if tsa is None:
        raise SigningUnavailable()
    root = asn1_x509.Certificate.load(pem.unarmor(paths.ca_pem.read_bytes())[2])
    crl = asn1_crl.CertificateList.load(paths.crl.read_bytes())
    stamper = DevTimeStamper(tsa.signing_cert, tsa.signing_key, [])
    context = ValidationContext(
        trust_roots=[root], crls=[crl], allow_fetching=False, revocation_mode="require"
    )
    return LongTerm(stamper, context, (crl,))


def extra_trust_roots(settings: Settings) -> list[asn1_x509.Certificate]:
    """Further trust anchors (PEM) named by DATAWAARDEN_EXTRA_TRUST_ROOTS, such as the root of
    the timestamp authority's certificate."""
    if settings.extra_trust_roots is None:
        return []
    data = settings.extra_trust_roots.read_bytes()
    return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]


def long_term(settings: Settings, key: SigningKey) -> LongTerm:
    """How this installation makes its signatures long-term."""
    if settings.signing_p12 is None and not settings.tsa_url:
        paths = dev_pki_paths(settings.pki_dir)
        try:
            return _dev_long_term(str(settings.pki_dir), paths.tsa_p12.stat().st_mtime)
        except (OSError, ValueError) as exc:
            log.error("the development timestamp authority cannot be read: %s", exc)
            raise SigningUnavailable() from None
    roots = load_trust_roots_of(key) + extra_trust_roots(settings)
    stamper = HTTPTimeStamper(settings.tsa_url, timeout=30) if settings.tsa_url else None
    # Production: fetch the OCSP responses and CRLs the certificates name, and refuse to sign
    # when they cannot be had (a signature without them does not validate long-term).
    context = ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="require")
    return LongTerm(stamper, context)


def load_trust_roots_of(key: SigningKey) -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(der)
        for _t, _h, der in pem.unarmor(trust_anchor_pem(key), multiple=True)
    ]


def sign_pdf(
    pdf: bytes,
    *,
    key: SigningKey,
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    tsa_url: str | None = None,
    timestamper: TimeStamper | None = None,
    long_term: LongTerm | None = None,
) -> bytes:
    """Add one signature as an incremental update; earlier signatures stay valid. With a
    `long_term` set-up that has both a timestamp authority and a validation context, the
    signature is PAdES B-LTA (two more incremental updates: validation data, then a document
    timestamp)."""
    with metrics.SIGNING_DURATION.time():
        return _sign_pdf(
            pdf,
            key=key,
            field_name=field_name,
            signer_name=signer_name,
            reason=reason,
            location=location,
            tsa_url=tsa_url,
            timestamper=timestamper,
            long_term=long_term,
        )


def _sign_pdf(
    pdf: bytes,
    *,
    key: SigningKey,
    field_name: str,
    signer_name: str,
    reason: str,
    location: str,
    tsa_url: str | None,
    timestamper: TimeStamper | None,
    long_term: LongTerm | None,
) -> bytes:
    if long_term is None:
        if timestamper is None and tsa_url:
            timestamper = HTTPTimeStamper(tsa_url)
        long_term = LongTerm(timestamper, None)
    lta = long_term.level == "B-LTA"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        name=signer_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=lta,
        use_pades_lta=lta,
        validation_context=long_term.validation_context if lta else None,
    )
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
        timestamper=long_term.timestamper,
        bytes_reserved=reserved_hex_digits(key, timestamper=long_term.timestamper),
    )
    return out.getvalue()
