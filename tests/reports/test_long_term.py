"""Long-term signatures against real services: a test PKI (certomancer) served over HTTP on the
loopback interface with an OCSP responder, CRLs and two timestamp authorities. A report is
signed the production way (a configured certificate, an RFC 3161 authority, revocation data
fetched from the URLs in the certificates), then validated with pyHanko's long-term
validation, with the services stopped and the network off, at a moment after the signing
certificate expired; the renewal adds a timestamp that carries it past the first authority's
certificate."""

from __future__ import annotations

import base64
import io
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import col, select
from werkzeug.serving import make_server

from app.config import Settings, get_settings
from app.reports.models import Report
from app.reports.validator import Validator
from app.reports.verify import verify_pdf
from tests.conftest import PASSWORD
from tests.reports.conftest import CHAIR, World, build_world, drive_to_advice, needs_poppler, pdfsig

certomancer = pytest.importorskip("certomancer")
from certomancer.integrations.animator import Animator, AnimatorArchStore  # noqa: E402
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel  # noqa: E402

KEYS = ("root", "seal", "tsa1", "tsa2", "ocsp")
SEAL_YEARS, TSA1_YEARS, TSA2_YEARS = 2, 12, 22


def _config(now: datetime) -> dict[str, Any]:
    """The test PKI: a root, a short-lived organisation seal, two timestamp authorities that
    outlive it, an OCSP responder, a CRL repository and the timestamp services."""

    def valid(years: int) -> dict[str, str]:
        return {
            "valid-from": (now - timedelta(days=1)).isoformat(),
            "valid-to": (now + timedelta(days=365 * years)).isoformat(),
        }

    def usage(*names: str) -> dict[str, Any]:
        return {
            "id": "key_usage",
            "critical": True,
            "smart-value": {"schema": "key-usage", "params": list(names)},
        }

    crl_point = {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
    }
    timestamping = [
        usage("digital_signature"),
        {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
        crl_point,
    ]
    return {
        "keysets": {"dw": {"path-prefix": "keys", "keys": {k: {"path": f"{k}.pem"} for k in KEYS}}},
        "pki-architectures": {
            "dw": {
                "keyset": "dw",
                "entity-defaults": {"country-name": "NL", "organization-name": "Gemeente Testdorp"},
                "entities": {
                    "root": {"common-name": "Testdorp Root CA"},
                    "seal": {"common-name": "Gemeente Testdorp organisatiezegel"},
                    "tsa1": {"common-name": "Testdorp TSA 1"},
                    "tsa2": {"common-name": "Testdorp TSA 2"},
                    "ocsp": {"common-name": "Testdorp OCSP"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": valid(30),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "seal": {
                        "issuer": "root",
                        "validity": valid(SEAL_YEARS),
                        "extensions": [
                            usage("digital_signature", "non_repudiation"),
                            crl_point,
                            {
                                "id": "authority_information_access",
                                "smart-value": {
                                    "schema": "aia-urls",
                                    "params": {"ocsp-responder-names": ["root-ocsp"]},
                                },
                            },
                        ],
                    },
                    "tsa1": {
                        "issuer": "root",
                        "validity": valid(TSA1_YEARS),
                        "extensions": timestamping,
                    },
                    "tsa2": {
                        "issuer": "root",
                        "validity": valid(TSA2_YEARS),
                        "extensions": timestamping,
                    },
                    "ocsp": {
                        "issuer": "root",
                        "validity": valid(5),
                        "extensions": [
                            usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                },
                "services": {
                    "ocsp": {
                        "root-ocsp": {
                            "for-issuer": "root",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P7D",
                        }
                    },
                    "time-stamping": {
                        "tsa1": {"signing-key": "tsa1", "signing-cert": "tsa1"},
                        "tsa2": {"signing-key": "tsa2", "signing-cert": "tsa2"},
                    },
                },
            }
        },
    }


class _ForNss:
    """NSS (poppler's pdfsig) asks OCSP by GET and refuses times with fractions of a second;
    certomancer answers POST only and stamps microseconds. This wrapper bridges both."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if "/ocsp/" in path:
            environ = dict(environ)
            environ["HTTP_X_CERTOMANCER_FAKE_TIME"] = (
                datetime.now(UTC).replace(microsecond=0).isoformat()
            )
            prefix, _, request = path.partition("/ocsp/")
            label, _, encoded = request.partition("/")
            if environ.get("REQUEST_METHOD") == "GET" and encoded:
                from urllib.parse import unquote

                body = base64.b64decode(unquote(encoded))
                environ.update(
                    REQUEST_METHOD="POST",
                    PATH_INFO=f"{prefix}/ocsp/{label}",
                    CONTENT_TYPE="application/ocsp-request",
                    CONTENT_LENGTH=str(len(body)),
                )
                environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


class _Starting:
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"starting"]


@dataclass
class ServicePki:
    arch: Any
    url: str
    server: Any
    thread: threading.Thread
    directory: Path

    def cert(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def crl_at(self, moment: datetime) -> Any:
        return self.arch.service_registry.get_crl(ServiceLabel("root"), at_time=moment)

    def tsa_url(self, label: str) -> str:
        return f"{self.url}/dw/tsa/{label}"

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
            self.server.server_close()


@pytest.fixture(scope="module")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServicePki]:
    directory = tmp_path_factory.mktemp("certomancer")
    (directory / "keys").mkdir()
    for name in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (directory / "keys" / f"{name}.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    # Bound before the certificates are made: their URLs name this port.
    server = make_server("127.0.0.1", 0, _Starting(), threaded=True)
    url = f"http://127.0.0.1:{server.port}"
    config = CertomancerConfig(
        _config(datetime.now(UTC).replace(microsecond=0)),
        key_search_dir=str(directory),
        external_url_prefix=url,
    )
    server.app = _ForNss(Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pki = ServicePki(config.get_pki_arch(ArchLabel("dw")), url, server, thread, directory)
    # The socket listens already, so this request waits until the server serves it.
    with urllib.request.urlopen(f"{url}/dw/crls/root/latest.crl", timeout=60) as response:
        assert response.status == 200
    yield pki
    pki.stop()


def _settings(pki: ServicePki, tsa: str) -> Settings:
    p12 = pki.directory / "seal.p12"
    if not p12.exists():
        p12.write_bytes(pki.arch.package_pkcs12(CertLabel("seal"), password=b"zegel-wachtwoord"))
    return get_settings().model_copy(
        update={
            "signing_p12": p12,
            "signing_p12_password": "zegel-wachtwoord",
            "tsa_url": pki.tsa_url(tsa),
        }
    )


@dataclass
class Signed:
    world: World
    assessment_id: int
    pdf: bytes


@pytest.fixture(scope="module")
def signed_with_services(
    test_pki: ServicePki, tmp_path_factory: pytest.TempPathFactory, pki
) -> Signed:  # type: ignore[no-untyped-def]
    from app.archive.service import sign_and_archive

    world = build_world(tmp_path_factory.mktemp("long-term-db"))
    assessment_id = drive_to_advice(world, title="Lange termijn")
    report = sign_and_archive(
        world.engine,
        assessment_id=assessment_id,
        actor_id=world.users["chair"],
        roles=CHAIR,
        password=PASSWORD,
        settings=_settings(test_pki, "tsa1"),
    )
    return Signed(world, assessment_id, report.pdf)


def _validator(pki: ServicePki, *crls: Any) -> Validator:
    return Validator(trust_roots=(pki.cert("root"),), known_crls=crls)


def test_it_signs_with_a_timestamp_ocsp_and_crls_from_the_services(signed_with_services, test_pki):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import DocumentSecurityStore

    result = verify_pdf(signed_with_services.pdf, trust_roots=[], validator=_validator(test_pki))
    assert result.signatures_ok and result.long_term
    check, stamp = result.signatures
    assert check.signer == "Gemeente Testdorp organisatiezegel"
    assert check.proven_by.startswith("Testdorp TSA 1")
    assert stamp.kind == "timestamp" and stamp.signer == "Testdorp TSA 1"
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed_with_services.pdf)))
    assert len(list(dss.ocsps)) >= 1 and len(list(dss.crls)) >= 1


def test_it_takes_a_timestamped_checkpoint_at_signing(signed_with_services, test_pki):
    from app.audit.checkpoints import newest_checkpoint
    from app.reports.seal import OrganisationSeal

    with signed_with_services.world.session() as session:
        checkpoint = newest_checkpoint(session)
    assert checkpoint is not None
    check = OrganisationSeal(None, trust_roots=[test_pki.cert("root")]).check(
        checkpoint.statement_bytes, checkpoint.cms
    )
    assert check.ok and check.timestamped


def test_it_validates_after_the_seal_expired_with_the_services_gone_and_the_network_off(
    signed_with_services, test_pki, no_network
):
    # Every connection is refused from here on: the services are as good as gone.
    expired = test_pki.cert("seal").not_valid_after + timedelta(days=365)
    # The validation data of the signature is in the file; only the present status of the
    # timestamp authority's certificate must come from outside it (its CA's current CRL).
    current = test_pki.crl_at(expired)
    result = verify_pdf(
        signed_with_services.pdf,
        trust_roots=[],
        validator=_validator(test_pki, current),
        at=expired,
    )
    assert result.signatures_ok, result.signatures
    assert result.signatures[0].signed_at < test_pki.cert("seal").not_valid_after
    # Without that current status the long-term validation cannot conclude, and says so.
    stale = verify_pdf(
        signed_with_services.pdf, trust_roots=[], validator=_validator(test_pki), at=expired
    )
    assert not stale.signatures_ok and stale.signatures[0].problem == "no_poe"
    assert no_network.attempts == []


@pytest.fixture(scope="module")
def renewed(signed_with_services, test_pki) -> bytes:  # type: ignore[no-untyped-def]
    """The archived report renewed with the second authority, the services still running."""
    from app.archive.renewal import renew_timestamps

    results = renew_timestamps(
        signed_with_services.world.engine,
        settings=_settings(test_pki, "tsa2"),
        within=timedelta(days=365 * 50),
    )
    assert [r.renewed for r in results] == [True], results
    with signed_with_services.world.session() as session:
        versions = session.exec(
            select(Report)
            .where(Report.assessment_id == signed_with_services.assessment_id)
            .order_by(col(Report.sequence))
        ).all()
    assert [v.kind for v in versions] == ["signature", "timestamp"]
    return bytes(versions[-1].pdf)


def test_it_renews_the_timestamp_as_an_incremental_update(renewed, signed_with_services, test_pki):
    assert renewed.startswith(signed_with_services.pdf)
    result = verify_pdf(renewed, trust_roots=[], validator=_validator(test_pki))
    assert [s.signer for s in result.timestamps] == ["Testdorp TSA 1", "Testdorp TSA 2"]
    assert result.signatures_ok


@needs_poppler
def test_it_is_valid_and_trusted_for_pdfsig_while_the_services_answer(renewed, test_pki, tmp_path):
    import subprocess

    from asn1crypto import pem

    nss = tmp_path / "nss"
    nss.mkdir()
    (nss / "root.pem").write_bytes(pem.armor("CERTIFICATE", test_pki.cert("root").dump()))
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "root",
            "-t",
            "CT,C,C",
            "-i",
            str(nss / "root.pem"),
        ],
        check=True,
    )
    out = pdfsig(f"sql:{nss}", renewed, tmp_path)
    signature = out.split("Signature #2")[0]
    assert "Signature is Valid" in signature and "Certificate is Trusted" in signature, out
    assert "Digest Mismatch" not in out


def test_it_stays_valid_after_the_first_authority_expired_only_when_renewed(
    renewed, signed_with_services, test_pki, no_network
):
    later = test_pki.cert("tsa1").not_valid_after + timedelta(days=30)
    validator = _validator(test_pki, test_pki.crl_at(later))
    assert verify_pdf(renewed, trust_roots=[], validator=validator, at=later).signatures_ok
    original = verify_pdf(signed_with_services.pdf, trust_roots=[], validator=validator, at=later)
    assert not original.signatures_ok
    assert no_network.attempts == []
