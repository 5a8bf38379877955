"""Public editions in the archive, on SQLite and PostgreSQL: stored append-only (guard
triggers), bound to the database and to their internal report by `archive verify`, made
afterwards for reports signed before public editions existed (never from forged rows), and
renewed with the internal reports."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from app.archive.integrity import verify_archive
from app.archive.models import ArchiveEntry
from app.archive.public import make_missing_public_editions
from app.archive.renewal import renew_timestamps
from app.archive.service import archive_after_signing, set_public, sign_and_archive
from app.assessments.models import Assessment
from app.audit.checkpoints import take_checkpoint
from app.canonical import sha256_hex
from app.config import get_settings
from app.db import make_engine, session_scope
from app.reports.checking import validator_for
from app.reports.models import PublicReport, Report
from app.reports.seal import organisation_seal
from app.reports.sealed import ADVICE_ATTACHMENT
from app.reports.service import prepare_signing, produce_signed_pdf, store_signed
from app.reports.verify import read_attachments, verify_pdf
from app.users.models import Role, User
from tests.conftest import (
    PASSWORD,
    PERSONAS,
    POSTGRES_URL,
    Client,
    build_database,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import World, drive_to_advice
from tests.tamper import tamper

CHAIR = {Role.chair, Role.board}
NAMES = [PERSONAS["chair"].name, PERSONAS["board"].name, PERSONAS["lead"].name]


@dataclass
class Archive:
    url: str
    dialect: str
    with_public: int  # signed since public editions exist
    without_public: int  # signed "before": the internal report only
    references: dict[int, str]
    checkpoint_file: Path


def _world(engine: Engine, url: str) -> World:
    with Session(engine) as session:
        users = {
            key: session.exec(select(User.id).where(User.email == p.email)).one()
            for key, p in PERSONAS.items()
        }
    return World(engine, url, users)  # type: ignore[arg-type]


def _sign_without_public_edition(world: World, assessment_id: int) -> None:
    """Signing as it was before public editions: only the internal report is stored."""
    settings = get_settings()
    with session_scope(world.engine) as session:
        request = prepare_signing(
            session,
            assessment=session.get(Assessment, assessment_id),  # type: ignore[arg-type]
            actor=world.user(session, "chair"),
            roles=CHAIR,
            password=PASSWORD,
            settings=settings,
        )
    pdf = produce_signed_pdf(request, settings=settings)
    with session_scope(world.engine) as session:
        chair = world.user(session, "chair")
        store_signed(session, request=request, pdf=pdf, actor=chair, roles=CHAIR)
    with session_scope(world.engine) as session:
        archive_after_signing(
            session, assessment_id=assessment_id, actor=world.user(session, "chair")
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, tmp_path_factory, dev_pki):  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("public-editions")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'archive.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    engine = build_database(url)
    world = _world(engine, url)
    settings = get_settings()
    new = drive_to_advice(world, title="Met openbare editie")
    old = drive_to_advice(world, title="Van voor de openbare editie")
    with session_scope(engine) as session:
        chair_id = world.user(session, "chair").id or 0
    sign_and_archive(
        engine,
        assessment_id=new,
        actor_id=chair_id,
        roles=CHAIR,
        password=PASSWORD,
        settings=settings,
    )
    _sign_without_public_edition(world, old)
    with session_scope(engine) as session:
        board = world.user(session, "board")
        for assessment_id in (new, old):
            entry = session.get(ArchiveEntry, assessment_id)
            assert entry is not None
            set_public(session, entry=entry, public=True, actor=board, roles={Role.board})
    checkpoint_file = directory / "checkpoints.jsonl"
    take_checkpoint(
        engine,
        sealer=organisation_seal(settings),
        organisation="Test",
        file=checkpoint_file,
        force=True,
    )
    with Session(engine) as session:
        references = {i: session.get(Assessment, i).reference for i in (new, old)}  # type: ignore[union-attr]
    engine.dispose()
    yield Archive(url, request.param, new, old, references, checkpoint_file)
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def copy(archive, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh copy of the archive database (and of its checkpoint file)."""
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


def _verify(engine: Engine, checkpoint_file: Path):  # type: ignore[no-untyped-def]
    settings = get_settings()
    with Session(engine) as session:
        return verify_archive(
            session,
            validator=validator_for(settings),
            sealer=organisation_seal(settings),
            checkpoint_file=checkpoint_file,
            workers=0,
        )


def _details(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{p.kind}: {p.subject}: {p.detail}" for p in result.problems)


def _client(engine: Engine) -> Client:
    from app.main import create_app

    return Client(
        create_app(get_settings(), engine=engine),
        base_url="http://testserver",
        follow_redirects=False,
    )


def _public_rows(engine: Engine, assessment_id: int) -> list[PublicReport]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(PublicReport)
                .where(PublicReport.assessment_id == assessment_id)
                .order_by(col(PublicReport.sequence))
            ).all()
        )


def test_it_verifies_an_archive_with_a_public_edition_clean(copy, archive):
    engine, checkpoint_file = copy
    result = _verify(engine, checkpoint_file)
    assert result.ok, _details(result)
    assert result.assessments == 2
    assert result.reports == 3  # two internal reports and one public edition
    assert any("1 signed reports have no public edition yet" in n for n in result.notices)


def test_it_refuses_raw_changes_to_public_editions_while_the_guards_are_on(copy, archive):
    engine, _file = copy
    for statement in (
        "UPDATE public_reports SET sha256 = 'x'",
        "UPDATE public_reports SET pdf = (SELECT pdf FROM reports WHERE reports.id = report_id)",
        "DELETE FROM public_reports",
    ):
        with pytest.raises(DBAPIError, match="sealed"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(_public_rows(engine, archive.with_public)) == 1


def test_it_finds_a_public_edition_replaced_by_the_internal_report(copy, archive):
    engine, checkpoint_file = copy
    tamper(
        engine,
        "UPDATE public_reports SET pdf = (SELECT pdf FROM reports WHERE reports.id = "
        "public_reports.report_id), sha256 = (SELECT sha256 FROM reports WHERE reports.id = "
        "public_reports.report_id)",
    )
    result = _verify(engine, checkpoint_file)
    mine = [p for p in result.problems if p.subject == archive.references[archive.with_public]]
    assert any("embeds the internal advice document" in p.detail for p in mine), _details(result)
    assert any("recorded in the audit trail" in p.detail for p in mine), _details(result)


def test_it_finds_a_public_edition_moved_to_another_report(copy, archive):
    engine, checkpoint_file = copy
    tamper(
        engine,
        "UPDATE public_reports SET report_id = (SELECT id FROM reports WHERE assessment_id = :old)",
        old=archive.without_public,
    )
    result = _verify(engine, checkpoint_file)
    mine = [p for p in result.problems if p.subject == archive.references[archive.with_public]]
    assert any("not of this assessment's report" in p.detail for p in mine), _details(result)


def test_it_finds_a_forged_condition_in_the_public_binding(copy, archive):
    engine, checkpoint_file = copy
    tamper(
        engine,
        "UPDATE advice_conditions SET text = 'Vervalst' WHERE number = 1 AND advice_id = "
        "(SELECT advice_id FROM public_reports)",
    )
    result = _verify(engine, checkpoint_file)
    mine = [p for p in result.problems if p.subject == archive.references[archive.with_public]]
    assert any("public edition: stored conditions[1].text" in p.detail for p in mine), _details(
        result
    )


def test_it_lists_an_advice_without_public_edition_but_offers_no_pdf_until_it_is_made(
    copy, archive
):
    engine, checkpoint_file = copy
    reference = archive.references[archive.without_public]
    with _client(engine) as anonymous:
        assert reference in anonymous.get("/register").text
        record = next(
            r
            for r in anonymous.get("/register.json").json()["advices"]
            if r["reference"] == reference
        )
        assert "report" not in record and "report_sha256" not in record
        assert record["integrity_problem"] is False
        assert (
            f"/register/{reference}/report.pdf" not in anonymous.get(f"/register/{reference}").text
        )
        assert anonymous.get(f"/register/{reference}/report.pdf").status_code == 404

    made = make_missing_public_editions(engine, settings=get_settings())
    assert [(r.reference, r.made, r.problem) for r in made] == [(reference, True, None)]
    assert make_missing_public_editions(engine, settings=get_settings()) == []

    [row] = _public_rows(engine, archive.without_public)
    with Session(engine) as session:
        internal = session.exec(
            select(Report).where(Report.assessment_id == archive.without_public)
        ).one()
    assert row.report_id == internal.id and row.signed_by_id is None
    advice = json.loads(read_attachments(row.pdf)[ADVICE_ATTACHMENT])
    assert advice["edition_of"] == {"report_sha256": internal.sha256}
    raw = read_attachments(row.pdf)
    assert not any(name in blob.decode() for name in NAMES for blob in raw.values())
    with _client(engine) as anonymous:
        pdf = anonymous.get(f"/register/{reference}/report.pdf")
        assert pdf.status_code == 200 and sha256_hex(pdf.content) == row.sha256
        record = next(
            r
            for r in anonymous.get("/register.json").json()["advices"]
            if r["reference"] == reference
        )
        assert record["report_sha256"] == row.sha256
    result = _verify(engine, checkpoint_file)
    assert result.ok, _details(result)
    assert result.reports == 4
    assert not any("no public edition" in n for n in result.notices)


def test_it_makes_no_public_edition_from_forged_rows(copy, archive):
    engine, _file = copy
    tamper(
        engine,
        "UPDATE advices SET summary = 'Vervalst.' WHERE assessment_id = :a",
        a=archive.without_public,
    )
    made = make_missing_public_editions(engine, settings=get_settings())
    assert len(made) == 1 and not made[0].made
    assert "disagrees with its signed report" in (made[0].problem or "")
    assert _public_rows(engine, archive.without_public) == []


def test_it_renews_the_timestamp_of_the_public_edition_too(copy, archive):
    engine, checkpoint_file = copy
    results = renew_timestamps(engine, settings=get_settings(), within=timedelta(days=100000))
    reference = archive.references[archive.with_public]
    # One result per archived report: the internal report and its public edition together.
    assert sorted((r.reference, r.renewed, r.problem) for r in results) == sorted(
        [(reference, True, None), (archive.references[archive.without_public], True, None)]
    )
    first, second = _public_rows(engine, archive.with_public)
    assert second.sequence == 2 and second.kind == "timestamp"
    assert second.pdf.startswith(first.pdf) and second.report_id == first.report_id
    check = verify_pdf(second.pdf, trust_roots=[], validator=validator_for(get_settings()))
    assert check.signatures_ok and len(check.timestamps) == 2
    with _client(engine) as anonymous:
        pdf = anonymous.get(f"/register/{reference}/report.pdf")
        assert sha256_hex(pdf.content) == second.sha256
    result = _verify(engine, checkpoint_file)
    assert result.ok, _details(result)


def test_it_makes_the_missing_public_editions_from_the_command_line(copy, archive):
    import os
    import subprocess
    import sys

    engine, _checkpoint_file = copy
    reference = archive.references[archive.without_public]
    env = {
        **os.environ,
        "DATAWAARDEN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }

    def run() -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "app", "archive", "public-editions"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done

    first = run()
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"Made the public edition of {reference}." in first.stdout
    assert "1 made" in first.stdout
    assert len(_public_rows(engine, archive.without_public)) == 1
    again = run()
    assert again.returncode == 0 and "0 archived reports without a public edition" in again.stdout


def test_it_reads_a_register_page_in_as_many_statements_for_two_records_as_for_one(archive):
    """A register page (25 records) is read in one query per table, not a few per record; the
    record signed since public editions exist is read from its public edition, the other from
    its internal report."""
    from app.pages.register import public_records
    from tests.conftest import statements_run

    engine = make_engine(archive.url)
    try:
        with Session(engine) as session:
            both = [
                session.get(ArchiveEntry, archive.with_public),
                session.get(ArchiveEntry, archive.without_public),
            ]
            public_records(session, both, "nl")  # the questionnaire, read once per session
            with statements_run(session) as one:
                public_records(session, both[:1], "nl")
            with statements_run(session) as two:
                records = public_records(session, both, "nl")
    finally:
        engine.dispose()
    assert len(two) <= len(one) + 1  # the internal report of the second one
    assert [r["integrity_problem"] for r in records] == [False, False]
    assert records[0]["report_sha256"] is not None
    assert records[1]["report_sha256"] is None
