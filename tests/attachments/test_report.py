"""At signing, each file the snapshot lists is embedded in the PDF/A-3 as an associated file
(relationship Supplement); verification and `archive verify` check that each is there with the
bytes its SHA-256 names, and say so in words when one is missing or altered."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
import pytest
from sqlmodel import Session, select

from app.archive.integrity import verify_archive
from app.archive.service import sign_and_archive
from app.assessments.models import Assessment, Submission
from app.attachments import service as attachments
from app.config import get_settings
from app.db import session_scope
from app.i18n import use_locale
from app.reports import checking, render
from app.reports.models import Report
from app.reports.seal import organisation_seal
from app.users.models import Role
from tests.attachments import files
from tests.conftest import (
    COMPLETE_SAMPLE_ANSWERS,
    PASSWORD,
    create_postgres_database,
    drop_postgres_database,
    skip_without_postgres,
)
from tests.reports.conftest import BOARD, CHAIR, World, build_world

EVIDENCE = [
    ("name", "DPIA verkeerstellingen.pdf", files.pdf),
    ("published", "foto.png", files.png),
]


@dataclass(frozen=True)
class Signed:
    assessment_id: int
    reference: str
    pdf: bytes
    snapshot_json: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory, dev_pki) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    built = build_world(tmp_path_factory.mktemp("evidence-db"), url)
    yield built
    built.engine.dispose()
    if url is not None:
        drop_postgres_database(url)


def sign_with_evidence(world: World, title: str) -> Signed:
    """An assessment with two attached files, submitted, advised, finalised and signed."""
    from app.assessments import answering, lifecycle
    from app.questionnaires.registry import find_version
    from app.reviews import advising, intake

    with session_scope(world.engine) as session:
        lead, board, chair = (world.user(session, k) for k in ("lead", "board", "chair"))
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title=title,
            department="Mobiliteit",
            description="Met bewijsstukken.",
            questionnaire=find_version(session, "sample"),
        )
        for qid, value in COMPLETE_SAMPLE_ANSWERS.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        for qid, name, make in EVIDENCE:
            attachments.add_attachment(
                session,
                assessment=a,
                actor=lead,
                roles=frozenset({Role.lead}),
                filename=name,
                data=make(),
                question_id=qid,
            )
        lifecycle.submit_assessment(session, assessment=a, actor=lead)
        intake.claim_rapporteur(session, assessment=a, actor=board, roles=BOARD)
        advising.save_advice(
            session,
            assessment=a,
            actor=board,
            roles=BOARD,
            outcome="positive",
            summary="De commissie adviseert positief.",
            rationale={},
            conditions=[],
            reassess_on="",
        )
        for member, roles in ((board, BOARD), (chair, CHAIR)):
            advising.record_opinion(
                session, assessment=a, actor=member, roles=roles, stance="agree", note=""
            )
        advising.finalise_advice(session, assessment=a, actor=chair, roles=CHAIR)
        assessment_id, chair_id = a.id or 0, chair.id or 0
    sign_and_archive(
        world.engine,
        assessment_id=assessment_id,
        actor_id=chair_id,
        roles=CHAIR,
        password=PASSWORD,
        settings=get_settings(),
    )
    with world.session() as session:
        a = session.get(Assessment, assessment_id)
        report = session.exec(select(Report).where(Report.assessment_id == assessment_id)).one()
        submission = session.exec(
            select(Submission).where(Submission.assessment_id == assessment_id)
        ).one()
        return Signed(assessment_id, a.reference, bytes(report.pdf), submission.snapshot_json)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def signed(world: World) -> Signed:
    return sign_with_evidence(world, "Met bewijs")


def tampered_renderer(original):  # type: ignore[no-untyped-def]
    """A renderer whose PDF, before it is signed, carries other bytes for the first file and
    lacks the second: as if someone re-embedded the evidence outside the application."""

    def render_pdf(source, **kwargs):  # type: ignore[no-untyped-def]
        data = original(source, **kwargs)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            names = pdf.Root.Names.EmbeddedFiles.Names
            kept = pikepdf.Array()
            for index in range(0, len(names), 2):
                name, spec = str(names[index]), names[index + 1]
                if name.startswith("evidence-01-"):
                    spec.EF.F.write(b"%PDF-1.7\n% another document\n%%EOF\n")
                if not name.startswith("evidence-02-"):
                    kept.extend([names[index], spec])
            pdf.Root.Names.EmbeddedFiles.Names = kept
            out = io.BytesIO()
            pdf.save(out)
        return out.getvalue()

    return render_pdf


@pytest.fixture(scope="module")
def tampered(world: World) -> Iterator[Signed]:
    patch = pytest.MonkeyPatch()
    patch.setattr(render, "render_pdf", tampered_renderer(render.render_pdf))
    try:
        yield sign_with_evidence(world, "Met gewijzigd bewijs")
    finally:
        patch.undo()


def embedded(pdf: bytes) -> dict[str, pikepdf.Dictionary]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        names = doc.Root.Names.EmbeddedFiles.Names
        return {
            str(names[i]): {
                "relationship": str(names[i + 1].get("/AFRelationship")),
                "bytes": names[i + 1].EF.F.read_bytes(),
                "in_af": any(spec.objgen == names[i + 1].objgen for spec in doc.Root.AF),
            }
            for i in range(0, len(names), 2)
        }


def test_it_embeds_each_attached_file_as_a_supplement_of_the_pdf_a(signed):
    found = embedded(signed.pdf)
    assert found["evidence-01-DPIA verkeerstellingen.pdf"]["bytes"] == files.pdf()
    assert found["evidence-02-foto.png"]["bytes"] == files.png()
    for name in ("evidence-01-DPIA verkeerstellingen.pdf", "evidence-02-foto.png"):
        assert found[name]["relationship"] == "/Supplement" and found[name]["in_af"], name
    assert found["datawaarden-snapshot.json"]["relationship"] == "/Data"
    assert found["datawaarden-snapshot.json"]["bytes"] == signed.snapshot_json.encode()
    with pikepdf.open(io.BytesIO(signed.pdf)) as doc:
        with doc.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            assert meta.get("pdfaid:part") == "3" and meta.get("pdfaid:conformance") == "B"
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"


def test_an_untampered_report_with_evidence_validates(world, signed):
    with world.session() as session, use_locale("en"):
        check = checking.verify_file(session, signed.pdf, settings=get_settings())
        statements = [s.text for s in check.statements("Gemeente")]
    assert check.result.signatures_ok and check.result.long_term
    assert [e.problem for e in check.result.evidence] == [None, None]
    assert check.ok, statements
    assert "The 2 files attached to the answers are embedded in the report unchanged" in " ".join(
        statements
    )


def test_archive_verify_finds_nothing_wrong_with_it(world, signed):
    result = run_archive_verify(world)
    assert not [p for p in result.problems if p.subject == signed.reference], result.problems


def test_a_missing_or_altered_file_is_a_finding_in_words(world, tampered):
    with world.session() as session, use_locale("en"):
        check = checking.verify_file(session, tampered.pdf, settings=get_settings())
        statements = [(s.ok, s.text) for s in check.statements("Gemeente")]
    assert check.result.signatures_ok  # the signature holds: what it signed is wrong
    assert not check.ok
    assert (
        False,
        "The attached file “DPIA verkeerstellingen.pdf” embedded in the report does not match "
        "the SHA-256 that the snapshot lists: it was changed.",
    ) in statements
    assert (
        False,
        "The attached file “foto.png” that the snapshot lists is not embedded in the report.",
    ) in statements
    findings = [p for p in run_archive_verify(world).problems if p.subject == tampered.reference]
    assert [f.kind for f in findings] == ["evidence", "evidence"], findings
    assert "the embedded bytes do not match the SHA-256 the snapshot lists" in findings[0].detail
    assert "DPIA verkeerstellingen.pdf" in findings[0].detail
    assert "not embedded in the report" in findings[1].detail and "foto.png" in findings[1].detail


def test_a_file_changed_after_signing_breaks_the_signature_not_the_check(world, signed):
    with pikepdf.open(io.BytesIO(signed.pdf)) as pdf:
        names = pdf.Root.Names.EmbeddedFiles.Names
        for index in range(0, len(names), 2):
            if str(names[index]).startswith("evidence-01-"):
                names[index + 1].EF.F.write(b"%PDF-1.7\n% altered\n%%EOF\n")
        out = io.BytesIO()
        pdf.save(out)
    with world.session() as session, use_locale("en"):
        check = checking.verify_file(session, out.getvalue(), settings=get_settings())
        texts = " ".join(s.text for s in check.statements("Gemeente"))
    assert not check.ok and not check.result.signatures_ok
    assert "not confirm" in texts or "broken" in texts or "changed" in texts


def test_the_public_edition_carries_neither_the_files_nor_their_names(world, signed):
    from app.reports.models import PublicReport

    with world.session() as session:
        public = session.exec(
            select(PublicReport).where(PublicReport.assessment_id == signed.assessment_id)
        ).one()
        found = embedded(bytes(public.pdf))
    assert not [n for n in found if n.startswith("evidence-")]
    assert b"DPIA verkeerstellingen" not in found["datawaarden-snapshot.json"]["bytes"]


def run_archive_verify(world: World):  # type: ignore[no-untyped-def]
    settings = get_settings()
    with Session(world.engine) as session:
        return verify_archive(
            session,
            validator=checking.validator_for(settings),
            sealer=organisation_seal(settings),
            checkpoint_file=None,
            workers=0,
        )


def test_the_command_line_names_the_finding_and_fails(world, tampered):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": world.url}
    done = subprocess.run(
        [sys.executable, "-m", "app", "archive", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output
    assert "foto.png" in output and "not embedded in the report" in " ".join(output.split())
