"""A development PKI: a small CA and a signing certificate in a PKCS#12 file, so that trust
works the same way as with a production certificate. Clearly labelled development-only."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.timeutil import utcnow

DEV_LABEL = "DEVELOPMENT ONLY - not for production"


@dataclass(frozen=True)
class DevPki:
    """Where the development PKI lives."""

    p12: Path
    password_file: Path
    ca_pem: Path


def dev_pki_paths(pki_dir: Path) -> DevPki:
    return DevPki(pki_dir / "signing.p12", pki_dir / "signing.p12.password", pki_dir / "ca.pem")


def _name(common_name: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_LABEL),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
        ]
    )


def create_dev_pki(pki_dir: Path, *, org_name: str) -> DevPki:
    """Create a CA and a signing certificate (RSA 3072) with a random PKCS#12 password."""
    paths = dev_pki_paths(pki_dir)
    pki_dir.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    # RSA, not ECDSA: pyHanko marks ECDSA-signed files as PDF 2.0 (ISO 32002), and PDF/A-3 is
    # based on PDF 1.7.
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name("Datawaarden CA (DEVELOPMENT ONLY)", org_name)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Datawaarden signing (DEVELOPMENT ONLY)", org_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    blob = pkcs12.serialize_key_and_certificates(
        b"datawaarden-signing",
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(password.encode()),
    )
    paths.p12.write_bytes(blob)
    paths.p12.chmod(0o600)
    paths.password_file.write_text(password)
    paths.password_file.chmod(0o600)
    paths.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths


def ensure_dev_pki(pki_dir: Path, *, org_name: str) -> tuple[DevPki, bool]:
    """The development PKI, created when missing. Returns (paths, created)."""
    paths = dev_pki_paths(pki_dir)
    if paths.p12.exists() and paths.password_file.exists() and paths.ca_pem.exists():
        return paths, False
    return create_dev_pki(pki_dir, org_name=org_name), True
