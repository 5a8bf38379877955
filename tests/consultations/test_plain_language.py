"""The residents' pages are written in plain Dutch (B1): short sentences. A sentence of more
than 20 words is hard to read for many people; the pages' own sentences stay within that, and
on average well below it. (What the committee typed is its own responsibility, and is checked
when it writes: the pages give it a hint.)"""

from __future__ import annotations

import re
import statistics

import pytest
from bs4 import BeautifulSoup

MAX_WORDS = 20
MEAN_WORDS = 12


def sentences(html: str) -> list[str]:
    soup = BeautifulSoup(html, "lxml")
    main = soup.find("main") or soup
    for hidden in main.select(".visually-hidden, script, style, nav"):
        hidden.decompose()
    found: list[str] = []
    for block in main.find_all(["p", "li", "label", "h1", "h2", "h3", "legend", "dd", "dt"]):
        if block.find(["p", "li", "label"]):
            continue  # its inner blocks are read on their own
        text = " ".join(block.get_text(" ").split())
        found.extend(s for s in re.split(r"(?<=[.!?:;])\s+", text) if len(s.split()) > 1)
    return found


def words(sentence: str) -> int:
    return len(sentence.split())


@pytest.fixture
def pages(client, published):  # type: ignore[no-untyped-def]
    return {
        "list": client.get("/consultations").text,
        "page": client.get(f"/consultations/{published.id}").text,
        "thanks": client.get(f"/consultations/{published.id}/thanks").text,
        "privacy": client.get("/consultations/privacy").text,
    }


def test_it_writes_short_sentences_on_every_residents_page(pages):
    for name, html in pages.items():
        found = sentences(html)
        assert found, name
        long = [s for s in found if words(s) > MAX_WORDS]
        assert long == [], (name, long)
        assert statistics.mean(words(s) for s in found) <= MEAN_WORDS, name
