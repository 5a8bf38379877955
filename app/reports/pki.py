"""A development PKI, complete enough for long-term signatures: a CA, a signing certificate
(the organisation's seal), a timestamp authority's certificate and a CRL, so that the embedded
default signs PAdES B-LTA exactly as production does with real services. Every subject says
"DEVELOPMENT ONLY"; production refuses it (app.reports.signing).

Files under DATA_DIR/pki: signing.p12 (the seal), tsa.p12 (the in-process timestamp
authority), ca.p12 (the CA, development only: it can issue another CRL), ca.pem (the trust
anchor), ca.crl (valid for as long as the CA, so that reports validate offline at any date
within it), and the PKCS#12 password in signing.p12.password (mode 0600)."""

from __future__ import annotations

import logging
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.timeutil import utcnow

log = logging.getLogger("datawaarden.pki")
DEV_LABEL = "DEVELOPMENT ONLY - not for production"
CA_YEARS = 30
SIGNING_YEARS = 10
TSA_YEARS = 25
CRL_PATH = "/pki/ca.crl"  # served by the app, named in the certificates


@dataclass(frozen=True)
class DevPki:
    """Where the development PKI lives."""

    p12: Path
    password_file: Path
    ca_pem: Path
    ca_p12: Path
    tsa_p12: Path
    crl: Path

    def complete(self) -> bool:
        return all(
            p.exists()
            for p in (
                self.p12,
                self.password_file,
                self.ca_pem,
                self.ca_p12,
                self.tsa_p12,
                self.crl,
            )
        )


def dev_pki_paths(pki_dir: Path) -> DevPki:
    return DevPki(
        pki_dir / "signing.p12",
        pki_dir / "signing.p12.password",
        pki_dir / "ca.pem",
        pki_dir / "ca.p12",
        pki_dir / "tsa.p12",
        pki_dir / "ca.crl",
    )


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def _key_usage(*, signing: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=signing,  # non-repudiation: what a seal on a decision needs
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _rsa() -> rsa.RSAPrivateKey:
    # RSA, not ECDSA: pyHanko marks ECDSA-signed files as PDF 2.0 (ISO 32002), and PDF/A-3 is
    # based on PDF 1.7.
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def _issue(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    years: int,
    extensions: list[tuple[x509.ExtensionType, bool]],
    now: datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(min(now + timedelta(days=365 * years), ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(ca_key, hashes.SHA256())


def _crl_point(base_url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(base_url.rstrip("/") + CRL_PATH)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def issue_crl(ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey, *, now: datetime) -> bytes:
    """A CRL (DER) that revokes nothing, valid from an hour ago until the CA expires."""
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - timedelta(hours=1))  # a little back: clocks differ
        .next_update(ca_cert.not_valid_after_utc)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


def _write_p12(
    path: Path,
    name: bytes,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    password: str,
) -> None:
    blob = pkcs12.serialize_key_and_certificates(
        name, key, cert, chain, serialization.BestAvailableEncryption(password.encode())
    )
    path.write_bytes(blob)
    path.chmod(0o600)


def create_dev_pki(
    pki_dir: Path, *, org_name: str, base_url: str = "http://127.0.0.1:8000"
) -> DevPki:
    """Create the CA, the signing and timestamping certificates and the CRL."""
    paths = dev_pki_paths(pki_dir)
    pki_dir.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    ca_key = _rsa()
    ca_name = _name("Datawaarden CA (DEVELOPMENT ONLY)", org_name)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    signing_key = _rsa()
    signing_cert = _issue(
        subject=_name("Datawaarden signing (DEVELOPMENT ONLY)", org_name),
        key=signing_key,
        ca_cert=ca_cert,
        ca_key=ca_key,
        years=SIGNING_YEARS,
        now=now,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(signing=True), True),
            (
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING]
                ),
                False,
            ),
            (_crl_point(base_url), False),
        ],
    )
    tsa_key = _rsa()
    tsa_cert = _issue(
        subject=_name("Datawaarden timestamps (DEVELOPMENT ONLY)", org_name),
        key=tsa_key,
        ca_cert=ca_cert,
        ca_key=ca_key,
        years=TSA_YEARS,
        now=now,
        extensions=[
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(), True),
            # RFC 3161 section 2.3: the timestamping purpose, and only it, marked critical.
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            (_crl_point(base_url), False),
        ],
    )
    _write_p12(paths.p12, b"datawaarden-signing", signing_key, signing_cert, [ca_cert], password)
    _write_p12(paths.tsa_p12, b"datawaarden-tsa", tsa_key, tsa_cert, [ca_cert], password)
    _write_p12(paths.ca_p12, b"datawaarden-ca", ca_key, ca_cert, [], password)
    paths.password_file.write_text(password)
    paths.password_file.chmod(0o600)
    paths.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths.crl.write_bytes(issue_crl(ca_cert, ca_key, now=now))
    return paths


def ensure_dev_pki(
    pki_dir: Path, *, org_name: str, base_url: str = "http://127.0.0.1:8000"
) -> tuple[DevPki, bool]:
    """The development PKI, created when missing. An older one without a timestamp authority
    and a CRL is kept aside (pki.old-<time>) and replaced. Returns (paths, created)."""
    paths = dev_pki_paths(pki_dir)
    if paths.complete():
        return paths, False
    if paths.p12.exists():
        aside = pki_dir.with_name(f"{pki_dir.name}.old-{utcnow():%Y%m%d%H%M%S}")
        shutil.move(str(pki_dir), str(aside))
        log.warning(
            "the development PKI in %s had no timestamp authority or CRL; it was moved to %s "
            "and a new one was made (reports signed with the old one verify as untrusted)",
            pki_dir,
            aside,
        )
    return create_dev_pki(pki_dir, org_name=org_name, base_url=base_url), True
