"""The public register as open data, read the way its receivers read it: the Atom feed with a
feed parser (and the Atom RFC's musts), the JSON against its published JSON Schema with a
validator, the CSV with the csv module, the DCAT description with a JSON-LD processor. Two
published advices (one with a title a spreadsheet would run as a formula) and an empty
register, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import feedparser
import jsonschema
import pytest
from pyld import jsonld

from app.config import get_settings
from app.pages.open_data import CSV_COLUMNS, _csv_row
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import World, build_world, drive_to_advice

ATOM = "{http://www.w3.org/2005/Atom}"
NASTY_TITLE = '=HYPERLINK("https://example.org"), een "test"'
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


@dataclass
class Register:
    world: World
    empty: World
    references: list[str]  # newest signed first


def _publish(world: World, title: str) -> str:
    assessment_id = drive_to_advice(world, title=title)
    with world.login("chair") as chair:
        signed = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
        assert signed.status_code == 303, signed.text[:500]
    with world.login("board") as board:
        made_public = board.post_form(f"/archive/{assessment_id}/publication", {"public": "1"})
        assert made_public.status_code == 303
    with world.session() as session:
        from app.assessments.models import Assessment

        return session.get(Assessment, assessment_id).reference  # type: ignore[union-attr]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def register(request, tmp_path_factory, pki) -> Iterator[Register]:  # type: ignore[no-untyped-def]
    urls: list[str | None] = [None, None]
    if request.param == "postgresql":
        if not POSTGRES_URL:
            skip_without_postgres()
        urls = [create_postgres_database(), create_postgres_database()]
    world = build_world(tmp_path_factory.mktemp("open-data"), urls[0])
    empty = build_world(tmp_path_factory.mktemp("open-data-empty"), urls[1])
    first = _publish(world, "Verkeerstellingen dashboard")
    second = _publish(world, NASTY_TITLE)
    yield Register(world, empty, [second, first])
    for w in (world, empty):
        w.engine.dispose()
    for url in urls:
        if url:
            drop_postgres_database(url)


# --- Atom ------------------------------------------------------------------------------------


def test_it_serves_a_feed_that_a_feed_parser_reads_without_error(register):
    with register.world.client() as anonymous:
        response = anonymous.get("/register/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    base = get_settings().public_url
    links = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", f"{base}/register/feed.atom") in links
    assert ("alternate", f"{base}/register") in links
    advices = [e for e in parsed.entries if "/register/" in e.id]
    assert [e.id for e in advices] == [f"{base}/register/{r}" for r in register.references]
    for entry in advices:
        assert entry.link == entry.id  # the alternate link: the advice's public page
        assert entry.published_parsed and entry.updated_parsed
        assert entry.summary


def test_it_gives_every_entry_what_the_atom_rfc_requires(register):
    with register.world.client() as anonymous:
        root = ET.fromstring(anonymous.get("/register/feed.atom").content)
    assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}title")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    _rfc3339(root.findtext(f"{ATOM}updated") or "")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 2
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}title")
        _rfc3339(entry.findtext(f"{ATOM}updated") or "")
        _rfc3339(entry.findtext(f"{ATOM}published") or "")
        rels = [link.get("rel", "alternate") for link in entry.findall(f"{ATOM}link")]
        assert rels.count("alternate") == 1


def test_it_dates_the_entries_in_amsterdam_time(register):
    with register.world.client() as anonymous:
        root = ET.fromstring(anonymous.get("/register/feed.atom").content)
    for entry in root.findall(f"{ATOM}entry"):
        published = _rfc3339(entry.findtext(f"{ATOM}published") or "")
        assert published.utcoffset() in (timedelta(hours=1), timedelta(hours=2))


def test_it_encloses_the_public_pdf_with_its_length_and_type(register):
    with register.world.client() as anonymous:
        parsed = feedparser.parse(anonymous.get("/register/feed.atom").content)
        reference = register.references[0]
        pdf = anonymous.get(f"/register/{reference}/report.pdf").content
    entry = next(e for e in parsed.entries if e.id.endswith(f"/register/{reference}"))
    (enclosure,) = entry.enclosures
    assert enclosure.type == "application/pdf"
    assert enclosure.href.endswith(f"/register/{reference}/report.pdf")
    assert int(enclosure.length) == len(pdf)


def test_it_dates_an_empty_feed_in_this_century(register):
    with register.empty.client() as anonymous:
        response = anonymous.get("/register/feed.atom")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and parsed.entries == []
    assert "1970" not in response.text
    assert _rfc3339(parsed.feed.updated).year >= 2024


def _rfc3339(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, value
    return moment


# --- JSON ------------------------------------------------------------------------------------


def _validator(client) -> jsonschema.Draft202012Validator:  # type: ignore[no-untyped-def]
    schema = client.get("/register.schema.json").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_it_serves_json_that_validates_against_its_published_schema(register):
    with register.world.client() as anonymous:
        validator = _validator(anonymous)
        body = anonymous.get("/register.json").json()
        with register.empty.client() as nobody:
            empty = nobody.get("/register.json").json()
    validator.validate(body)
    validator.validate(empty)
    assert [r["reference"] for r in body["advices"]] == register.references
    assert body["total"] == 2 and body["links"]["next"] is None
    assert empty["advices"] == [] and empty["total"] == 0


def test_it_pages_the_register(register):
    with register.world.client() as anonymous:
        validator = _validator(anonymous)
        first = anonymous.get("/register.json?per_page=1").json()
        second = anonymous.get("/register.json?page=2&per_page=1").json()
        beyond = anonymous.get("/register.json?page=3&per_page=1").json()
    for body in (first, second, beyond):
        validator.validate(body)
    assert [r["reference"] for r in first["advices"] + second["advices"]] == register.references
    assert first["links"]["next"].endswith("page=2&per_page=1") and first["links"]["prev"] is None
    assert second["links"]["next"] is None and second["links"]["prev"].endswith("page=1&per_page=1")
    assert beyond["advices"] == [] and beyond["links"]["prev"].endswith("page=2&per_page=1")


@pytest.mark.parametrize(
    "query", ["page=0", "page=x", "page=-1", "per_page=0", "per_page=101", "per_page=1e3"]
)
def test_it_refuses_a_bad_page_with_problem_details_in_the_readers_language(register, query):
    with register.empty.client() as anonymous:
        dutch = anonymous.get(f"/register.json?{query}", headers={"Accept-Language": "nl"})
        english = anonymous.get(f"/register.json?{query}", headers={"Accept-Language": "en"})
    for response in (dutch, english):
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
    name = query.split("=")[0]
    assert english.json()["errors"][0]["field"] == name
    assert f"“{name}” must be a whole number" in english.json()["detail"]
    assert english.json()["title"] == "The request could not be processed"
    assert dutch.json()["title"] != english.json()["title"]


# --- CSV -------------------------------------------------------------------------------------


def test_it_serves_csv_with_a_row_per_advice_and_no_formulas(register):
    with register.world.client() as anonymous:
        response = anonymous.get("/register.csv")
        records = anonymous.get("/register.json").json()["advices"]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["reference"] for r in rows] == register.references
    nasty = rows[0]
    assert nasty["title"] == "'" + NASTY_TITLE  # a comma and quotes survive; no formula runs
    assert nasty["date"] == records[0]["date"]  # ISO 8601
    datetime.fromisoformat(nasty["published"])
    assert nasty["report_size"] == str(records[0]["report_size"])
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_it_keeps_a_newline_a_quote_and_a_comma_inside_one_cell():
    record = dict.fromkeys(CSV_COLUMNS, "")
    record |= {
        "title": 'Regel één, "twee"\nregel drie',
        "department": "+31 20 123",
        "levels": [{"value": "Transparantie", "level": "high"}],
        "obligations": ["=1+1"],
        "conditions": [{"number": 1, "text": "@SUM(A1)", "due_on": "2027-01-01"}],
        "integrity_problem": False,
    }
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([CSV_COLUMNS, _csv_row(record)])
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert row["title"] == 'Regel één, "twee"\nregel drie'
    assert row["department"] == "'+31 20 123"
    assert row["obligations"] == "'=1+1"
    assert row["conditions"] == "1. @SUM(A1) (2027-01-01)"
    assert row["levels"] == "Transparantie: high" and row["integrity_problem"] == "false"


# --- DCAT-AP ---------------------------------------------------------------------------------


def test_it_describes_the_register_as_a_dcat_dataset_in_json_ld(register):
    with register.world.client() as anonymous:
        response = anonymous.get("/register.dcat.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    (dataset,) = jsonld.expand(json.loads(response.text))
    assert dataset["@type"] == [f"{DCAT}Dataset"]
    for prop in ("title", "description", "publisher", "license", "identifier"):
        assert dataset[f"{DCT}{prop}"], prop
    base = get_settings().public_url
    distributions = {
        d[f"{DCAT}accessURL"][0]["@id"]: d[f"{DCAT}mediaType"][0]["@id"]
        for d in dataset[f"{DCAT}distribution"]
    }
    assert distributions == {
        f"{base}/register.json": "https://www.iana.org/assignments/media-types/application/json",
        f"{base}/register.csv": "https://www.iana.org/assignments/media-types/text/csv",
        f"{base}/register/feed.atom": (
            "https://www.iana.org/assignments/media-types/application/atom+xml"
        ),
    }
    with register.world.client() as anonymous:
        for url in distributions:
            assert anonymous.get(url.removeprefix(base)).status_code == 200
