"""The public register as open data, for machines: JSON a page at a time (with its JSON Schema),
CSV, an Atom feed and a DCAT-AP description (JSON-LD) for open-data portals to harvest. What
each advice says is app.pages.register.public_records; this module only shapes it. Included
before app.pages.register: /register/feed.atom would otherwise be read as a reference."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.responses import Response

from app.archive.models import ArchiveEntry
from app.audit.chain import parse_time
from app.audit.checkpoints import newest_checkpoint
from app.audit.models import AuditEvent
from app.config import Settings
from app.deps import SessionDep, SettingsDep
from app.i18n import _
from app.pages.register import public_records
from app.pages.register_schema import register_schema
from app.text import parse_int
from app.timeutil import utcnow
from app.web.handlers import problem_response

# In the API's OpenAPI document too (app.main publishes this router there), with verb_noun ids.
_OPERATION_IDS = {
    "register_json": "list_register_entries",
    "register_json_schema": "get_register_schema",
    "register_csv": "export_register_csv",
    "register_feed": "get_register_feed",
    "register_dcat": "get_register_dataset",
}
router = APIRouter(
    tags=["open data"],
    generate_unique_id_function=lambda route: _OPERATION_IDS.get(route.name, route.name),
)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
FEED_ENTRIES = 50
# Not characters XML 1.0 can hold: lxml (under feedgen) refuses them, so they are left out.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "reference",
    "url",
    "title",
    "department",
    "description",
    "outcome",
    "outcome_label",
    "date",
    "published",
    "levels",
    "obligations",
    "conditions",
    "summary",
    "contact_email",
    "integrity_problem",
    "report",
    "report_sha256",
    "report_size",
]
_JSON_DOC = {"description": "A page of the register", "content": {"application/json": {}}}
_PROBLEM = {
    "description": "An invalid page or page size",
    "content": {"application/problem+json": {}},
}


def _xml(value: str) -> str:
    return _NOT_XML.sub("", value)


def _local(moment: datetime) -> datetime:
    """A stored (UTC) moment as the register's readers live it: Europe/Amsterdam."""
    return moment.astimezone(AMSTERDAM).replace(microsecond=0)


def _public(session: Session, order: Any, *, offset: int = 0, limit: int | None = None) -> Any:
    query = (
        select(ArchiveEntry)
        .where(col(ArchiveEntry.is_public).is_(True))
        .order_by(order, col(ArchiveEntry.assessment_id).desc())
        .offset(offset)
    )
    return session.exec(query.limit(limit) if limit is not None else query).all()


def _with_links(
    settings: Settings, entries: Sequence[ArchiveEntry], records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each record with the addresses of its page and (if there is one) of its public PDF."""
    for e, record in zip(entries, records, strict=True):
        record["url"] = f"{settings.public_url}/register/{e.reference}"
        if record["report_sha256"]:
            record["report"] = f"{settings.public_url}/register/{e.reference}/report.pdf"
        else:
            record.pop("report_sha256")
            record.pop("report_size")
    return records


def _checkpoint(session: Session) -> dict[str, Any] | None:
    """The newest signed audit checkpoint, for anyone to keep as a witness (see
    app.audit.checkpoints; `datawaarden audit verify --anchor` checks against a saved one)."""
    checkpoint = newest_checkpoint(session)
    return json.loads(checkpoint.line()) if checkpoint else None


def _bad_paging(request: Request, name: str, limit: int) -> Response:
    detail = _("“{name}” must be a whole number from 1 to {limit}.").format(name=name, limit=limit)
    return problem_response(
        request,
        status=400,
        slug="bad-request",
        title=_("The request could not be processed"),
        detail=detail,
        fields={name: detail},
    )


@router.get(
    "/register.json",
    summary="The public register as JSON, a page at a time",
    description=(
        "Newest signed first. `page` (from 1) and `per_page` (1 to 100, default 100); "
        "`links.next` is null on the last page. The format is described by /register.schema.json."
    ),
    responses={200: _JSON_DOC, 400: _PROBLEM},
)
def register_json(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    # Read as text so that a wrong value gets this app's message (400, in the reader's
    # language); documented as what they are, whole numbers within bounds.
    page: Annotated[
        str,
        Query(json_schema_extra={"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    ] = "1",
    per_page: Annotated[
        str,
        Query(
            json_schema_extra={
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PER_PAGE,
            }
        ),
    ] = str(DEFAULT_PER_PAGE),
) -> Response:
    number = parse_int(page, default=None, max_digits=6) if page else 1
    if number is None or not 1 <= number <= MAX_PAGE:
        return _bad_paging(request, "page", MAX_PAGE)
    size = parse_int(per_page, default=None, max_digits=4) if per_page else DEFAULT_PER_PAGE
    if size is None or not 1 <= size <= MAX_PER_PAGE:
        return _bad_paging(request, "per_page", MAX_PER_PAGE)
    total = session.exec(
        select(func.count()).select_from(ArchiveEntry).where(col(ArchiveEntry.is_public).is_(True))
    ).one()
    entries = _public(
        session, col(ArchiveEntry.signed_at).desc(), offset=(number - 1) * size, limit=size
    )
    records = _with_links(settings, entries, public_records(session, entries, "nl"))
    last = max(1, math.ceil(total / size))

    def link(n: int) -> str:
        return f"{settings.public_url}/register.json?{urlencode({'page': n, 'per_page': size})}"

    body = {
        "$schema": f"{settings.public_url}/register.schema.json",
        "organisation": settings.org_name,
        "committee": settings.committee_name,
        "advices": records,
        "audit_checkpoint": _checkpoint(session),
        "page": number,
        "per_page": size,
        "total": total,
        "links": {
            "self": link(number),
            "first": link(1),
            "last": link(last),
            "prev": link(min(number - 1, last)) if number > 1 else None,
            "next": link(number + 1) if number < last else None,
        },
    }
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Link": f'<{settings.public_url}/register.schema.json>; rel="describedby"'},
    )


@router.get(
    "/register.schema.json",
    summary="The JSON Schema (2020-12) of /register.json",
    responses={200: {"description": "A JSON Schema", "content": {"application/schema+json": {}}}},
    response_class=Response,
)
def register_json_schema(settings: SettingsDep) -> Response:
    """The JSON Schema (draft 2020-12) that every page of /register.json conforms to, so that
    a portal or a script can check what it harvests."""
    schema = register_schema(f"{settings.public_url}/register.schema.json")
    return Response(json.dumps(schema, indent=2), media_type="application/schema+json")


def csv_cell(value: Any) -> str:
    """One CSV cell that a spreadsheet shows as text and never runs as a formula (also the
    dashboard's downloads, app.pages.dashboard)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Neutralised with a leading apostrophe, as spreadsheets themselves mark text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(record: dict[str, Any]) -> list[str]:
    flat = {
        **record,
        "levels": "; ".join(f"{lv['value']}: {lv['level']}" for lv in record["levels"]),
        "obligations": "; ".join(record["obligations"]),
        "conditions": "; ".join(
            f"{c['number']}. {c['text']}" + (f" ({c['due_on']})" if c["due_on"] else "")
            for c in record["conditions"]
        ),
    }
    return [csv_cell(flat.get(column)) for column in CSV_COLUMNS]


@router.get(
    "/register.csv",
    summary="The public register as CSV",
    description=(
        "RFC 4180 CSV in UTF-8 with a byte order mark (so that spreadsheets read the accents "
        "right), one row per advice, newest signed first; dates in ISO 8601. A cell that would "
        "start with = + - @ is prefixed with an apostrophe."
    ),
    responses={200: {"description": "The register", "content": {"text/csv": {}}}},
    response_class=Response,
)
def register_csv(session: SessionDep, settings: SettingsDep) -> Response:
    """Every public advice, one row each, as CSV (UTF-8 with a byte order mark, ISO dates;
    a cell that a spreadsheet would run as a formula starts with an apostrophe)."""
    entries = _public(session, col(ArchiveEntry.signed_at).desc())
    records = _with_links(settings, entries, public_records(session, entries, "nl"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(r) for r in records)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8; header=present",
        headers={"Content-Disposition": 'attachment; filename="register.csv"'},
    )


class _Links(BaseEntryExtension):  # type: ignore[misc]
    """An entry's links with all their attributes (see register_feed)."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def add(self, **attributes: str) -> None:
        self.links.append(attributes)

    def extend_atom(self, entry: Any) -> Any:
        for attributes in self.links:
            xml_elem("link", entry, **attributes)
        return entry


def _links(item: FeedEntry) -> _Links:
    if not hasattr(item, "datawaarden_links"):
        item.register_extension("datawaarden_links", _Links, atom=True, rss=False)
    links: _Links = item.datawaarden_links
    return links


def _register_began(session: Session) -> datetime:
    """When this register began: the installation's first audit event (or now, before any)."""
    first = session.exec(select(func.min(AuditEvent.created_at))).one()
    return parse_time(first) if first is not None else utcnow()


@router.get(
    "/register/feed.atom",
    summary="Atom feed of new public advices",
    responses={200: {"description": "An Atom feed", "content": {"application/atom+xml": {}}}},
    response_class=Response,
)
def register_feed(session: SessionDep, settings: SettingsDep) -> Response:
    """The newest public advices as an Atom feed: each entry links its public page and carries
    the public PDF as enclosure."""
    entries = _public(
        session, col(ArchiveEntry.published_at).desc().nulls_last(), limit=FEED_ENTRIES
    )
    base = settings.public_url
    feed = FeedGenerator()
    feed.id(f"{base}/register")
    feed.title(_xml(f"{settings.org_name}: adviezen ethische commissie"))
    feed.author({"name": _xml(settings.committee_name)})
    feed.language("nl")
    feed.link(href=f"{base}/register/feed.atom", rel="self", type="application/atom+xml")
    feed.link(href=f"{base}/register", rel="alternate", type="text/html")
    feed.generator("Datawaarden")
    moments: list[datetime] = []
    records = _with_links(settings, entries, public_records(session, entries, "nl"))
    checkpoint = newest_checkpoint(session)
    for e, record in zip(entries, records, strict=True):
        published = _local(e.published_at or e.signed_at)
        moments.append(published)
        item = feed.add_entry(order="append")
        item.id(record["url"])
        item.title(_xml(f"{e.reference}: {record['title']}"))
        # rel="alternate" is the default (RFC 4287 4.2.7.2); feedgen 1.0.0 drops an entry
        # link's rel, type, title and length, so the enclosure is written by _Links.
        item.link(href=record["url"])
        item.published(published)
        item.updated(published)
        item.summary(_xml(f"{record['outcome_label']}. {record['description']}"[:1000]))
        if record.get("report"):
            # The public edition; its SHA-256 in the link's title (Atom has no digest field).
            _links(item).add(
                href=record["report"],
                rel="enclosure",
                type="application/pdf",
                length=str(record["report_size"]),
                title=f"SHA-256 {record['report_sha256']}",
            )
    if checkpoint is not None:
        statement = checkpoint.statement
        when = _local(parse_time(str(statement["created_at"])))
        moments.append(when)
        item = feed.add_entry(order="prepend")
        item.id(f"urn:sha256:{checkpoint.sha256}")
        item.title(f"Audit checkpoint {statement['sequence']}: {statement['events']} events")
        item.link(
            href=f"{base}/register/audit-checkpoint.json", rel="alternate", type="application/json"
        )
        item.published(when)
        item.updated(when)
        item.content(_xml(checkpoint.line()), type="text")
    feed.updated(max(moments) if moments else _local(_register_began(session)))
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


def _distribution(
    settings: Settings, path: str, media_type: str, file_type: str, title: str
) -> dict[str, Any]:
    url = f"{settings.public_url}{path}"
    return {
        "@id": f"{url}#distribution",
        "@type": "dcat:Distribution",
        "dct:title": {"@value": title, "@language": "nl"},
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media_type}"},
        "dct:format": {
            "@id": f"http://publications.europa.eu/resource/authority/file-type/{file_type}"
        },
        "dct:license": {"@id": settings.register_licence},
    }


DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@router.get(
    "/register.dcat.jsonld",
    summary="A DCAT-AP description of the register (JSON-LD), for open-data portals",
    responses={200: {"description": "A dcat:Dataset", "content": {"application/ld+json": {}}}},
    response_class=Response,
)
def register_dcat(session: SessionDep, settings: SettingsDep) -> Response:
    """The register described as a DCAT-AP dataset (JSON-LD), with its JSON, CSV and Atom
    distributions, for harvesting by an open-data portal."""
    base = settings.public_url
    newest = session.exec(
        select(func.max(ArchiveEntry.published_at)).where(col(ArchiveEntry.is_public).is_(True))
    ).one()
    modified = parse_time(newest) if newest is not None else None
    eu = "http://publications.europa.eu/resource/authority"
    dataset: dict[str, Any] = {
        "@context": DCAT_CONTEXT,
        "@id": f"{base}/register",
        "@type": "dcat:Dataset",
        "dct:identifier": f"{base}/register",
        "dct:title": [
            {"@value": f"Adviezen van de {settings.committee_name}", "@language": "nl"},
            {"@value": f"Advices of the {settings.committee_name}", "@language": "en"},
        ],
        "dct:description": [
            {
                "@value": (
                    f"De openbare adviezen die de {settings.committee_name} van "
                    f"{settings.org_name} gaf over het gebruik van data en algoritmen: besluit, "
                    "voorwaarden, afweging per publieke waarde en het ondertekende rapport."
                ),
                "@language": "nl",
            },
            {
                "@value": (
                    f"The public advices of the {settings.committee_name} of {settings.org_name} "
                    "on uses of data and algorithms: decision, conditions, the weighing per "
                    "public value and the signed report."
                ),
                "@language": "en",
            },
        ],
        "dct:publisher": {
            "@id": f"{base}/#organisation",
            "@type": "foaf:Organization",
            "foaf:name": settings.org_name,
        },
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": settings.committee_name,
            "vcard:hasURL": {"@id": f"{base}/register"},
        },
        "dct:license": {"@id": settings.register_licence},
        "dct:accessRights": {"@id": f"{eu}/access-right/PUBLIC"},
        "dct:language": {"@id": f"{eu}/language/NLD"},
        "dcat:theme": {"@id": f"{eu}/data-theme/GOVE"},
        "dcat:keyword": [
            {"@value": word, "@language": "nl"} for word in ("ethiek", "algoritmen", "advies")
        ],
        "dcat:landingPage": {"@id": f"{base}/register"},
        "dct:conformsTo": {"@id": f"{base}/register.schema.json"},
        "dcat:distribution": [
            _distribution(settings, "/register.json", "application/json", "JSON", "JSON"),
            _distribution(settings, "/register.csv", "text/csv", "CSV", "CSV"),
            _distribution(
                settings, "/register/feed.atom", "application/atom+xml", "ATOM", "Atom-feed"
            ),
        ],
    }
    if modified is not None:
        dataset["dct:modified"] = {
            "@value": _local(modified).isoformat(timespec="seconds"),
            "@type": "xsd:dateTime",
        }
    return Response(
        json.dumps(dataset, ensure_ascii=False, indent=2), media_type="application/ld+json"
    )
