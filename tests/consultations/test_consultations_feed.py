"""The Atom feed of public consultations: valid Atom, the published consultations with their
period, no drafts, nothing a respondent wrote."""

from __future__ import annotations

import feedparser

from app.config import get_settings
from app.consultations import moderating
from tests.consultations.conftest import CHAIR, react


def test_it_lists_a_published_consultation_with_its_period(client, published, submitted):
    response = client.get("/consultations/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    base = get_settings().public_url
    assert ("self", f"{base}/consultations/feed.atom") in {
        (link.rel, link.href) for link in parsed.feed.links
    }
    [entry] = parsed.entries
    assert entry.id == entry.link == f"{base}/consultations/{published.id}"
    assert entry.title == submitted.title
    assert entry.summary.startswith("U kunt reageren van ")
    assert published.purpose in entry.summary


def test_it_leaves_out_a_draft(client, drafted):
    parsed = feedparser.parse(client.get("/consultations/feed.atom").content)
    assert not parsed.bozo
    assert parsed.entries == []


def test_it_holds_nothing_a_respondent_wrote(client, db, published, submitted, personas):
    reaction = react(
        db,
        published,
        submitted,
        body="Mijn buurman Piet wil dit niet.",
        name="Jan Jansen",
        email="jan@example.org",
    )
    moderating.moderate(
        db,
        assessment=submitted,
        reaction_id=reaction.id,
        actor=personas["chair"],
        roles=CHAIR,
        decision="published",
        tags="buren",
        public_summary="Een inwoner spreekt namens een buurman.",
    )
    db.commit()
    text = client.get("/consultations/feed.atom").text
    for personal in ("Piet", "Jan Jansen", "jan@example.org"):
        assert personal not in text
