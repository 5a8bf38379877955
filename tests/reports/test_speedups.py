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


# --- objects in object streams ---------------------------------------------------------------


def _tagged_pdf() -> bytes:
    """A tagged PDF: WeasyPrint keeps its structure elements in object streams."""
    import weasyprint

    rows = "".join(f"<tr><th scope='row'>{i}</th><td>cel {i}</td></tr>" for i in range(60))
    html = f"<html lang='nl'><h1>Kop</h1><table>{rows}</table><p>Tekst</p></html>"
    pdf: bytes = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True)
    return pdf


def _stream_entries(data: bytes) -> list[tuple[int, int, int]]:
    """(object number, object stream number, index) of every object in an object stream."""
    import pikepdf

    entries = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Type") == "/ObjStm":
                numbers = obj.read_bytes().split()[: 2 * int(obj.N)]
                for index in range(int(obj.N)):
                    entries.append((int(numbers[2 * index]), obj.objgen[0], index))
    return entries


def _outcome(method, reader, *args):  # type: ignore[no-untyped-def]
    try:
        return ("value", method(reader, *args))
    except Exception as exc:  # the same error, or the same value
        return ("error", type(exc).__name__, str(exc))


def test_it_reads_every_object_of_an_object_stream_as_pyhanko_does():
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = _tagged_pdf()
    entries = _stream_entries(data)
    assert len(entries) > 100
    for strict in (True, False):
        reader = PdfFileReader(io.BytesIO(data), strict=strict)
        for idnum, stmnum, index in entries:
            expected = _outcome(speedups._original_from_stream, reader, idnum, stmnum, index)
            assert expected[0] == "value"
            assert _outcome(speedups.get_object_from_stream, reader, idnum, stmnum, index) == (
                expected
            )


def test_it_leaves_a_missing_object_or_a_wrong_index_to_pyhanko():
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = _tagged_pdf()
    idnum, stmnum, index = _stream_entries(data)[3]
    for strict in (True, False):
        reader = PdfFileReader(io.BytesIO(data), strict=strict)
        for args in ((idnum, stmnum, index + 1), (999_999, stmnum, index), (idnum, stmnum, -1)):
            expected = _outcome(speedups._original_from_stream, reader, *args)
            assert _outcome(speedups.get_object_from_stream, reader, *args) == expected


def test_it_reads_object_streams_through_the_fast_path_once_installed():
    from pyhanko.pdf_utils.reader import PdfFileReader

    speedups.install()
    assert PdfFileReader._get_object_from_stream is speedups.get_object_from_stream
