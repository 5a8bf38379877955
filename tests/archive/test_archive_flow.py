"""The archive, the transparency register, exports and archive verify, on real signed reports."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text
from sqlmodel import select

from app.archive import register_standard
from app.archive.exports import register_csv
from app.archive.models import ArchiveEntry
from app.assessments.models import Assessment, State
from app.audit.models import AuditEvent
from app.config import get_settings
from app.db import session_scope
from app.demo import run_demo
from app.reviews.models import Advice
from tests.conftest import PASSWORD
from tests.reports.conftest import build_world, drive_to_advice
from tests.tamper import as_dba

ALGORITHM_REGISTER_KEYS = {
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen_grouping",
    "impacttoetsen",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from app.reports.pki import ensure_dev_pki

    settings = get_settings()
    ensure_dev_pki(settings.pki_dir, org_name=settings.org_name, base_url=settings.public_url)
    built = build_world(tmp_path_factory.mktemp("archive-db"))
    sample_id = drive_to_advice(built, title="Verkeerstellingen <b>dashboard</b>")
    with built.login("chair") as chair:
        assert (
            chair.post_form(
                f"/committee/assessments/{sample_id}/sign", {"password": PASSWORD}
            ).status_code
            == 303
        )
    demo = run_demo(built.engine, settings, force=True)
    with session_scope(built.engine) as session:
        demo_id = session.exec(
            select(Assessment.id).where(Assessment.reference == demo.reference)
        ).one()
    built.sample_id, built.demo_id, built.demo_reference = sample_id, demo_id, demo.reference  # type: ignore[attr-defined]
    yield built
    built.engine.dispose()


def test_it_archives_a_signed_assessment_at_once(world):
    with session_scope(world.engine) as session:
        a = session.get(Assessment, world.sample_id)
        entry = session.get(ArchiveEntry, world.sample_id)
        assert a.state == State.archived and entry is not None
        assert entry.retention_until.year == entry.signed_at.year + 20


@pytest.mark.parametrize("persona", ["auditor", "board", "chair", "admin"])
def test_it_shows_the_archive_to_auditors_the_committee_and_admins(world, persona):
    with world.login(persona) as c:
        page = c.get("/archive?q=verkeerstellingen")
        assert page.status_code == 200
        assert f"/archive/{world.sample_id}" in page.text


def test_it_refuses_the_archive_to_a_lead(world):
    with world.login("lead") as c:
        assert c.get("/archive").status_code == 403
        assert c.get(f"/archive/{world.sample_id}").status_code == 403


def test_it_updates_results_as_an_htmx_fragment_and_keeps_links_without_javascript(world):
    with world.login("auditor") as c:
        fragment = c.get("/archive?q=verkeer", headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text
        full = BeautifulSoup(c.get("/archive?q=verkeer").text, "lxml")
        assert full.select_one("form.filters")["action"] == "/archive"


def test_it_shows_the_detail_with_verification_and_records_downloads(world):
    with world.login("auditor") as c:
        page = c.get(f"/archive/{world.sample_id}")
        assert page.status_code == 200
        soup = BeautifulSoup(page.text, "lxml")
        assert "verdict-box--ok" in soup.select_one(".verdict-box")["class"]
        assert "<b>dashboard</b>" in soup.get_text()  # escaped, shown as typed
        report = c.get(f"/assessments/{world.sample_id}/report.pdf")
        assert report.status_code == 200 and report.content[:5] == b"%PDF-"
        snapshot = c.get(f"/archive/{world.sample_id}/submissions/1.json")
        assert snapshot.status_code == 200 and json.loads(snapshot.content)["reference"]
    with session_scope(world.engine) as session:
        actions = set(
            session.exec(
                select(AuditEvent.action).where(AuditEvent.assessment_id == world.sample_id)
            ).all()
        )
    assert {"report.downloaded", "archive.snapshot_downloaded"} <= actions


def test_it_publishes_only_what_the_committee_marks_public_without_staff_names(world):
    anonymous = world.client()
    assert world.demo_reference not in anonymous.get("/register").text
    assert anonymous.get(f"/register/{world.demo_reference}").status_code == 404
    assert anonymous.get(f"/register/{world.demo_reference}/report.pdf").status_code == 404
    with world.login("lead") as lead:
        assert (
            lead.post_form(f"/archive/{world.demo_id}/publication", {"public": "1"}).status_code
            == 403
        )
    with world.login("board") as board:
        assert (
            board.post_form(f"/archive/{world.demo_id}/publication", {"public": "1"}).status_code
            == 303
        )
    listing = anonymous.get("/register")
    assert world.demo_reference in listing.text
    detail = anonymous.get(f"/register/{world.demo_reference}")
    assert detail.status_code == 200
    text_only = BeautifulSoup(detail.text, "lxml").get_text()
    assert (
        "Voorzitter" not in text_only and "Commissielid (demo)" not in text_only
    )  # no staff names
    assert get_settings().committee_name in text_only
    assert anonymous.get(f"/register/{world.demo_reference}/report.pdf").content[:5] == b"%PDF-"
    feed = anonymous.get("/register/feed.atom")
    assert (
        feed.headers["content-type"].startswith("application/atom+xml")
        and world.demo_reference in feed.text
    )
    records = anonymous.get("/register.json").json()["advices"]
    assert [r["reference"] for r in records] == [world.demo_reference]
    assert all("Vera Voorzitter" not in json.dumps(r, ensure_ascii=False) for r in records)


def test_it_exports_the_register_as_csv_and_json_with_each_reference(world):
    with world.login("auditor") as c:
        rows = list(csv.DictReader(io.StringIO(c.get("/archive/export.csv").text)))
        data = c.get("/archive/export.json").json()
    with world.login("board") as board:
        assert board.get("/archive/export.csv").status_code == 403
    references = {r["reference"] for r in rows}
    assert {world.demo_reference} <= references and len(rows) == 2
    assert {r["reference"] for r in data["assessments"]} == references
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["report_sha256"]) for r in rows)


def test_it_neutralises_spreadsheet_formulas_in_csv():
    row = {
        c: ""
        for c in (
            "reference",
            "department",
            "created",
            "submitted",
            "signed",
            "outcome",
            "overall_level",
            "questionnaire",
            "report_sha256",
            "retention_until",
        )
    }
    row.update(title='=HYPERLINK("http://evil")', levels={}, obligations=[], public=False)
    out = register_csv([row])
    assert "'=HYPERLINK" in out


def test_it_exports_the_algorithm_register_with_the_standard_fields_and_limits(world):
    with world.login("auditor") as c:
        response = c.get(f"/archive/{world.demo_id}/algoritmeregister.json")
        assert response.status_code == 200
        doc = response.json()
        refused = c.get(f"/archive/{world.sample_id}/algoritmeregister.json")
        assert refused.status_code == 409
    assert set(doc) <= ALGORITHM_REGISTER_KEYS
    assert (
        doc["lang"] == "nld"
        and doc["standard_version"] == "1.0"
        and doc["source_id"] == world.demo_reference
    )
    assert doc["publication_category"] == "Hoog-risico AI-systeem"
    own = doc["impacttoetsen_grouping"][0]
    assert world.demo_reference in own["title"]
    with session_scope(world.engine) as session:
        public = session.get(ArchiveEntry, world.demo_id).is_public
    page = "/register/" if public else "/verify?reference="
    assert own["link"].endswith(f"{page}{world.demo_reference}")
    assert [str(f) for f in register_standard.findings(doc)] == []
    assert doc["category"] == ["Sociale zekerheid", "Zorg en gezondheid"]
    assert re.fullmatch(r"\d{4}-\d{2}", doc["begin_date"])
    assert doc["status"] in ("In ontwikkeling", "In gebruik", "Buiten gebruik")


def test_it_imports_an_exported_assessment_as_a_new_draft(world):
    with world.login("auditor") as c:
        exported = c.get(f"/assessments/{world.demo_id}/export.json").content
    with world.login("lead") as lead:
        response = lead.post(
            "/assessments/import",
            files={"file": ("a.json", exported, "application/json")},
            data={"csrf_token": lead.csrf()},
        )
        assert response.status_code == 303
        new_id = int(response.headers["location"].rsplit("/", 1)[1])
        bad = lead.post(
            "/assessments/import",
            files={"file": ("a.json", b"not json", "application/json")},
            data={"csrf_token": lead.csrf()},
        )
        assert bad.status_code == 422
    with session_scope(world.engine) as session:
        from app.assessments.answering import answer_values

        new = session.get(Assessment, new_id)
        original = session.get(Assessment, world.demo_id)
        assert new.state == State.draft and new.reference != original.reference
        assert answer_values(session, new) == answer_values(session, original)


def _cli(world, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture
def copy_url(world, tmp_path):
    import sqlite3

    target = tmp_path / "copy.db"
    with (
        sqlite3.connect(world.url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy)  # SQLite's online backup: consistent, WAL included
    return f"sqlite:///{target}"


def test_it_verifies_an_intact_archive_on_the_command_line(world, copy_url):
    result = _cli(world, copy_url, "archive", "verify")
    assert result.returncode == 0, result.stderr
    assert "Problems" in result.stdout


def test_it_finds_a_changed_report_byte_a_changed_snapshot_and_a_broken_chain(world, copy_url):
    from app.db import make_engine

    engine = make_engine(copy_url)
    with as_dba(engine) as conn:
        pdf = conn.execute(text("SELECT id, pdf FROM reports ORDER BY id LIMIT 1")).one()
        changed = bytearray(pdf.pdf)
        changed[len(changed) // 3] ^= 0x01
        conn.execute(
            text("UPDATE reports SET pdf = :p WHERE id = :id"), {"p": bytes(changed), "id": pdf.id}
        )
        conn.execute(
            text(
                "UPDATE submissions SET snapshot_json = snapshot_json || ' ' WHERE id = (SELECT min(id) FROM submissions)"
            )
        )
        conn.execute(
            text(
                "UPDATE audit_events SET action = 'forged' WHERE id = (SELECT min(id) + 3 FROM audit_events)"
            )
        )
    engine.dispose()
    result = _cli(world, copy_url, "archive", "verify")
    assert result.returncode == 1
    assert "PROBLEM report" in result.stderr and "PROBLEM snapshot" in result.stderr
    assert "PROBLEM audit" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_exports_from_the_command_line(world, copy_url):
    out = _cli(world, copy_url, "export", "register", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["assessments"]
    doc = _cli(world, copy_url, "export", "algoritmeregister", world.demo_reference)
    assert doc.returncode == 0 and json.loads(doc.stdout)["source_id"] == world.demo_reference
    refused = _cli(world, copy_url, "export", "algoritmeregister", "DW-0000-0000")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


def test_it_tells_residents_the_advice_its_reasons_and_whom_to_ask(world):
    with world.login("board") as board:
        board.post_form(f"/archive/{world.demo_id}/publication", {"public": "1"})
    page = BeautifulSoup(world.client().get(f"/register/{world.demo_reference}").text, "lxml")
    headings = [h.get_text(strip=True) for h in page.select("h2")]
    assert {"Advies van de commissie", "Redenen per kernwaarde"} <= set(headings)
    with session_scope(world.engine) as session:
        demo = session.exec(select(Advice).where(Advice.assessment_id == world.demo_id)).first()
        reasons = json.loads(demo.rationale_json)
        summary = demo.summary
    assert summary.strip() in page.get_text()
    # the values in the questionnaire's order, in the reasons and in the levels alike
    order = ["Transparant", "Waarde creërend", "Betrouwbaar", "Verantwoord"]
    named = [dt.get_text(strip=True) for dt in page.select("dl.answers dt")]
    assert named == [v for v in order if v in named] and len(named) == len(
        [r for r in reasons.values() if r]
    )
    levels = [li.get_text(strip=True).split(":")[0] for li in page.select("h2 + ul li")][:4]
    assert levels == order
    mail = page.select_one("a[href^='mailto:']")
    assert mail is not None and mail["href"] == "mailto:schuldhulp@haarlem.nl"
