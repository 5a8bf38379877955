"""Tampering with raw SQL outside the application, as someone with write access to the database
only, on SQLite and PostgreSQL: every change to what was signed, archived or logged is found
by `archive verify` / `audit verify`, named, without a traceback; an untouched copy verifies
clean; and the guard triggers refuse such changes unless they are switched off first."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from app.archive.integrity import verify_archive
from app.archive.service import sign_and_archive
from app.archive.trail import verify_audit_trail
from app.assessments.models import Assessment
from app.audit.checkpoints import take_checkpoint
from app.audit.service import event_hash
from app.config import get_settings
from app.db import make_engine, session_scope
from app.reports.checking import validator_for
from app.reports.seal import organisation_seal
from app.users.models import Role
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    build_database,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import World, drive_to_advice
from tests.tamper import as_dba, tamper

CHAIR = {Role.chair, Role.board}


@dataclass
class Archive:
    """A database with two signed, archived assessments and a checkpoint file."""

    url: str
    dialect: str
    ids: list[int]
    references: list[str]
    checkpoint_file: Path


def _sign(world: World, assessment_id: int) -> None:
    with session_scope(world.engine) as session:
        chair_id = world.user(session, "chair").id
    sign_and_archive(
        world.engine,
        assessment_id=assessment_id,
        actor_id=chair_id or 0,
        roles=CHAIR,
        password=PASSWORD,
        settings=get_settings(),
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, tmp_path_factory, dev_pki):  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("tamper")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'archive.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = build_database(url)
    from sqlmodel import select as sql_select

    from app.users.models import User
    from tests.conftest import PERSONAS

    with Session(engine) as session:
        users = {
            key: session.exec(sql_select(User.id).where(User.email == p.email)).one()
            for key, p in PERSONAS.items()
        }
    world = World(engine, url, users)  # type: ignore[arg-type]
    ids = [drive_to_advice(world, title=f"Telling {n}") for n in (1, 2)]
    for assessment_id in ids:
        _sign(world, assessment_id)
    checkpoint_file = directory / "checkpoints.jsonl"
    take_checkpoint(
        engine,
        sealer=organisation_seal(get_settings()),
        organisation="Test",
        file=checkpoint_file,
        force=True,
    )
    with Session(engine) as session:
        references = [session.get(Assessment, i).reference for i in ids]  # type: ignore[union-attr]
    engine.dispose()
    yield Archive(url, request.param, ids, references, checkpoint_file)
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def copy(archive, tmp_path) -> tuple[Engine, Path]:  # type: ignore[no-untyped-def]
    """A fresh copy of the archive database (and of its checkpoint file) to tamper with."""
    checkpoint_file = tmp_path / "checkpoints.jsonl"
    checkpoint_file.write_bytes(archive.checkpoint_file.read_bytes())
    if archive.dialect == "sqlite":
        target = tmp_path / "copy.db"
        with (
            sqlite3.connect(archive.url.removeprefix("sqlite:///")) as source,
            sqlite3.connect(target) as copy_db,
        ):
            source.backup(copy_db)
        engine = make_engine(f"sqlite:///{target}")
        yield engine, checkpoint_file
        engine.dispose()
        return
    name = f"dw_copy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(archive.url).database}"'))
    admin.dispose()
    url = make_url(archive.url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    yield engine, checkpoint_file
    engine.dispose()
    drop_postgres_database(url)


def _verify(engine: Engine, checkpoint_file: Path, anchors=()):  # type: ignore[no-untyped-def]
    settings = get_settings()
    with Session(engine) as session:
        return verify_archive(
            session,
            validator=validator_for(settings),
            sealer=organisation_seal(settings),
            checkpoint_file=checkpoint_file,
            anchors=anchors,
            workers=0,
        )


def _details(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{p.kind}: {p.subject}: {p.detail}" for p in result.problems)


def _advice_id(engine: Engine, assessment_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id FROM advices WHERE assessment_id = :a"), {"a": assessment_id}
        ).scalar_one()


def test_it_verifies_an_untouched_archive_clean(copy, archive):
    engine, checkpoint_file = copy
    result = _verify(engine, checkpoint_file)
    assert result.ok, _details(result)
    assert result.assessments == 2 and result.checkpoints >= 3


def test_it_refuses_raw_changes_to_sealed_rows_while_the_guards_are_on(copy, archive):
    engine, _file = copy
    advice = _advice_id(engine, archive.ids[0])
    for statement in (
        "UPDATE advices SET outcome = 'positive' WHERE id = :advice",
        "UPDATE audit_events SET action = 'x' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
        "DELETE FROM audit_checkpoints",
        "UPDATE reports SET sha256 = 'x'",
        "UPDATE answers SET value_json = '\"x\"' WHERE assessment_id = :a",
        "UPDATE archive_entries SET title = 'x'",
        "UPDATE assessments SET title = 'x' WHERE id = :a",
        "DELETE FROM opinions WHERE advice_id = :advice",
    ):
        with pytest.raises(DBAPIError, match="sealed"), engine.begin() as conn:
            conn.execute(text(statement), {"advice": advice, "a": archive.ids[0]})
    # What may change: the publication of an archived advice.
    with engine.begin() as conn:
        conn.execute(text("UPDATE archive_entries SET is_public = true"))


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE advices SET outcome = 'positive' WHERE id = :advice", "outcome"),
        ("UPDATE advices SET summary = 'Anders.' WHERE id = :advice", "summary"),
        (
            "UPDATE advice_conditions SET owner = 'Niemand' WHERE advice_id = :advice AND number = 1",
            "conditions[1].owner",
        ),
        (
            "UPDATE advice_conditions SET due_on = '2031-01-01' WHERE advice_id = :advice AND number = 1",
            "conditions[1].due_on",
        ),
        ("DELETE FROM advice_conditions WHERE advice_id = :advice AND number = 2", "conditions"),
        ("UPDATE opinions SET stance = 'agree', note = '' WHERE advice_id = :advice", "opinions"),
        ("UPDATE archive_entries SET title = 'Vervalst' WHERE assessment_id = :a", "title"),
        ("UPDATE archive_entries SET outcome = 'positive' WHERE assessment_id = :a", "outcome"),
        ("UPDATE archive_entries SET overall_level = 'high' WHERE assessment_id = :a", "level"),
        (
            "UPDATE archive_entries SET obligations = ' dpia_required ' WHERE assessment_id = :a",
            "obligations",
        ),
        (
            "UPDATE answers SET value_json = '\"Vervalst\"' WHERE assessment_id = :a "
            "AND question_id = 'name'",
            "answers were changed",
        ),
        ("UPDATE review_comments SET body = 'Anders' WHERE assessment_id = :a", "review.comments"),
        (
            "INSERT INTO section_verdicts "
            "(assessment_id, submission_id, section_id, verdict, author_id, updated_at) "
            "SELECT assessment_id, id, 'profile', 'to_correct', submitted_by_id, submitted_at "
            "FROM submissions WHERE assessment_id = :a",
            "review.verdicts",
        ),
        ("UPDATE reports SET signed_by_id = 1 WHERE assessment_id = :a", "signer"),
        ("UPDATE reports SET audit_head_hash = :zero WHERE assessment_id = :a", "audit_head"),
    ],
)
def test_it_finds_each_forged_record_of_an_archived_assessment(copy, archive, statement, expected):
    engine, checkpoint_file = copy
    tamper(
        engine,
        statement,
        advice=_advice_id(engine, archive.ids[0]),
        a=archive.ids[0],
        zero="0" * 64,
    )
    result = _verify(engine, checkpoint_file)
    assert not result.ok
    mine = [p for p in result.problems if p.subject == archive.references[0]]
    assert any(expected in p.detail for p in mine), _details(result)
    assert all(p.subject != archive.references[1] for p in result.problems), _details(result)


def test_it_finds_reports_swapped_between_assessments_with_their_hashes(copy, archive):
    engine, checkpoint_file = copy
    first, second = archive.ids
    with as_dba(engine) as conn:
        rows = {
            r.assessment_id: r
            for r in conn.execute(
                text("SELECT id, assessment_id, pdf, sha256, snapshot_sha256 FROM reports")
            )
        }
        swap = text(
            "UPDATE reports SET pdf = :pdf, sha256 = :sha, snapshot_sha256 = :snap WHERE id = :id"
        )
        conn.execute(
            text("UPDATE reports SET sha256 = 'moving' WHERE id = :id"), {"id": rows[first].id}
        )
        for target, source in ((second, first), (first, second)):
            conn.execute(
                swap,
                {
                    "pdf": rows[source].pdf,
                    "sha": rows[source].sha256,
                    "snap": rows[source].snapshot_sha256,
                    "id": rows[target].id,
                },
            )
    result = _verify(engine, checkpoint_file)
    details = _details(result)
    assert (
        f"the signed report of {archive.references[1]}, not of {archive.references[0]}" in details
    )
    assert (
        f"the signed report of {archive.references[0]}, not of {archive.references[1]}" in details
    )


def test_it_finds_an_edited_event_and_names_it(copy, archive):
    engine, checkpoint_file = copy
    tamper(engine, "UPDATE audit_events SET details_json = '{}' WHERE id = 5")
    result = _verify(engine, checkpoint_file)
    assert any(p.subject == "event 5" and "content changed" in p.detail for p in result.problems)


def test_it_finds_an_event_deleted_in_the_middle(copy, archive):
    engine, checkpoint_file = copy
    tamper(engine, "DELETE FROM audit_events WHERE id = 7")
    result = _verify(engine, checkpoint_file)
    assert any(
        p.subject == "event 8" and "removed or inserted" in p.detail for p in result.problems
    )


def test_it_finds_events_cut_from_the_tail_below_a_checkpoint(copy, archive):
    engine, checkpoint_file = copy
    tamper(engine, "DELETE FROM audit_events WHERE id > (SELECT max(id) - 3 FROM audit_events)")
    with Session(engine) as session:
        report = verify_audit_trail(
            session, sealer=organisation_seal(get_settings()), checkpoint_file=checkpoint_file
        )
    assert not report.ok
    assert any("events at the end were removed" in p.detail for p in report.problems)


def test_it_finds_a_whole_chain_recomputed_with_the_applications_own_hash_function(copy, archive):
    engine, checkpoint_file = copy
    with as_dba(engine) as conn:
        rows = conn.execute(text("SELECT * FROM audit_events ORDER BY id")).mappings().all()
        from app.audit.chain import parse_time

        prev = "0" * 64
        updates = []
        for row in rows:
            details = '{"forged":true}' if row["id"] == 3 else row["details_json"]
            digest = event_hash(
                prev_hash=prev,
                created_at=parse_time(row["created_at"]),
                actor_id=row["actor_id"],
                action=row["action"],
                object_type=row["object_type"],
                object_id=row["object_id"],
                assessment_id=row["assessment_id"],
                details_json=details,
            )
            updates.append({"id": row["id"], "p": prev, "h": digest, "d": details})
            prev = digest
        conn.execute(text("UPDATE audit_events SET hash = 'old-' || id"))
        for update in updates:
            conn.execute(
                text(
                    "UPDATE audit_events SET prev_hash = :p, hash = :h, details_json = :d WHERE id = :id"
                ),
                update,
            )
    # The chain holds on its own now ...
    from app.audit.chain import verify_chain

    with Session(engine) as session:
        assert verify_chain(session).ok
    # ... but not against the checkpoints and the heads the signed reports carry.
    result = _verify(engine, checkpoint_file)
    details = _details(result)
    assert "checkpoint" in details and "were changed, removed or rewritten" in details
    assert f"the signed report of {archive.references[0]}" in details


def test_it_finds_deleted_checkpoint_rows(copy, archive):
    engine, checkpoint_file = copy
    tamper(engine, "DELETE FROM audit_checkpoints WHERE sequence = 2")
    result = _verify(engine, checkpoint_file)
    assert "checkpoint 2 is missing from the database" in _details(result)


def test_it_finds_the_newest_checkpoints_deleted_through_the_file(copy, archive):
    engine, checkpoint_file = copy
    tamper(
        engine,
        "DELETE FROM audit_checkpoints WHERE sequence = (SELECT max(sequence) FROM audit_checkpoints)",
    )
    result = _verify(engine, checkpoint_file)
    assert "(checkpoints.jsonl line" in _details(result)
    assert "is missing from the database" in _details(result)


def test_it_finds_truncation_past_the_database_with_an_anchor_the_auditor_kept(
    copy, archive, tmp_path
):
    engine, checkpoint_file = copy
    anchor = tmp_path / "anchor.json"
    anchor.write_text(checkpoint_file.read_text().splitlines()[-1])
    tamper(
        engine,
        "DELETE FROM audit_checkpoints WHERE sequence = (SELECT max(sequence) FROM audit_checkpoints)",
        "DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)",
    )
    with Session(engine) as session:
        report = verify_audit_trail(
            session,
            sealer=organisation_seal(get_settings()),
            checkpoint_file=None,
            anchors=[anchor],
        )
    details = "\n".join(p.detail for p in report.problems)
    assert "anchor anchor.json line 1" in details and "events at the end were removed" in details


def test_it_refuses_a_checkpoint_whose_statement_was_forged(copy, archive):
    engine, checkpoint_file = copy
    lines = checkpoint_file.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["statement"]["events"] += 100
    forged.pop("sha256")
    checkpoint_file.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    result = _verify(engine, checkpoint_file)
    assert "its signature does not hold" in _details(result)


@pytest.mark.parametrize(
    ("statement", "postgresql_refuses"),
    [
        ("UPDATE audit_events SET created_at = 'not a time' WHERE id = 4", True),
        ("UPDATE audit_events SET created_at = 'infinity' WHERE id = 4", False),
        ("UPDATE audit_checkpoints SET event_count = 'many' WHERE sequence = 1", True),
        ("UPDATE advice_conditions SET due_on = '2027-02-30' WHERE number = 1", True),
        ("UPDATE advice_conditions SET number = 'one' WHERE number = 1", True),
        (
            "UPDATE advices SET rationale_json = '{broken' WHERE id = (SELECT min(id) FROM advices)",
            False,
        ),
        ("UPDATE advices SET finalised_at = NULL WHERE id = (SELECT min(id) FROM advices)", False),
        (
            "UPDATE submissions SET submitted_at = 'not a time' "
            "WHERE id = (SELECT min(id) FROM submissions)",
            True,
        ),
        ("UPDATE reports SET pdf = :garbage WHERE id = (SELECT min(id) FROM reports)", False),
        ("UPDATE audit_checkpoints SET statement_json = '{' WHERE sequence = 1", False),
    ],
)
def test_it_names_a_damaged_row_without_a_traceback(copy, archive, statement, postgresql_refuses):
    engine, checkpoint_file = copy
    if archive.dialect == "postgresql" and postgresql_refuses:
        # PostgreSQL's types refuse such a value themselves.
        with pytest.raises(DBAPIError):
            tamper(engine, statement, garbage=b"%PDF-1.7 broken")
        return
    tamper(engine, statement, garbage=b"%PDF-1.7 broken")
    result = _verify(engine, checkpoint_file)
    assert not result.ok, "a damaged row went unnoticed"
    env = {
        **os.environ,
        "DATAWAARDEN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "DATAWAARDEN_AUDIT_CHECKPOINT_FILE": str(checkpoint_file),
    }
    for command in (["archive", "verify"], ["audit", "verify"]):
        done = subprocess.run(
            [sys.executable, "-m", "app", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        if command == ["audit", "verify"] and not ("audit_" in statement or "pdf" in statement):
            continue  # audit verify does not read advices and submissions
        assert done.returncode == 1, done.stdout + done.stderr
        assert "PROBLEM" in done.stderr


# --- what pages show -------------------------------------------------------------------------


def _world(engine: Engine) -> World:
    from app.users.models import User
    from tests.conftest import PERSONAS

    with Session(engine) as session:
        users = {
            key: session.exec(select(User.id).where(User.email == p.email)).one()
            for key, p in PERSONAS.items()
        }
    return World(engine, engine.url.render_as_string(hide_password=False), users)  # type: ignore[arg-type]


def test_it_shows_the_signed_advice_and_an_integrity_problem_when_the_database_was_forged(
    copy, archive
):
    engine, _file = copy
    assessment_id = archive.ids[0]
    tamper(
        engine,
        "UPDATE advices SET outcome = 'negative', summary = 'Vervalst advies.' WHERE id = :advice",
        "UPDATE archive_entries SET title = 'Vervalste titel', is_public = true, "
        "published_at = created_at WHERE assessment_id = :a",
        advice=_advice_id(engine, assessment_id),
        a=assessment_id,
    )
    world = _world(engine)
    with world.login("auditor") as auditor:
        page = auditor.get(f"/archive/{assessment_id}")
    assert page.status_code == 200
    assert "Integriteitsprobleem: de opgeslagen gegevens wijken af" in page.text
    heading, signed = page.text.split("(zoals ondertekend)", 1)
    assert "Positief onder voorwaarden" in heading.rsplit("<h3", 1)[1]
    signed_section = signed.split("</section>", 1)[0]
    assert "De commissie adviseert positief onder voorwaarden." in signed_section
    assert "Vervalst advies." not in signed_section
    anonymous = world.client()
    public = anonymous.get(f"/register/{archive.references[0]}")
    assert public.status_code == 200
    assert "Integriteitsprobleem" in public.text and "Vervalste titel" not in public.text
    record = anonymous.get("/register.json").json()["advices"][0]
    assert record["integrity_problem"] is True
    assert record["title"] == "Telling 1" and record["outcome"] == "conditional"


def test_it_publishes_the_newest_checkpoint_for_anyone_to_keep(copy, archive, tmp_path):
    from lxml import etree

    from app.audit.checkpoints import parse_line

    engine, checkpoint_file = copy
    anonymous = _world(engine).client()
    published = anonymous.get("/register.json").json()["audit_checkpoint"]
    saved = anonymous.get("/register/audit-checkpoint.json")
    assert saved.status_code == 200
    checkpoint = parse_line(saved.text, "register")
    assert checkpoint.statement == published["statement"]
    assert organisation_seal(get_settings()).check(checkpoint.statement_bytes, checkpoint.cms).ok
    feed = etree.fromstring(anonymous.get("/register/feed.atom").content)
    ids = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
    assert f"urn:sha256:{checkpoint.sha256}" in ids
    anchor = tmp_path / "anchor.json"
    anchor.write_bytes(saved.content)
    env = {
        **os.environ,
        "DATAWAARDEN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "DATAWAARDEN_AUDIT_CHECKPOINT_FILE": str(checkpoint_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "audit", "verify", "--anchor", str(anchor)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Audit trail intact" in done.stdout
