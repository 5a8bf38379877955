"""Walking the audit chain: every finding names the event and says what is wrong with it, the walk
reads in batches in id order, and it checks the waypoints (signed checkpoints, report heads)."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app.audit.chain import (
    MAX_FINDINGS,
    ChainProblem,
    ChainReport,
    Waypoint,
    count_events,
    parse_time,
    verify_chain,
    walk_chain,
)
from app.audit.service import GENESIS, event_hash, record_event
from app.db import make_engine, session_scope
from app.migrate import upgrade_to_head
from tests.conftest import POSTGRES_URL, drop_postgres_database, skip_without_postgres
from tests.tamper import as_dba

EVENTS = 5


# --- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def template(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """An empty, migrated database to copy for each test (a file, or a PostgreSQL template)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("chain") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade_to_head(engine)
        engine.dispose()  # the last connection to close folds the write-ahead log into the file
        yield "sqlite", str(path)
        return
    if not POSTGRES_URL:
        skip_without_postgres()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"dw_chain_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    yield "postgresql", name
    admin.dispose()
    drop_postgres_database(url)


@pytest.fixture
def empty(template, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A fresh database without events, on SQLite and on PostgreSQL."""
    kind, source = template
    if kind == "sqlite":
        target = tmp_path / "chain.db"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    else:
        assert POSTGRES_URL
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"dw_chain_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if kind == "postgresql":
        drop_postgres_database(url)


def _five_events(engine: Engine) -> Engine:
    """Five events; the fourth is a 'test.watched' one with an object id and details."""
    with session_scope(engine) as session:
        for i in range(EVENTS):
            if i == 3:
                record_event(
                    session,
                    action="test.watched",
                    actor_id=None,
                    object_type="thing",
                    object_id="w1",
                    details={"k": 1},
                )
            else:
                record_event(session, action="test.event", actor_id=None, details={"i": i})
    return engine


@pytest.fixture
def chain(empty: Engine) -> Engine:
    """Five events (see _five_events), on SQLite and on PostgreSQL."""
    return _five_events(empty)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("chain-sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_chain(sqlite_template, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """The five events on SQLite only: some damage (text in an integer column, bytes in a text
    column, any text as a time) can only be stored there; PostgreSQL refuses it outright."""
    target = tmp_path / "chain.db"
    shutil.copyfile(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    yield _five_events(engine)
    engine.dispose()


def _events(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (row[0], row[1])
            for row in conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id"))
        ]


def _walk(engine: Engine, **kwargs) -> ChainReport:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return walk_chain(session, **kwargs)


def _findings(report: ChainReport) -> list[tuple[int | None, str]]:
    return [(p.event_id, p.reason) for p in report.problems]


def _damage(engine: Engine, statement: str, **params: object) -> None:
    with as_dba(engine) as conn:
        conn.execute(text(statement), params)


def _allow_null(engine: Engine, column: str) -> None:
    """Take the NOT NULL (and, on SQLite, every other constraint) off a column, as a DBA or a
    careless restore could."""
    with as_dba(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE audit_events ALTER COLUMN {column} DROP NOT NULL"))
        else:
            _loosen_sqlite(conn)


def _loosen_sqlite(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(text("ALTER TABLE audit_events RENAME TO audit_events_old"))
    conn.execute(text("CREATE TABLE audit_events AS SELECT * FROM audit_events_old"))
    conn.execute(text("DROP TABLE audit_events_old"))


# --- an intact chain ---------------------------------------------------------------------------


def test_it_reports_the_count_the_first_hash_and_the_head_of_an_intact_chain(chain):
    events = _events(chain)
    report = _walk(chain)
    assert report.ok and report.problem is None
    assert report.count == EVENTS
    assert report.first_hash == events[0][1]
    assert report.head == events[-1][1]
    assert report.more_problems == 0 and report.waypoints_checked == 0


def test_it_reports_the_genesis_head_and_no_first_hash_for_an_empty_trail(empty):
    report = _walk(empty)
    assert report.ok and report.count == 0
    assert report.head == GENESIS and report.first_hash is None


@pytest.mark.parametrize("batch", [1, 2, 3, EVENTS, EVENTS + 1])
def test_it_walks_a_chain_longer_than_one_batch(chain, batch):
    events = _events(chain)
    report = _walk(chain, batch=batch)
    assert report.ok, report.problems
    assert report.count == EVENTS
    assert report.head == events[-1][1]


def test_it_reads_at_most_one_batch_per_query(chain):
    """Constant memory: five events in batches of two take three reads and one empty one."""
    from tests.conftest import statements_run

    with Session(chain) as session, statements_run(session) as seen:
        report = walk_chain(session, batch=2)
    reads = [s for s in seen if "audit_events" in s]
    assert report.ok and report.count == EVENTS
    assert len(reads) == 4, reads
    assert all("LIMIT" in s.upper() for s in reads)


def test_it_names_a_change_after_the_first_batch(chain):
    events = _events(chain)
    _damage(chain, "UPDATE audit_events SET action = 'test.forged' WHERE id = :id", id=events[3][0])
    report = _walk(chain, batch=2)
    assert _findings(report) == [(events[3][0], "content changed")]
    assert report.count == EVENTS


def test_it_walks_in_id_order_even_after_rows_were_rewritten_in_place(chain):
    """PostgreSQL keeps a rewritten row at the end of the table; the walk must not follow that."""
    events = _events(chain)
    _damage(chain, "UPDATE audit_events SET action = action WHERE id = :id", id=events[0][0])
    _damage(chain, "UPDATE audit_events SET action = action WHERE id = :id", id=events[2][0])
    for batch in (2, 5000):
        report = _walk(chain, batch=batch)
        assert report.ok, (batch, report.problems)
        assert report.first_hash == events[0][1] and report.head == events[-1][1]


def test_it_reads_times_in_utc_whatever_the_session_time_zone(chain):
    """An event at the very end of the calendar in UTC is a later year east of Greenwich, which
    no ISO parser reads: the walk must read the stored instant in UTC."""
    prev = _events(chain)[-1][1]
    at = datetime(9999, 12, 31, 20, 0, 0, 123456, tzinfo=UTC)
    fields = {
        "created_at": at,
        "actor_id": None,
        "action": "test.late",
        "object_type": "",
        "object_id": "",
        "assessment_id": None,
        "details_json": "{}",
        "prev_hash": prev,
    }
    digest = event_hash(**fields)  # type: ignore[arg-type]
    with as_dba(chain) as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (created_at, actor_id, action, object_type, object_id,"
                " assessment_id, details_json, prev_hash, hash) VALUES (:created_at, :actor_id,"
                " :action, :object_type, :object_id, :assessment_id, :details_json, :prev_hash,"
                " :hash)"
            ),
            {
                **fields,
                "created_at": at if chain.dialect.name == "postgresql" else at.replace(tzinfo=None),
                "hash": digest,
            },
        )
    with Session(chain) as session:
        if chain.dialect.name == "postgresql":
            session.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
        report = walk_chain(session, batch=2)
    assert report.ok, report.problems
    assert report.count == EVENTS + 1 and report.head == digest


def test_it_counts_the_events(chain):
    with Session(chain) as session:
        assert count_events(session) == EVENTS


def test_it_counts_no_events_in_an_empty_trail(empty):
    with Session(empty) as session:
        assert count_events(session) == 0


# --- findings: what is wrong, and with which event -----------------------------------------------


def test_it_names_a_removed_event_with_the_exact_reason(chain):
    events = _events(chain)
    _damage(chain, "DELETE FROM audit_events WHERE id = :id", id=events[1][0])
    report = _walk(chain)
    assert _findings(report) == [
        (events[2][0], "previous-hash mismatch: an event before it was removed or inserted")
    ]


def test_it_names_a_changed_event_with_the_exact_reason_and_goes_on(chain):
    events = _events(chain)
    _damage(chain, "UPDATE audit_events SET details_json = '{}' WHERE id = :id", id=events[1][0])
    report = _walk(chain)
    assert _findings(report) == [(events[1][0], "content changed")]
    assert report.count == EVENTS and report.head == events[-1][1]


def test_it_names_an_event_whose_time_is_not_a_time(chain):
    events = _events(chain)
    target = events[2][0]
    value = "infinity" if chain.dialect.name == "postgresql" else "yesterday"
    _damage(chain, "UPDATE audit_events SET created_at = :v WHERE id = :id", v=value, id=target)
    report = _walk(chain)
    assert _findings(report) == [
        (target, f"cannot be read: created_at '{value}' is not a valid time")
    ]


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (58, None),  # its repr, with quotes, is 60 characters: shown whole
        (59, 57),  # 61: cut to 57 characters and an ellipsis
        (200, 57),
    ],
)
def test_it_shows_at_most_sixty_characters_of_a_damaged_time(sqlite_chain, length, shown):
    target = _events(sqlite_chain)[1][0]
    value = "x" * length
    _damage(
        sqlite_chain, "UPDATE audit_events SET created_at = :v WHERE id = :id", v=value, id=target
    )
    report = _walk(sqlite_chain)
    excerpt = repr(value) if shown is None else repr(value)[:shown] + "..."
    assert _findings(report) == [
        (target, f"cannot be read: created_at {excerpt} is not a valid time")
    ]


@pytest.mark.parametrize("column", ["actor_id", "assessment_id"])
def test_it_names_an_event_whose_number_is_not_a_number(sqlite_chain, column):
    target = _events(sqlite_chain)[2][0]
    with as_dba(sqlite_chain) as conn:
        _loosen_sqlite(conn)  # no foreign key to stop it
        conn.execute(
            text(f"UPDATE audit_events SET {column} = 'abc' WHERE id = :id"), {"id": target}
        )
    report = _walk(sqlite_chain)
    assert _findings(report) == [(target, f"cannot be read: {column} 'abc' is not a number")]


@pytest.mark.parametrize("column", ["actor_id", "assessment_id"])
def test_it_names_an_event_whose_number_is_not_whole(sqlite_chain, column):
    """int() would round 12.5 down and the row would hash like the genuine one."""
    target = _events(sqlite_chain)[2][0]
    with as_dba(sqlite_chain) as conn:
        _loosen_sqlite(conn)
        conn.execute(text(f"UPDATE audit_events SET {column} = 1.5 WHERE id = :id"), {"id": target})
    report = _walk(sqlite_chain)
    assert _findings(report) == [(target, f"cannot be read: {column} 1.5 is not a whole number")]


TEXT_COLUMNS = ["prev_hash", "action", "object_type", "object_id", "details_json", "hash"]


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_it_names_an_event_with_an_empty_text_field(chain, column):
    events = _events(chain)
    target = events[2][0]
    _allow_null(chain, column)
    _damage(chain, f"UPDATE audit_events SET {column} = NULL WHERE id = :id", id=target)
    report = _walk(chain)
    assert report.problems[0] == ChainProblem(target, f"cannot be read: {column} is empty (NULL)")
    # The unreadable event is one finding, not also a link or content finding of its own.
    assert [p.event_id for p in report.problems].count(target) == 1
    assert report.count == EVENTS


@pytest.mark.parametrize("column", TEXT_COLUMNS)
def test_it_names_an_event_with_bytes_in_a_text_field(sqlite_chain, column):
    target = _events(sqlite_chain)[2][0]
    _damage(sqlite_chain, f"UPDATE audit_events SET {column} = x'6869' WHERE id = :id", id=target)
    report = _walk(sqlite_chain)
    assert report.problems[0] == ChainProblem(target, f"cannot be read: {column} is b'hi'")
    assert [p.event_id for p in report.problems].count(target) == 1


def test_an_inserted_unreadable_row_is_the_only_finding(chain):
    """The walk goes on from the last hash it could read, so the next genuine event still links."""
    events = _events(chain)
    last_id = events[-1][0]
    _allow_null(chain, "hash")
    with as_dba(chain) as conn:
        conn.execute(
            text("UPDATE audit_events SET id = :new WHERE id = :old"), {"new": 1000, "old": last_id}
        )
        conn.execute(
            text(
                "INSERT INTO audit_events (id, created_at, actor_id, action, object_type,"
                " object_id, assessment_id, details_json, prev_hash, hash)"
                " SELECT 500, created_at, actor_id, 'test.forged', object_type, object_id,"
                " assessment_id, details_json, prev_hash, NULL FROM audit_events WHERE id = 1000"
            )
        )
    report = _walk(chain, batch=2)
    assert _findings(report) == [(500, "cannot be read: hash is empty (NULL)")]
    assert report.count == EVENTS + 1 and report.head == events[-1][1]


def test_it_lists_two_hundred_findings_and_counts_the_rest():
    report = ChainReport()
    for i in range(MAX_FINDINGS + 3):
        report.add(i, f"finding {i}")
    assert len(report.problems) == MAX_FINDINGS == 200
    assert report.problems[-1] == ChainProblem(MAX_FINDINGS - 1, f"finding {MAX_FINDINGS - 1}")
    assert report.more_problems == 3
    assert report.problem == ChainProblem(0, "finding 0") and not report.ok


# --- waypoints -----------------------------------------------------------------------------------


def test_it_checks_a_checkpoint_that_holds(chain):
    events = _events(chain)
    waypoint = Waypoint("checkpoint 1", head=events[2][1], count=3, last_event_id=events[2][0])
    report = _walk(chain, waypoints=[waypoint], batch=2)
    assert report.ok, report.problems
    assert report.waypoints_checked == 1


def test_it_checks_a_checkpoint_without_an_event_id(chain):
    events = _events(chain)
    report = _walk(chain, waypoints=[Waypoint("checkpoint 1", head=events[2][1], count=3)])
    assert report.ok and report.waypoints_checked == 1


def test_it_checks_every_checkpoint_at_the_same_count(chain):
    events = _events(chain)
    good = Waypoint("checkpoint 1", head=events[1][1], count=2, last_event_id=events[1][0])
    copy = Waypoint("checkpoint 1 (file)", head=events[1][1], count=2, last_event_id=events[1][0])
    bad = Waypoint("checkpoint 1 (anchor)", head="ab" * 32, count=2, last_event_id=events[1][0])
    report = _walk(chain, waypoints=[good, copy, bad])
    assert report.waypoints_checked == 3
    assert [p.event_id for p in report.problems] == [events[1][0]]
    assert report.problems[0].reason.startswith("checkpoint 1 (anchor) says")


def test_it_names_the_event_where_a_checkpoint_head_does_not_hold(chain):
    events = _events(chain)
    waypoint = Waypoint("checkpoint 7", head="ab" * 32, count=3, last_event_id=events[2][0])
    report = _walk(chain, waypoints=[waypoint])
    assert _findings(report) == [
        (
            events[2][0],
            f"checkpoint 7 says the first 3 events end in abababababababab…, but they end in "
            f"{events[2][1][:16]}…: events up to here were changed, removed or rewritten",
        )
    ]
    assert report.waypoints_checked == 1


def test_it_names_a_checkpoint_that_ends_at_another_event(chain):
    events = _events(chain)
    waypoint = Waypoint("checkpoint 2", head=events[2][1], count=3, last_event_id=events[2][0] + 40)
    report = _walk(chain, waypoints=[waypoint])
    assert _findings(report) == [
        (
            events[2][0],
            f"checkpoint 2 ends at event {events[2][0] + 40}, the chain at event {events[2][0]}",
        )
    ]


def test_it_checks_a_checkpoint_of_an_empty_trail_against_the_genesis_value(chain):
    report = _walk(chain, waypoints=[Waypoint("checkpoint 0", head=GENESIS, count=0)])
    assert report.ok and report.waypoints_checked == 1


def test_it_names_a_checkpoint_of_no_events_that_does_not_end_in_genesis(chain):
    waypoint = Waypoint("checkpoint 0", head="cd" * 32, count=0, last_event_id=0)
    report = _walk(chain, waypoints=[waypoint])
    assert _findings(report) == [
        (
            None,
            "checkpoint 0 says the first 0 events end in cdcdcdcdcdcdcdcd…, but they end in "
            "0000000000000000…: events up to here were changed, removed or rewritten",
        )
    ]
    assert report.waypoints_checked == 1


def test_it_checks_a_checkpoint_after_the_first_event_once(chain):
    events = _events(chain)
    waypoint = Waypoint("checkpoint 1", head=events[0][1], count=1, last_event_id=events[0][0])
    report = _walk(chain, waypoints=[waypoint])
    assert report.ok, report.problems
    assert report.waypoints_checked == 1


def test_it_checks_a_checkpoint_that_covers_the_whole_trail(chain):
    events = _events(chain)
    waypoint = Waypoint(
        "checkpoint 5", head=events[-1][1], count=EVENTS, last_event_id=events[-1][0]
    )
    report = _walk(chain, waypoints=[waypoint], batch=2)
    assert report.ok, report.problems
    assert report.waypoints_checked == 1


def test_it_says_events_at_the_end_were_removed_when_a_checkpoint_covers_more(chain):
    waypoint = Waypoint("checkpoint 9", head="ef" * 32, count=EVENTS + 4, last_event_id=99)
    report = _walk(chain, waypoints=[waypoint])
    assert _findings(report) == [
        (
            None,
            f"checkpoint 9 covers {EVENTS + 4} events, but the audit trail has only {EVENTS}: "
            "events at the end were removed",
        )
    ]
    assert report.waypoints_checked == 1


def test_it_finds_a_report_head_where_it_occurs(chain):
    events = _events(chain)
    heads = [
        Waypoint("the signed report of DW-1", head=events[1][1]),
        Waypoint("the signed report of DW-2", head=events[1][1]),
        Waypoint("the signed report of DW-3", head=events[3][1]),
    ]
    checkpoint = Waypoint("checkpoint 1", head=events[0][1], count=1, last_event_id=events[0][0])
    report = _walk(chain, waypoints=[*heads, checkpoint], batch=2)
    assert report.ok, report.problems
    assert report.positions == {events[1][1]: 2, events[3][1]: 4}
    assert report.waypoints_checked == 4


def test_it_names_a_report_head_that_does_not_occur(chain):
    events = _events(chain)
    missing = "12" * 32
    heads = [
        Waypoint("the signed report of DW-1", head=events[1][1]),
        Waypoint("the signed report of DW-2", head=missing),
    ]
    report = _walk(chain, waypoints=heads)
    assert _findings(report) == [
        (
            None,
            "the signed report of DW-2: its audit chain head 1212121212121212… does not occur in "
            "the audit trail: events were removed or rewritten",
        )
    ]
    assert report.waypoints_checked == 2


# --- watched actions -----------------------------------------------------------------------------


def test_it_collects_the_watched_events_with_their_position_object_and_details(chain):
    events = _events(chain)
    report = _walk(chain, watch_actions=["test.watched", "report.signed"], batch=2)
    assert report.watched == {
        "test.watched": [(4, events[3][0], "w1", '{"k":1}')],
        "report.signed": [],
    }


def test_verify_chain_walks_without_waypoints(chain):
    events = _events(chain)
    _damage(chain, "UPDATE audit_events SET object_id = 'x' WHERE id = :id", id=events[4][0])
    with Session(chain) as session:
        report = verify_chain(session)
    assert _findings(report) == [(events[4][0], "content changed")]
    assert report.waypoints_checked == 0 and report.watched == {}


# --- stored times --------------------------------------------------------------------------------


def test_parse_time_converts_an_offset_to_utc():
    parsed = parse_time("2026-03-01T12:30:00.5+02:00")
    assert parsed == datetime(2026, 3, 1, 10, 30, 0, 500000, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.isoformat() == "2026-03-01T10:30:00.500000+00:00"


def test_parse_time_reads_a_time_without_offset_as_utc():
    parsed = parse_time("2026-03-01 12:30:00")
    assert parsed.isoformat() == "2026-03-01T12:30:00+00:00"


def test_parse_time_takes_datetimes_aware_or_naive():
    aware = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_time(aware).isoformat() == "2026-03-01T17:30:00+00:00"
    assert parse_time(datetime(2026, 3, 1, 12, 30)).isoformat() == "2026-03-01T12:30:00+00:00"


def test_parse_time_gives_utc_whatever_the_machines_time_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        parsed = parse_time("2026-03-01T12:30:00+02:00")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert parsed.isoformat() == "2026-03-01T10:30:00+00:00"


@pytest.mark.parametrize(
    ("value", "message"), [(12, "12 is not a time"), (None, "None is not a time")]
)
def test_parse_time_refuses_what_is_not_a_time(value, message):
    with pytest.raises(ValueError) as caught:
        parse_time(value)
    assert str(caught.value) == message


def test_event_details_gives_the_details_of_a_stored_event(chain):
    from sqlmodel import select

    from app.audit.models import AuditEvent
    from app.audit.service import event_details

    with Session(chain) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "test.watched")).one()
        assert event_details(event) == {"k": 1}
