"""Fixtures for the signed advice report.

Signing opens its own transactions (`session_scope(engine)`, real commits), so these tests never
use the rolled-back `db` fixture: they build a fresh SQLite database of their own, drive sample
assessments to a final advice with real commits, and sign once per session (WeasyPrint takes
seconds). Tampered variants are derived from the stored bytes."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import get_settings
from app.db import session_scope
from app.reports.pki import DevPki, ensure_dev_pki
from app.users.models import Role, User
from tests.conftest import COMPLETE_SAMPLE_ANSWERS, PASSWORD, PERSONAS, Client, build_database

CHAIR = frozenset({Role.chair, Role.board})
BOARD = frozenset({Role.board})
SCRIPT_COMMENT = "Let op <script>alert('x')</script> & <b>vet</b> in de naam"
CONDITIONS = [
    ("Publiceer het dashboard in het algoritmeregister.", "Team Mobiliteit", "2027-03-31"),
    ("Evalueer het gebruik na een jaar.", "Datateam", ""),
]


@pytest.fixture(scope="session")
def pki() -> DevPki:
    """The development PKI under <DATA_DIR>/pki (the default signing key in tests)."""
    settings = get_settings()
    paths, _created = ensure_dev_pki(
        settings.pki_dir, org_name=settings.org_name, base_url=settings.public_url
    )
    return paths


@dataclass
class World:
    """A fresh, committed database with the personas and the sample questionnaire."""

    engine: Engine
    url: str
    users: dict[str, int]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def user(self, session: Session, key: str) -> User:
        user = session.get(User, self.users[key])
        assert user is not None
        return user

    def app(self):  # type: ignore[no-untyped-def]
        from app.main import create_app

        return create_app(get_settings(), engine=self.engine)

    def client(self, app=None) -> Client:  # type: ignore[no-untyped-def]
        return Client(app or self.app(), base_url="http://testserver", follow_redirects=False)

    def login(self, key: str, app=None) -> Client:  # type: ignore[no-untyped-def]
        c = self.client(app)
        response = c.post_form("/login", {"email": PERSONAS[key].email, "password": PASSWORD})
        assert response.status_code == 303, response.text
        return c


def build_world(directory: Path, url: str | None = None) -> World:
    """A committed database with the personas (SQLite in `directory` unless a URL is given)."""
    url = url or f"sqlite:///{directory / f'reports-{uuid.uuid4().hex[:8]}.db'}"
    engine = build_database(url)
    with Session(engine) as session:
        users = {
            key: session.exec(select(User.id).where(User.email == p.email)).one()
            for key, p in PERSONAS.items()
        }
    return World(engine, url, users)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory, pki: DevPki) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("reports-db"))
    yield built
    built.engine.dispose()


def drive_to_advice(
    world: World,
    *,
    title: str = "Verkeerstellingen dashboard",
    finalise: bool = True,
    comment: str | None = SCRIPT_COMMENT,
) -> int:
    """Submit a sample assessment, review it (a resolved comment on `name`), write a
    conditional advice with two conditions and two opinions, and (by default) finalise it.
    Everything is committed. Returns the assessment id."""
    from app.assessments import answering, lifecycle
    from app.questionnaires.registry import find_version
    from app.reviews import advising, commenting, intake

    with session_scope(world.engine) as session:
        lead = world.user(session, "lead")
        board = world.user(session, "board")
        chair = world.user(session, "chair")
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=title,
            department="Mobiliteit",
            description="Een dashboard met open verkeerstellingen.",
            questionnaire=find_version(session, "sample"),
        )
        for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        intake.claim_rapporteur(session, assessment=a, actor=board, roles=BOARD)
        if comment is not None:
            c = commenting.add_comment(
                session, assessment=a, actor=board, roles=BOARD, body=comment, question_id="name"
            )
            commenting.resolve_comment(
                session, assessment=a, comment_id=c.id or 0, actor=board, roles=BOARD
            )
        advising.save_advice(
            session,
            assessment=a,
            actor=board,
            roles=BOARD,
            outcome="conditional",
            summary="De commissie adviseert positief onder voorwaarden.",
            rationale={"transparent": "Open data, goed uitgelegd."},
            conditions=[advising.ConditionInput(*row) for row in CONDITIONS],
            reassess_on="2028-01-01",
        )
        advising.record_opinion(
            session, assessment=a, actor=board, roles=BOARD, stance="agree", note=""
        )
        advising.record_opinion(
            session,
            assessment=a,
            actor=chair,
            roles=CHAIR,
            stance="disagree",
            note="Liever eerst een pilot.",
        )
        if finalise:
            advising.finalise_advice(session, assessment=a, actor=chair, roles=CHAIR)
        return a.id or 0


@dataclass(frozen=True)
class Signed:
    """A report signed through the web page by the chair."""

    assessment_id: int
    reference: str
    report_id: int
    pdf: bytes
    sha256: str
    audit_head_hash: str
    snapshot_json: str
    sign_status: int
    sign_location: str


@pytest.fixture(scope="session")
def signed(world: World) -> Signed:
    """The chair signs a finalised advice with POST /committee/assessments/{id}/sign."""
    from app.assessments.models import Assessment, Submission
    from app.reports.models import Report
    from app.reviews.models import Advice

    assessment_id = drive_to_advice(world)
    with world.login("chair") as chair:
        response = chair.post_form(
            f"/committee/assessments/{assessment_id}/sign", {"password": PASSWORD}
        )
    with world.session() as session:
        a = session.get(Assessment, assessment_id)
        report = session.exec(select(Report).where(Report.assessment_id == assessment_id)).one()
        advice = session.get(Advice, report.advice_id)
        submission = session.get(Submission, advice.submission_id)  # type: ignore[union-attr]
        assert a is not None and submission is not None
        return Signed(
            assessment_id,
            a.reference,
            report.id or 0,
            report.pdf,
            report.sha256,
            report.audit_head_hash,
            submission.snapshot_json,
            response.status_code,
            response.headers.get("location", ""),
        )


@pytest.fixture(scope="session")
def signed_pdf(signed: Signed) -> bytes:
    return signed.pdf


# --- deriving other files --------------------------------------------------------------------


def byte_ranges(pdf: bytes) -> list[list[int]]:
    """The /ByteRange of every signature, in file order."""
    import re

    return [
        [int(n) for n in m.group(1).split()]
        for m in re.finditer(rb"/ByteRange\s*\[\s*([0-9 ]+?)\s*\]", pdf)
    ]


def flip_byte_in_signed_range(pdf: bytes) -> bytes:
    """One bit changed in the middle of the first signed range (not inside /Contents)."""
    start, length, _s2, _l2 = byte_ranges(pdf)[0]
    data = bytearray(pdf)
    data[start + length // 2] ^= 0x01
    return bytes(data)


def unsigned_pdf() -> bytes:
    import weasyprint

    pdf: bytes = weasyprint.HTML(string="<p>Geen handtekening.</p>").write_pdf()
    return pdf


def png_bytes() -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        )

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


# --- poppler / NSS ---------------------------------------------------------------------------

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil") and shutil.which("pdftotext")),
    reason="poppler-utils (pdfsig, pdftotext) and NSS certutil are needed",
)


@pytest.fixture(scope="session")
def ca_pem(pki: DevPki) -> bytes:
    from app.reports.signing import load_signing_key, trust_anchor_pem

    return trust_anchor_pem(load_signing_key(get_settings()))


@pytest.fixture(scope="session")
def nss_dir(tmp_path_factory: pytest.TempPathFactory, ca_pem: bytes) -> str:
    """An NSS database that trusts the exported CA."""
    if not shutil.which("certutil"):
        pytest.skip("NSS certutil is not installed")
    directory = tmp_path_factory.mktemp("nss")
    (directory / "ca.pem").write_bytes(ca_pem)
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{directory}",
            "-n",
            "datawaarden",
            "-t",
            "CT,C,C",
            "-i",
            str(directory / "ca.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return f"sql:{directory}"


def pdfsig(nss: str, data: bytes, tmp_path: Path, name: str = "file.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        ["pdfsig", "-nssdir", nss, str(path)], capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


def pdftotext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout
