"""The organisation's seal on data other than reports: a detached CMS signature (RFC 5652) with
the signing key, RFC 3161-timestamped when a timestamp authority is configured. Audit
checkpoints are sealed this way (app.audit.checkpoints); anyone holding the trust anchor can
check one with a standard tool, for example
`openssl cms -verify -binary -inform DER -in seal.der -content statement.json -CAfile ca.pem`."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from app.audit.checkpoints import SealCheck
from app.config import Settings
from app.reports.offloop import off_loop
from app.reports.signing import SigningKey
from app.timeutil import utcnow

log = logging.getLogger("datawaarden.seal")


def _claimed_time(signed_data: cms.SignedData) -> datetime | None:
    try:
        for attribute in signed_data["signer_infos"][0]["signed_attrs"]:
            if attribute["type"].native == "signing_time":
                value: datetime = attribute["values"][0].native
                return value
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return None


class OrganisationSeal:
    """Seals and checks bytes with the organisation's signing key (a `Sealer`)."""

    def __init__(
        self,
        key: SigningKey | None,
        *,
        trust_roots: list[asn1_x509.Certificate],
        timestamper: TimeStamper | None = None,
    ) -> None:
        self._key = key
        self._roots = trust_roots
        self._timestamper = timestamper

    def seal(self, data: bytes) -> bytes:
        if self._key is None:
            raise RuntimeError("this seal only checks: it has no signing key")

        async def run() -> cms.ContentInfo:
            assert self._key is not None
            return await self._key.signer.async_sign_general_data(
                data,
                "sha256",
                detached=True,
                timestamper=self._timestamper,
                signed_attr_settings=PdfCMSSignedAttributes(signing_time=utcnow()),
            )

        info = off_loop(asyncio.run, run())
        der: bytes = info.dump()
        return der

    def check(self, data: bytes, signature: bytes) -> SealCheck:
        if not self._roots:
            return SealCheck(
                False,
                problem="there is no trust anchor to check it against "
                "(configure the signing key or give --trust-anchor)",
            )
        try:
            info = cms.ContentInfo.load(signature)
            signed_data = info["content"]
            if info["content_type"].native != "signed_data":
                return SealCheck(False, problem="not a CMS signature")
            claimed = _claimed_time(signed_data)
        except Exception as exc:  # asn1crypto raises several types for damaged DER
            return SealCheck(False, problem=f"unreadable signature ({type(exc).__name__})")
        # The key may have expired since: a seal is checked at the time it was made (the
        # timestamp's, or else the one the signature names; only the key's holder could sign).
        context = ValidationContext(
            trust_roots=self._roots,
            moment=claimed,
            allow_fetching=False,
            best_signature_time=claimed,
        )

        async def run():  # type: ignore[no-untyped-def]
            return await async_validate_detached_cms(
                data, signed_data, signer_validation_context=context
            )

        try:
            status = off_loop(asyncio.run, run())
        except Exception as exc:  # pyHanko raises on damaged signatures
            log.info("seal check failed: %s", type(exc).__name__)
            return SealCheck(False, problem=f"damaged signature ({type(exc).__name__})")
        when = status.timestamp_validity.timestamp if status.timestamp_validity else claimed
        try:
            signer = str(status.signing_cert.subject.human_friendly)
        except Exception:
            signer = "?"
        if not status.intact:
            return SealCheck(False, signer, when, problem="the data or the signature was changed")
        if not (status.valid and status.trusted):
            return SealCheck(False, signer, when, problem="not signed with the organisation's key")
        return SealCheck(True, signer, when, status.timestamp_validity is not None)


def organisation_seal(
    settings: Settings, *, timestamper: TimeStamper | None = None
) -> OrganisationSeal:
    """The organisation's seal as configured (the signing key, its trust anchor, the TSA)."""
    from app.reports.checking import trust_roots
    from app.reports.signing import load_signing_key, long_term

    key = load_signing_key(settings)
    return OrganisationSeal(
        key,
        trust_roots=trust_roots(settings),
        timestamper=timestamper or long_term(settings, key).timestamper,
    )


def checking_seal(trust_roots: list[asn1_x509.Certificate]) -> OrganisationSeal:
    """A seal that only checks (no private key needed), for auditors' machines."""
    return OrganisationSeal(None, trust_roots=trust_roots)
