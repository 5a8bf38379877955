"""A verification in words: what the signatures prove, by which timestamp, and whether the
report still validates at the date asked for. One text for the verification page, the command
line and the API."""

from __future__ import annotations

from dataclasses import dataclass

from app.formatting import day, moment
from app.i18n import _, ngettext
from app.reports.verdict import INFLATE_LIMIT, SignatureCheck, Verification


@dataclass(frozen=True)
class Statement:
    """One sentence of a verdict: good (True), a problem (False) or information (None)."""

    ok: bool | None
    text: str


def _reason(check: SignatureCheck) -> str:
    if check.problem == "no_poe":
        return _(
            "no valid timestamp proves that it existed before its certificates expired "
            "(its timestamps should have been renewed)"
        )
    if check.problem == "revoked":
        return _("its certificate was revoked")
    return _("it was not made with a trusted certificate of the organisation")


def _signature(check: SignatureCheck, org_name: str, on_behalf_of: str | None) -> list[Statement]:
    if not check.intact:
        return [
            Statement(
                False,
                _("A document timestamp is broken: the file was changed after it was stamped.")
                if check.kind == "timestamp"
                else _("The signature is broken: the file was changed after it was signed."),
            )
        ]
    when = moment(check.signed_at)
    if not check.trusted:
        return [
            Statement(
                False,
                _(
                    "The signature with the certificate “%(name)s” is intact, but cannot be "
                    "confirmed: %(reason)s.",
                    name=check.signer,
                    reason=_reason(check),
                ),
            )
        ]
    found = [
        Statement(
            True,
            _(
                "Signed on %(when)s with the certificate “%(name)s” of %(org)s, valid until %(until)s.",
                when=when,
                name=check.signer,
                org=org_name,
                until=day(check.certificate_valid_until),
            ),
        )
    ]
    if check.proven_by:
        found.append(
            Statement(
                True,
                _(
                    "That the certificate was valid at that moment is proven by the timestamp of %(tsa)s.",
                    tsa=check.proven_by.split(", ")[0],
                ),
            )
        )
    else:
        found.append(
            Statement(
                None,
                _(
                    "The file carries no long-term validation data: it can only be confirmed "
                    "while the certificate is valid."
                ),
            )
        )
    if on_behalf_of:
        found.append(
            Statement(
                None,
                _(
                    "The signed content names %(name)s as the chair on whose behalf the "
                    "organisation sealed it.",
                    name=on_behalf_of,
                ),
            )
        )
    return found


def explain(
    result: Verification,
    *,
    org_name: str,
    on_behalf_of: str | None = None,
    archived_reference: str | None = None,
    known: bool | None = None,
    snapshot_matches: bool | None = None,
    public: bool = False,
) -> list[Statement]:
    """The verdict on a file as sentences. A public edition is a genuine report of its own:
    sealed by the organisation on behalf of the committee, it names no members."""
    found = _signatures(result, org_name, on_behalf_of)
    if result.is_pdf and known is not None:
        if archived_reference and public:
            found.append(
                Statement(
                    True,
                    _(
                        "This file is the public edition of the archived report %(ref)s: it "
                        "gives the committee's advice without the names and opinions of its "
                        "members.",
                        ref=archived_reference,
                    ),
                )
            )
        elif archived_reference:
            found.append(
                Statement(
                    True, _("This file is the archived report %(ref)s.", ref=archived_reference)
                )
            )
        else:
            found.append(Statement(False, _("This exact file is not in the archive.")))
    if snapshot_matches is True:
        found.append(Statement(True, _("The embedded data matches the archived snapshot.")))
    elif snapshot_matches is False and result.signatures_ok:  # otherwise it was not read
        found.append(Statement(False, _("The embedded data does not match the archived snapshot.")))
    if result.signatures_ok and result.evidence:
        found.extend(_evidence(result))
    return found


def _evidence(result: Verification) -> list[Statement]:
    """The files attached to the answers: each one the signed snapshot lists is embedded with
    the bytes its SHA-256 names."""
    wrong = [e for e in result.evidence if e.problem is not None]
    if not wrong:
        return [
            Statement(
                True,
                ngettext(
                    "The file attached to an answer is embedded in the report unchanged, as "
                    "the snapshot lists it.",
                    "The %(num)s files attached to the answers are embedded in the report "
                    "unchanged, as the snapshot lists them.",
                    len(result.evidence),
                ),
            )
        ]
    found = []
    for check in wrong:
        if check.problem == "missing":
            text = _(
                "The attached file “%(name)s” that the snapshot lists is not embedded in the "
                "report.",
                name=check.filename,
            )
        elif check.problem == "altered":
            text = _(
                "The attached file “%(name)s” embedded in the report does not match the "
                "SHA-256 that the snapshot lists: it was changed.",
                name=check.filename,
            )
        else:
            text = _(
                "The attached file “%(name)s” embedded in the report cannot be read.",
                name=check.filename,
            )
        found.append(Statement(False, text))
    return found


def _too_much(result: Verification) -> Statement:
    return Statement(
        False,
        _(
            "The file unpacks to more than %(mb)s MB of data, far more than an advice report "
            "holds: it was not checked further.",
            mb=max(1, round(result.max_inflated / (1024 * 1024))),
        ),
    )


def _signatures(result: Verification, org_name: str, on_behalf_of: str | None) -> list[Statement]:
    if not result.is_pdf:
        return [Statement(False, _("This file is not a PDF."))]
    if INFLATE_LIMIT in result.problems and not result.signatures:
        return [_too_much(result)]
    if not result.readable:
        return [Statement(False, _("This PDF is damaged and cannot be read."))]
    if not result.signed:
        return [Statement(False, _("This PDF has no digital signature."))]
    found: list[Statement] = []
    regular = [s for s in result.signatures if s.kind == "signature"]
    for index, check in enumerate(regular):
        found.extend(_signature(check, org_name, on_behalf_of if index == 0 else None))
    if "modified" in result.problems or not result.signatures[-1].covers_whole_file:
        found.append(Statement(False, _("Something was changed in the file after it was signed.")))
    newest = result.newest_timestamp
    if newest is not None:
        found.append(
            Statement(
                newest.intact,
                _(
                    "The newest document timestamp (%(tsa)s, %(when)s) keeps this evidence "
                    "verifiable until %(until)s.",
                    tsa=newest.signer,
                    when=moment(newest.signed_at),
                    until=day(newest.certificate_valid_until),
                ),
            )
        )
    if INFLATE_LIMIT in result.problems:
        found.append(_too_much(result))
    elif not result.signatures_ok:
        found.append(
            Statement(
                None,
                _(
                    "The embedded data was not read, because the signatures do not confirm the file."
                ),
            )
        )
    at = day(result.at)
    if result.signatures_ok:
        found.append(Statement(True, _("On %(date)s the report validates.", date=at)))
    else:
        found.append(Statement(False, _("On %(date)s the report does not validate.", date=at)))
    return found
