"""The identity cache behind the questionnaire lookups and the compiled conditions."""

from __future__ import annotations

from app.memo import ByIdentity


class Thing:
    pass


def test_it_builds_once_per_object_and_separately_for_equal_objects():
    calls: list[Thing] = []
    cache: ByIdentity[Thing, int] = ByIdentity(limit=10)

    def build(thing: Thing) -> int:
        calls.append(thing)
        return len(calls)

    first, second = Thing(), Thing()
    assert cache.get(first, build) == 1
    assert cache.get(first, build) == 1
    assert cache.get(second, build) == 2
    assert calls == [first, second]


def test_it_forgets_the_oldest_entry_when_full():
    cache: ByIdentity[Thing, str] = ByIdentity(limit=2)
    a, b, c = Thing(), Thing(), Thing()
    for thing, name in ((a, "a"), (b, "b"), (c, "c")):
        cache.get(thing, lambda _t, name=name: name)
    assert cache.get(a, lambda _t: "rebuilt") == "rebuilt"
    assert cache.get(c, lambda _t: "rebuilt") == "c"
