"""A report signed after a consultation of residents: the advice document seals the public
account (period, counts, themes, the committee's anonymous summaries) and the committee's
response; it verifies intact, a raw change of a reaction's themes or summary afterwards is
found, and neither the sealed JSON, the PDF's text, the register nor its open data hold a
respondent's name, address or words."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from app.archive.integrity import verify_archive
from app.archive.models import ArchiveEntry
from app.archive.service import sign_and_archive
from app.assessments.models import Assessment
from app.config import get_settings
from app.consultations import moderating, responding, service
from app.consultations.models import Consultation
from app.db import make_engine, session_scope
from app.reports.checking import validator_for
from app.reports.models import PublicReport, Report
from app.reports.seal import organisation_seal
from app.reports.sealed import ADVICE_ATTACHMENT
from app.reports.verify import read_attachments
from app.reviews import advising
from app.timeutil import amsterdam_today
from app.users.models import Role
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    Client,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import CONDITIONS, World, build_world, drive_to_advice
from tests.tamper import tamper

CHAIR = frozenset({Role.chair, Role.board})
BOARD = frozenset({Role.board})
LEAD = frozenset({Role.lead})
WEIGHED = "Bewoners vroegen om korte bewaartermijnen. De commissie nam dat op in voorwaarde 1."
SUMMARY = "Een bewoner vraagt de tellingen niet langer te bewaren dan nodig."
# What the respondents wrote and who they are: never in anything public or sealed.
PERSONAL = ["Ria de Vries", "ria@example.org", "Mijn buurman telt al jaren zelf", "sam@example.org"]


@dataclass
class Signed:
    url: str
    dialect: str
    assessment_id: int
    reference: str
    pdf: bytes
    public_pdf: bytes


def _consult_and_sign(world: World) -> int:
    assessment_id = drive_to_advice(world, finalise=False, comment=None)
    settings = get_settings()
    with session_scope(world.engine) as session:
        a = session.get(Assessment, assessment_id)
        assert a is not None
        board, lead, chair = (world.user(session, k) for k in ("board", "lead", "chair"))
        start = amsterdam_today()
        form = service.SummaryInput(
            purpose="De gemeente telt verkeer op kruispunten.",
            data_used="Tellingen per kwartier, geen kentekens.",
            questions="Wat vindt u ervan?",
            starts_on=start.isoformat(),
            ends_on=(start + timedelta(days=13)).isoformat(),
        )
        service.save_draft(session, assessment=a, actor=board, roles=BOARD, form=form)
        service.correct_draft(
            session, assessment=a, actor=lead, roles=LEAD, form=form, confirm=True
        )
        consultation = service.publish(session, assessment=a, actor=chair, roles=CHAIR)
        reactions = []
        for n, fields in enumerate(
            [
                {
                    "body": "Mijn buurman telt al jaren zelf; bewaar het kort.",
                    "name": "Ria de Vries",
                    "email": "ria@example.org",
                    "value_id": "transparent",
                },
                {"body": "Mijn buurman telt al jaren zelf, prima.", "email": "sam@example.org"},
                {"body": "Mijn buurman telt al jaren zelf. Goed plan."},
            ]
        ):
            reaction = responding.respond(
                session,
                consultation=consultation,
                assessment=a,
                form=responding.ReactionInput(**fields),
                address=f"192.0.2.{n + 1}",
                settings=settings,
                locale="nl",
            )
            assert reaction is not None
            reactions.append(reaction)
        moderating.moderate(
            session,
            assessment=a,
            reaction_id=reactions[0].id or 0,
            actor=chair,
            roles=CHAIR,
            decision="published",
            tags="bewaartermijn, privacy",
            public_summary=SUMMARY,
        )
        moderating.moderate(
            session,
            assessment=a,
            reaction_id=reactions[1].id or 0,
            actor=chair,
            roles=CHAIR,
            decision="withheld",
            tags="bewaartermijn",
            public_summary="",
        )
        # Three weeks pass: the consultation is over.
        session.execute(
            update(Consultation)
            .where(Consultation.id == consultation.id)  # type: ignore[arg-type]
            .values(
                starts_on=consultation.starts_on - timedelta(days=21),
                ends_on=consultation.ends_on - timedelta(days=21),
            )
        )
        advising.save_advice(
            session,
            assessment=a,
            actor=board,
            roles=BOARD,
            outcome="conditional",
            summary="De commissie adviseert positief onder voorwaarden.",
            rationale={"transparent": "Open data, goed uitgelegd.", "consultation": WEIGHED},
            conditions=[advising.ConditionInput(*row) for row in CONDITIONS],
            reassess_on="2028-01-01",
        )
        advising.finalise_advice(session, assessment=a, actor=chair, roles=CHAIR)
        chair_id = chair.id or 0
    sign_and_archive(
        world.engine,
        assessment_id=assessment_id,
        actor_id=chair_id,
        roles=CHAIR,
        password=PASSWORD,
        settings=settings,
    )
    with session_scope(world.engine) as session:
        # Residents were told the advice would be in the register: signing puts it there.
        entry = session.get(ArchiveEntry, assessment_id)
        assert entry is not None and entry.is_public
        assert entry.published_at == entry.signed_at
    return assessment_id


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def signed(request, tmp_path_factory, dev_pki) -> Signed:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("consulted")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'consulted.db'}"
    else:
        if not POSTGRES_URL:
            skip_without_postgres()
        url = create_postgres_database()
    world = build_world(directory, url)
    assessment_id = _consult_and_sign(world)
    with Session(world.engine) as session:
        a = session.get(Assessment, assessment_id)
        report = session.exec(select(Report).where(Report.assessment_id == assessment_id)).one()
        public = session.exec(
            select(PublicReport).where(PublicReport.assessment_id == assessment_id)
        ).one()
        made = Signed(url, request.param, assessment_id, a.reference, report.pdf, public.pdf)  # type: ignore[union-attr]
    world.engine.dispose()
    yield made
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture
def copy(signed: Signed, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh copy of the database to tamper with."""
    if signed.dialect == "sqlite":
        target = tmp_path / "copy.db"
        with (
            sqlite3.connect(signed.url.removeprefix("sqlite:///")) as source,
            sqlite3.connect(target) as copy_db,
        ):
            source.backup(copy_db)
        engine = make_engine(f"sqlite:///{target}")
        yield engine
        engine.dispose()
        return
    name = f"dw_copy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(signed.url).database}"'))
    admin.dispose()
    url = make_url(signed.url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(url)


def _problems(engine: Engine) -> list[str]:
    settings = get_settings()
    with Session(engine) as session:
        result = verify_archive(
            session,
            validator=validator_for(settings),
            sealer=organisation_seal(settings),
            checkpoint_file=None,
            workers=0,
        )
    return [f"{p.kind}: {p.subject}: {p.detail}" for p in result.problems]


def _sealed(pdf: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(read_attachments(pdf)[ADVICE_ATTACHMENT])


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_it_seals_the_public_account_and_the_committees_response(signed: Signed):
    for document in (_sealed(signed.pdf), _sealed(signed.public_pdf)):
        block = document["consultation"]
        assert block["reactions"] == 3
        assert block["by_value"] == {"transparent": 1}
        assert block["themes"] == [["bewaartermijn", 2], ["privacy", 1]]
        assert block["summaries"] == [{"value": "transparent", "text": SUMMARY}]
        assert document["rationale"]["consultation"] == WEIGHED


def test_nothing_personal_is_sealed_or_printed(signed: Signed, tmp_path: Path):
    for pdf in (signed.pdf, signed.public_pdf):
        sealed = json.dumps(_sealed(pdf), ensure_ascii=False)
        printed = " ".join(_pdf_text(pdf, tmp_path).split())
        for personal in PERSONAL:
            assert personal not in sealed
            assert personal not in printed
        assert "Raadpleging van inwoners" in printed
        assert SUMMARY in printed
        assert " ".join(WEIGHED.split()) in printed


def test_a_report_signed_with_a_consultation_verifies_intact(copy: Engine):
    assert _problems(copy) == []


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE consultation_reactions SET tags_json = '[\"iets anders\"]'",
            "consultation.themes",
        ),
        (
            "UPDATE consultation_reactions SET public_summary = 'Iets anders.' "
            "WHERE public_summary <> ''",
            "consultation.summaries[1].text",
        ),
    ],
)
def test_a_raw_change_of_a_reaction_after_signing_is_found(copy: Engine, statement, expected):  # type: ignore[no-untyped-def]
    tamper(copy, statement)
    found = _problems(copy)
    assert any(expected in p for p in found), found


def test_deleting_personal_data_after_signing_keeps_the_report_intact(copy: Engine):
    from datetime import date

    from app.consultations import outcome

    settings = get_settings()
    with session_scope(copy) as session:
        emptied = outcome.purge_personal_data(
            session, today=date.today() + timedelta(days=400), settings=settings
        )
    assert emptied == 3
    assert _problems(copy) == []


def _client(engine: Engine) -> Client:
    from app.main import create_app

    return Client(
        create_app(get_settings(), engine=engine),
        base_url="http://testserver",
        follow_redirects=False,
    )


def test_the_register_shows_the_consultation_and_its_open_data_names_nobody(
    signed: Signed, copy: Engine
):
    with _client(copy) as c:
        c.cookies.set("locale", "en")
        detail = c.get(f"/register/{signed.reference}", headers={"Accept-Language": "en"})
        assert detail.status_code == 200
        page = detail.text
        assert "Consultation of residents" in page or "Consultatie" in page
        assert SUMMARY in page and WEIGHED in page
        assert "bewaartermijn (2)" in page
        listing = c.get("/register").text
        outputs = {
            "detail": page,
            "list": listing,
            "json": c.get("/register.json").text,
            "csv": c.get("/register.csv").text,
            "feed": c.get("/register/feed.atom").text,
        }
        schema = c.get("/register.schema.json").json()
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(json.loads(outputs["json"]))
        record = json.loads(outputs["json"])["advices"][0]
        assert record["consultation"]["reactions"] == 3
        assert record["consultation"]["response"] == WEIGHED
    for name, body in outputs.items():
        for personal in PERSONAL:
            assert personal not in body, (name, personal)


def test_the_consultation_page_links_the_advice_once_signed(signed: Signed, copy: Engine):
    from app.consultations.models import Consultation

    with Session(copy) as session:
        consultation = session.exec(
            select(Consultation).where(Consultation.assessment_id == signed.assessment_id)
        ).one()
    with _client(copy) as c:
        page = c.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200
    assert f'href="/register/{signed.reference}"' in page.text
    assert "De commissie heeft haar advies gegeven." in page.text


def test_the_register_gives_the_date_of_the_advice_in_words(signed: Signed, copy: Engine):
    from app.formatting import day

    with Session(copy) as session:
        entry = session.get(ArchiveEntry, signed.assessment_id)
        assert entry is not None
        in_words = day(entry.signed_at.date(), "nl")
    with _client(copy) as c:
        detail = c.get(f"/register/{signed.reference}").text
        listing = c.get("/register").text
    for page in (detail, listing):
        assert in_words in page
        assert entry.signed_at.date().isoformat() not in page
