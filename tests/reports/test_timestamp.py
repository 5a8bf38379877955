"""PAdES B-T: with a timestamp authority the signature carries a timestamp token."""

from __future__ import annotations

import weasyprint
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from app.config import get_settings
from app.reports.checking import trust_roots
from app.reports.signing import load_signing_key, sign_pdf
from app.reports.verify import verify_pdf


def test_it_adds_a_timestamp_when_a_timestamp_authority_is_used(dev_pki):
    settings = get_settings()
    key = load_signing_key(settings)
    # A test authority (pyHanko's own, offline), using the development key pair.
    stamper = DummyTimeStamper(
        tsa_cert=key.signer.signing_cert,
        tsa_key=key.signer.signing_key,
        certs_to_embed=list(key.ca_certs),
    )
    pdf = weasyprint.HTML(string="<p>Tijdstempel</p>").write_pdf(pdf_variant="pdf/a-3b")
    signed = sign_pdf(
        pdf,
        key=key,
        field_name="Signature1",
        signer_name="Chris Chair",
        reason="test",
        location="Haarlem",
        timestamper=stamper,
    )
    check = verify_pdf(signed, trust_roots=trust_roots(settings))
    assert check.signatures[0].intact and check.signatures[0].trusted
    assert check.signatures[0].timestamped
