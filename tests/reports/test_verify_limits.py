"""Verifying a hostile file costs little: nothing is inflated before the signatures are found
intact and trusted, what is inflated then stops at a cap per request, and only a few files are
verified at once (the others are answered with 503 and Retry-After)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TypeVar

import pytest
from bs4 import BeautifulSoup

from app.config import get_settings
from app.i18n import use_locale
from app.reports import checking
from app.reports import verify as verify_module
from app.reports.checking import trust_roots
from app.reports.explain import explain
from app.reports.verdict import Verification
from app.reports.verify import verify_pdf
from tests.conftest import Client, page_text
from tests.reports.bombs import MiB, bomb_pdf, large_json_pdf, signed
from tests.reports.conftest import World

T = TypeVar("T")
EN = {"Accept-Language": "en"}
CAP_TEXT = "unpacks to more than"


def peak_while(fn: Callable[[], T]) -> tuple[T, int]:
    """What `fn` returns, and the most memory Python objects held at once while it ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        value = fn()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def sentences(result: Verification) -> str:
    with use_locale("en"):
        return " ".join(s.text for s in explain(result, org_name="Gemeente"))


@pytest.fixture(scope="module")
def roots(pki):  # type: ignore[no-untyped-def]
    return trust_roots(get_settings())


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """255 KB of PDF whose embedded snapshot inflates to 250 MB."""
    data = bomb_pdf()
    assert len(data) < 300 * 1024
    return data


@pytest.fixture(scope="module")
def signed_bomb(bomb: bytes, pki) -> bytes:  # type: ignore[no-untyped-def]
    return signed(bomb)


@pytest.fixture(scope="module")
def visitor(world: World) -> Iterator[Client]:
    with world.client() as client:
        client.get("/verify", headers=EN)  # the CSRF cookie
        yield client


def upload(client: Client, data: bytes, headers=EN):  # type: ignore[no-untyped-def]
    return client.post_form(
        "/verify", {}, files={"file": ("rapport.pdf", data, "application/pdf")}, headers=headers
    )


def verdict(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:500]
    box = BeautifulSoup(response.text, "lxml").select_one(".verdict-box")
    assert box is not None
    return " ".join(box.get_text(" ").split())


def test_it_says_an_unsigned_bomb_is_unsigned_without_inflating_it(bomb, roots):
    result, peak = peak_while(lambda: verify_pdf(bomb, trust_roots=roots))
    assert peak < 16 * MiB, f"{peak / MiB:.0f} MiB held while verifying a 255 KB file"
    assert "unsigned" in result.problems and result.attachments == {}
    assert "This PDF has no digital signature." in sentences(result)


def test_it_does_not_inflate_what_an_untrusted_signature_signed(signed_bomb):
    result, peak = peak_while(lambda: verify_pdf(signed_bomb, trust_roots=[]))
    assert peak < 16 * MiB, f"{peak / MiB:.0f} MiB held while verifying a 255 KB file"
    check = result.signatures[0]
    assert check.intact and not check.trusted
    assert result.attachments == {} and not result.signatures_ok
    assert "cannot be confirmed" in sentences(result)
    assert (
        "The embedded data was not read, because the signatures do not confirm the file."
        in sentences(result)
    )


def test_it_does_not_inflate_what_a_broken_signature_signed(signed_bomb, roots):
    data = bytearray(signed_bomb)
    data[len(data) // 3] ^= 0x01  # inside the signed (compressed) bytes
    result, peak = peak_while(lambda: verify_pdf(bytes(data), trust_roots=roots))
    assert peak < 16 * MiB
    assert not result.signatures_ok and result.attachments == {}


def test_it_stops_inflating_a_trusted_files_embedded_json_at_the_cap(signed_bomb, roots):
    result, peak = peak_while(lambda: verify_pdf(signed_bomb, trust_roots=roots))
    cap = verify_module.MAX_INFLATED
    assert peak < cap + 16 * MiB, f"{peak / MiB:.0f} MiB held with a cap of {cap / MiB:.0f} MiB"
    check = result.signatures[0]
    assert check.intact and check.trusted  # the signature itself is fine
    assert verify_module.INFLATE_LIMIT in result.problems
    assert result.attachments == {} and not result.signatures_ok
    text = sentences(result)
    assert f"{CAP_TEXT} {cap // MiB} MB" in text
    assert "the report does not validate" in text


def test_it_does_not_call_a_damaged_stream_too_large(roots):
    """A large compressed stream that is broken, not too large, fails as damaged."""
    pdf = signed(bomb_pdf(damaged_at=2000))
    result, peak = peak_while(lambda: verify_pdf(pdf, trust_roots=roots))
    assert peak < verify_module.MAX_INFLATED + 16 * MiB
    assert result.signatures[0].trusted and result.attachments == {}
    assert verify_module.INFLATE_LIMIT not in result.problems
    assert CAP_TEXT not in sentences(result)


def test_it_refuses_a_signed_report_whose_embedded_json_exceeds_the_cap(visitor, roots):
    cap = verify_module.MAX_INFLATED
    pdf = signed(large_json_pdf(cap + MiB))
    assert len(pdf) < 100 * 1024
    result = verify_pdf(pdf, trust_roots=roots)
    assert result.signatures[0].trusted and verify_module.INFLATE_LIMIT in result.problems
    text = verdict(upload(visitor, pdf))
    assert "Not confirmed" in text
    assert (
        f"The file {CAP_TEXT} {cap // MiB} MB of data, far more than an advice report holds: "
        "it was not checked further." in text
    )


def test_it_reads_a_signed_json_just_under_the_cap(roots):
    pdf = signed(large_json_pdf(verify_module.MAX_INFLATED // 2))
    result = verify_pdf(pdf, trust_roots=roots)
    assert result.signatures_ok and verify_module.INFLATE_LIMIT not in result.problems
    assert len(result.attachment or b"") == verify_module.MAX_INFLATED // 2


def test_it_still_reads_the_embedded_json_of_a_real_report(signed, roots):
    result = verify_pdf(signed.pdf, trust_roots=roots)
    assert result.signatures_ok and result.problems == []
    assert result.attachment == signed.snapshot_json.encode()
    assert set(result.attachments) == {"datawaarden-snapshot.json", "datawaarden-advice.json"}


def test_it_counts_the_cap_over_the_whole_request(signed, roots, monkeypatch):
    """The real report inflates about 25 KB in all (its JSON, certificates, object streams):
    a cap below that refuses it, so the cap counts every stream, not each on its own."""
    monkeypatch.setattr(verify_module, "MAX_INFLATED", 12 * 1024)
    result = verify_pdf(signed.pdf, trust_roots=roots)
    assert verify_module.INFLATE_LIMIT in result.problems and not result.signatures_ok


def test_it_gives_the_page_a_finding_for_every_bomb(visitor, bomb, signed_bomb):
    assert "This PDF has no digital signature." in verdict(upload(visitor, bomb))
    assert CAP_TEXT in verdict(upload(visitor, signed_bomb))
    for damaged in (
        bomb[: len(bomb) // 2],
        signed_bomb[:-3000],
        bomb.replace(b"/Flate", b"/Flatx"),
    ):
        assert "Not confirmed" in verdict(upload(visitor, damaged))


def test_it_answers_503_with_retry_after_when_every_verification_slot_is_taken(
    visitor, signed, monkeypatch
):
    with ExitStack() as taken:
        for _ in range(verify_module.MAX_CONCURRENT_VERIFICATIONS):
            taken.enter_context(verify_module.verification_slot())
        busy = upload(visitor, signed.pdf)
        assert busy.status_code == 503
        assert int(busy.headers["Retry-After"]) > 0
        assert (
            "Too many files are being checked at the moment. Please try again in a few seconds."
            in page_text(busy.text)
        )
    # The slots are free again.
    assert "Authentic and unchanged" in verdict(upload(visitor, signed.pdf))


def test_it_frees_the_slot_when_a_verification_fails(visitor, monkeypatch):
    def boom(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("unexpected")

    monkeypatch.setattr(checking, "verify_file", boom)
    for _ in range(verify_module.MAX_CONCURRENT_VERIFICATIONS + 1):
        with pytest.raises(RuntimeError):
            upload(visitor, b"%PDF-1.7\n")
    monkeypatch.undo()
    assert "This PDF is damaged" in verdict(upload(visitor, b"%PDF-1.7\n"))
