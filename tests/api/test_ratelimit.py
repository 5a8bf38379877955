"""The API rate limit is counted in the database: a sliding window over fixed windows, exact
under concurrency on SQLite and PostgreSQL, with old windows swept."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from app.users.models import ApiRateWindow
from app.users.ratelimit import hit, sweep

START = 1_800_000_000.0 - 1_800_000_000.0 % 60  # the start of a window


def key() -> str:
    return f"token:test-{uuid.uuid4().hex[:12]}"


def calls(engine: Engine, name: str) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ApiRateWindow.window_index, ApiRateWindow.calls).where(  # type: ignore[call-overload]
                ApiRateWindow.key == name
            )
        ).all()
    return {index - int(START // 60): count for index, count in rows}


def hits(engine: Engine, name: str, n: int, *, limit: int, now: float) -> list[int]:
    waits = []
    for _ in range(n):
        with engine.begin() as conn:
            waits.append(hit(conn, name, limit=limit, now=now).wait)
    return waits


def test_it_allows_the_limit_and_refuses_the_next_call_without_counting_it(any_engine):
    name = key()
    waits = hits(any_engine, name, 5, limit=3, now=START + 15)
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == [45, 45]  # until this window ends
    assert calls(any_engine, name) == {0: 3}


def test_the_previous_window_counts_for_the_share_still_in_the_sliding_window(any_engine):
    name = key()
    assert hits(any_engine, name, 10, limit=10, now=START + 50) == [0] * 10
    # A quarter into the next window, three quarters of the previous ten still count (7.5,
    # rounded up).
    later = hits(any_engine, name, 4, limit=10, now=START + 75)
    assert later == [0, 0, 45, 45]
    # A window without calls later, the old calls no longer count at all.
    assert hits(any_engine, name, 10, limit=10, now=START + 185) == [0] * 10


def test_each_token_has_its_own_count(any_engine):
    first, second = key(), key()
    assert hits(any_engine, first, 3, limit=2, now=START)[-1] > 0
    assert hits(any_engine, second, 2, limit=2, now=START) == [0, 0]


def test_the_first_call_of_a_window_says_so_and_sweep_forgets_old_windows(any_engine):
    name = key()
    with any_engine.begin() as conn:
        assert hit(conn, name, limit=5, now=START).fresh
        assert not hit(conn, name, limit=5, now=START + 1).fresh
        assert hit(conn, name, limit=5, now=START + 61).fresh
        assert hit(conn, name, limit=5, now=START + 121).fresh
    assert set(calls(any_engine, name)) == {0, 1, 2}
    with any_engine.begin() as conn:
        sweep(conn, prefix="token:", now=START + 125)
    assert set(calls(any_engine, name)) == {1, 2}


def test_concurrent_calls_never_pass_the_limit_together(any_engine):
    name, limit, threads, each = key(), 25, 6, 10
    allowed: list[int] = []
    errors: list[BaseException] = []
    go = threading.Barrier(threads)

    def caller() -> None:
        go.wait()
        try:
            mine = hits(any_engine, name, each, limit=limit, now=START + 30)
            allowed.append(mine.count(0))
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=caller) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert sum(allowed) == limit
    with any_engine.connect() as conn:
        stored = conn.execute(
            select(func.sum(ApiRateWindow.calls)).where(ApiRateWindow.key == name)
        ).scalar_one()
    assert stored == limit


def test_a_burst_across_the_turn_of_a_window_gets_no_more_than_the_limit(any_engine):
    name = key()
    before = hits(any_engine, name, 3, limit=6, now=START + 59.5)
    after = hits(any_engine, name, 6, limit=6, now=START + 60.1)
    assert (before + after).count(0) == 6


def test_a_sweep_forgets_only_the_windows_of_its_own_limit(any_engine):
    """The consultation's hourly windows share the table with the API's minute windows: their
    window numbers are far smaller, so a sweep of the API's keys must leave them alone."""
    token, address = key(), f"consultation:test-{uuid.uuid4().hex[:12]}"
    with any_engine.begin() as conn:
        hit(conn, token, limit=5, now=START)
        hit(conn, address, limit=5, window_seconds=3600, now=START)
        sweep(conn, prefix="token:", now=START + 3 * 60)
    assert calls(any_engine, token) == {}
    assert len(calls(any_engine, address)) == 1  # still counting
    with any_engine.begin() as conn:
        sweep(conn, prefix="consultation:", window_seconds=3600, now=START + 3 * 3600)
    assert calls(any_engine, address) == {}
