"""An Atom feed of public consultations, so that residents and local media can follow new
ones in a feed reader (feedgen writes it, as it writes the register's feed). Dutch, like the
register's feed; nothing a respondent wrote is in it, only what the committee published."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from feedgen.feed import FeedGenerator
from starlette.responses import Response

from app import formatting
from app.consultations import service
from app.deps import SessionDep, SettingsDep
from app.i18n import gettext, use_locale
from app.timeutil import utcnow

router = APIRouter()

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FEED_ENTRIES = 50


def _local(moment: datetime) -> datetime:
    return moment.astimezone(AMSTERDAM).replace(microsecond=0)


@router.get(
    "/consultations/feed.atom",
    summary="Atom feed of public consultations of residents",
    responses={200: {"description": "An Atom feed", "content": {"application/atom+xml": {}}}},
    response_class=Response,
)
def consultations_feed(session: SessionDep, settings: SettingsDep) -> Response:
    """The newest published consultations, each linking its public page."""
    base = settings.public_url
    feed = FeedGenerator()
    feed.id(f"{base}/consultations")
    feed.author({"name": settings.committee_name})
    feed.language("nl")
    feed.link(href=f"{base}/consultations/feed.atom", rel="self", type="application/atom+xml")
    feed.link(href=f"{base}/consultations", rel="alternate", type="text/html")
    feed.generator("Datawaarden")
    moments: list[datetime] = []
    with use_locale("nl"):
        feed.title(gettext("%(org)s: consultations of residents", org=settings.org_name))
        rows = sorted(
            service.public_consultations(session),
            key=lambda row: row[0].published_at or utcnow(),
            reverse=True,
        )[:FEED_ENTRIES]
        for consultation, assessment in rows:
            published = _local(consultation.published_at or utcnow())
            moments.append(published)
            url = f"{base}/consultations/{consultation.id}"
            item = feed.add_entry(order="append")
            item.id(url)
            item.title(assessment.title)
            item.link(href=url)
            item.published(published)
            item.updated(published)
            period = gettext(
                "You can react from %(start)s to %(end)s.",
                start=formatting.day(consultation.starts_on, "nl"),
                end=formatting.day(consultation.ends_on, "nl"),
            )
            item.summary(f"{period} {consultation.purpose}"[:1000])
    feed.updated(max(moments) if moments else _local(utcnow()))
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")
