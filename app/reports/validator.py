"""How signatures are validated: the trust anchors, the revocation data known beforehand and
whether the present revocation status may be fetched online."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from app.canonical import sha256_hex


def load_trust_roots(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    roots = []
    for _type, _headers, der in pem.unarmor(pem_bytes, multiple=True):
        roots.append(asn1_x509.Certificate.load(der))
    return roots


@dataclass(frozen=True)
class Validator:
    """How signatures are validated: the trust anchors, revocation data known beforehand (a
    CRL of the development CA; in production what was fetched), and whether revocation data
    may be fetched online for the present moment (never for the past)."""

    trust_roots: tuple[asn1_x509.Certificate, ...]
    known_crls: tuple[asn1_crl.CertificateList, ...] = ()
    fetch_current_revocation: bool = False

    @property
    def fingerprint(self) -> str:
        """Identifies what this validator trusts and knows (for caching verdicts)."""
        parts = [c.sha256 for c in self.trust_roots] + [c.sha256 for c in self.known_crls]
        return sha256_hex(b"".join(parts) + (b"1" if self.fetch_current_revocation else b"0"))

    def spec(self) -> PdfSignatureValidationSpec:
        """The long-term validation settings. The difference analysis of later revisions runs
        once per file (see `_modified`), not again inside each validation."""
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=list(self.trust_roots)),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        )
        online = self.fetch_current_revocation
        gathering = RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
            if online
            else RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.FOLLOW_ONLINE_RULE
            if online
            else CertificateFetchingRule.NEVER_FETCH,
        )
        spec = SignatureValidationSpec(
            cert_validation_policy=policy, revinfo_gathering_policy=gathering
        )
        if self.known_crls:
            knowledge = dataclasses.replace(
                spec.local_knowledge,
                known_crls=[*spec.local_knowledge.known_crls, *map(CRLContainer, self.known_crls)],
            )
            spec = dataclasses.replace(spec, local_knowledge=knowledge)
        return PdfSignatureValidationSpec(spec, diff_policy=None)
