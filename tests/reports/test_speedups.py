"""The verification fast paths give exactly what pyHanko and asn1crypto give themselves."""

from __future__ import annotations

import io

from asn1crypto import x509
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

from app.reports import speedups

HEXISH = st.sampled_from(list(b"0123456789abcdefABCDEF \n\r\t\f\x00%>Zg<"))


def _read(reader, data: bytes, offset: int):
    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        value = reader(stream)
    except PdfStreamError as exc:
        return ("error", type(exc).__name__, stream.tell())
    return (type(value).__name__, bytes(value.original_bytes), stream.tell())


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.binary(max_size=8),
    body=st.lists(HEXISH, max_size=60).map(bytes),
    tail=st.binary(max_size=8),
)
def test_it_reads_every_hex_string_as_pyhanko_does(prefix, body, tail):
    data = prefix + b"<" + body + tail
    assert _read(speedups.read_hex_string, data, len(prefix)) == _read(
        speedups._original_hex, data, len(prefix)
    )


def test_it_reads_a_signature_sized_hex_string_at_once_and_stops_after_its_end():
    digits = bytes(range(256)).hex().encode() * 40 + b"0" * 3001  # odd, over many chunks
    data = b"<" + digits[:9000] + b"\r\n" + digits[9000:] + b"> /Type"
    fast = _read(speedups.read_hex_string, data, 0)
    assert fast == _read(speedups._original_hex, data, 0)
    assert fast[2] == data.index(b">") + 1


def test_it_is_what_the_reader_uses_once_installed():
    speedups.install()
    assert generic.read_hex_string_from_stream is speedups.read_hex_string
    assert x509.Name.__eq__ is speedups.name_eq


def _name(**attrs: str) -> x509.Name:
    return x509.Name.build(attrs)


NAMES = st.fixed_dictionaries(
    {"common_name": st.sampled_from(["Datawaarden CA", "datawaarden  ca", "DATAWAARDEN CA"])},
    optional={
        "organization_name": st.sampled_from(["Gemeente Haarlem", "gemeente haarlem", "Haarlem"]),
        "country_name": st.just("NL"),
    },
)


@settings(max_examples=200, deadline=None)
@given(a=NAMES, b=NAMES)
def test_it_compares_names_as_asn1crypto_does(a, b):
    left, right = _name(**a), _name(**b)
    expected = speedups._original_name_eq(left, right)
    assert speedups.name_eq(left, right) is expected
    assert speedups.name_eq(left, x509.Name.load(left.dump())) is True


def test_it_tells_names_that_only_differ_in_case_and_spaces_equal_as_rfc_5280_says():
    assert speedups.name_eq(
        _name(common_name="Datawaarden CA"), _name(common_name="datawaarden  ca")
    )
    assert not speedups.name_eq(_name(common_name="Datawaarden CA"), _name(common_name="Haarlem"))
    assert not speedups.name_eq(_name(common_name="Datawaarden CA"), "Datawaarden CA")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_it_prepares_attribute_values_as_asn1crypto_does(value):
    def outcome(prep):
        try:
            return prep(None, value)
        except ValueError as exc:
            return ("refused", str(exc))

    assert outcome(speedups.ldap_string_prep) == outcome(speedups._original_prep)
    assert outcome(speedups.ldap_string_prep) == outcome(speedups._original_prep)  # remembered
