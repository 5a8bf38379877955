"""The editable working copies (DOCX and ODT): the answers, the decision support and the
advice, opened with python-docx and odfpy as a reader's word processor would, marked as
unsigned on the page and in header and footer; the committee's draft advice only for those who
may read the committee's pages; nobody else gets them. On SQLite and PostgreSQL (a committed
database of its own per engine)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from odf import opendocument, teletype
from odf.namespaces import STYLENS
from odf.text import H

from app.assessments import answering, reading
from app.assessments.models import Assessment
from app.assessments.presenters import support_view
from app.db import session_scope
from app.questionnaires import engine
from app.reports.working_copy import DOCX_MEDIA_TYPE, ODT_MEDIA_TYPE
from tests.conftest import create_postgres_database, drop_postgres_database, skip_without_postgres
from tests.reports.conftest import World, build_world, drive_to_advice

MARKING_NL = "Werkexemplaar — niet ondertekend; alleen de ondertekende PDF geldt"
SUMMARY = "De commissie adviseert positief onder voorwaarden."  # as drive_to_advice writes it


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    url = None
    if request.param == "postgresql":
        skip_without_postgres()
        url = create_postgres_database()
    w = build_world(Path(tmp_path_factory.mktemp("working-copy")), url)
    yield w
    w.engine.dispose()
    if url:
        drop_postgres_database(url)


@pytest.fixture(scope="module")
def drafted(world: World) -> dict[str, object]:
    """A submitted assessment with a draft advice, and its reference."""
    assessment_id = drive_to_advice(world, title="Werkexemplaar dashboard", finalise=False)
    with world.session() as session:
        a = session.get(Assessment, assessment_id)
        assert a is not None
        return {"id": assessment_id, "reference": a.reference}


@pytest.fixture(scope="module")
def with_obligation(world: World) -> dict[str, object]:
    """A draft of the lead whose answers bring an obligation, and that obligation's view."""
    from app.assessments import lifecycle
    from app.questionnaires.registry import find_version

    with session_scope(world.engine) as session:
        lead = world.user(session, "lead")
        a = lifecycle.create_assessment(
            session,
            actor=lead,
            title="Meldingen openbare ruimte",
            department="Stadsbeheer",
            description="Meldingen met contactgegevens.",
            questionnaire=find_version(session, "sample"),
        )
        for qid, value in {"name": "Meldingen", "personal": "ordinary"}.items():
            answering.save_answer(
                session, assessment=a, question_id=qid, raw=value, base_version=None, actor=lead
            )
        _version, q = reading.questionnaire_of(session, a)
        ds = engine.decision_support(q, answering.answer_values(session, a))
        obligations = support_view(q, ds, "nl")["obligations"]
        assert obligations, "personal data brings the obligation to consult the DPO"
        return {"id": a.id, "reference": a.reference, "obligation": obligations[0]}


def docx_text(body: bytes) -> tuple[str, str, list[str]]:
    """The body text, the header and footer text, and the heading styles used."""
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    section = document.sections[0]
    margins = "\n".join(p.text for p in section.header.paragraphs + section.footer.paragraphs)
    headings = [p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")]
    return text, margins, headings


def odt_text(body: bytes) -> tuple[str, str, int]:
    """The body text (a line per paragraph or heading), the text of the page style's header
    and footer, and the number of headings."""
    document = opendocument.load(io.BytesIO(body))
    text = "\n".join(teletype.extractText(p) for p in document.text.childNodes)
    margins = "\n".join(
        teletype.extractText(part)
        for master in document.masterstyles.childNodes
        for part in master.childNodes
        if part.qname in ((STYLENS, "header"), (STYLENS, "footer"))
    )
    return text, margins, len(document.text.getElementsByType(H))


def download(world: World, who: str, url: str):  # type: ignore[no-untyped-def]
    with world.login(who) as client:
        return client.get(url)


def test_it_gives_the_committee_a_docx_with_answers_support_and_the_draft_advice(world, drafted):
    response = download(world, "board", f"/assessments/{drafted['id']}/working-copy.docx")
    assert response.status_code == 200
    assert response.headers["content-type"] == DOCX_MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{drafted["reference"]}-werkexemplaar.docx"'
    text, margins, headings = docx_text(response.content)
    assert text.index(MARKING_NL) < text.index("Beslisondersteuning")  # at the top
    assert MARKING_NL in margins
    assert drafted["reference"] in text
    assert "Verkeerstellingen" in text  # the answer to "name"
    assert SUMMARY in text
    assert (
        "1. Publiceer het dashboard in het algoritmeregister. "
        "(eigenaar: Team Mobiliteit, uiterlijk 31 maart 2027)"
    ) in text
    assert {"Heading 1", "Heading 2"} <= set(headings)


def test_it_gives_the_committee_an_odt_with_the_same_content(world, drafted):
    response = download(world, "chair", f"/assessments/{drafted['id']}/working-copy.odt")
    assert response.status_code == 200
    assert response.headers["content-type"] == ODT_MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].endswith('-werkexemplaar.odt"')
    text, margins, headings = odt_text(response.content)
    assert text.index(MARKING_NL) < text.index("Beslisondersteuning")
    assert MARKING_NL in margins
    assert drafted["reference"] in text
    assert "Verkeerstellingen" in text
    assert SUMMARY in text
    assert headings >= 3


def test_it_leaves_the_draft_advice_out_of_the_authors_copy(world, drafted):
    response = download(world, "lead", f"/assessments/{drafted['id']}/working-copy.docx")
    assert response.status_code == 200
    text, _margins, _headings = docx_text(response.content)
    assert "Verkeerstellingen" in text
    assert SUMMARY not in text
    odt = download(world, "lead", f"/assessments/{drafted['id']}/working-copy.odt")
    assert SUMMARY not in odt_text(odt.content)[0]


def test_it_marks_the_copy_in_english_for_an_english_reader(world, drafted):
    with world.login("board") as client:
        client.cookies.set("dw_lang", "en")
        response = client.get(f"/assessments/{drafted['id']}/working-copy.docx")
    text, margins, _headings = docx_text(response.content)
    assert "Working copy — not signed; only the signed PDF counts" in margins
    assert "Decision support" in text


@pytest.mark.parametrize("extension", ["docx", "odt"])
def test_it_refuses_someone_who_may_not_read_the_assessment(world, drafted, extension):
    response = download(world, "lead2", f"/assessments/{drafted['id']}/working-copy.{extension}")
    assert response.status_code in (403, 404)
    assert SUMMARY.encode() not in response.content


def test_it_offers_both_copies_on_the_overview(world, drafted):
    with world.login("lead") as client:
        page = client.get(f"/assessments/{drafted['id']}").text
    assert f"/assessments/{drafted['id']}/working-copy.docx" in page
    assert f"/assessments/{drafted['id']}/working-copy.odt" in page


def test_it_lists_the_obligations_with_severity_reason_and_what_to_do(world, with_obligation):
    url = f"/assessments/{with_obligation['id']}/working-copy"
    o = with_obligation["obligation"]
    docx_body, _margins, _headings = docx_text(download(world, "lead", f"{url}.docx").content)
    odt_body = odt_text(download(world, "lead", f"{url}.odt").content)[0]
    for text in (docx_body, odt_body):
        assert with_obligation["reference"] in text
        assert "Meldingen" in text  # the answer to "name"
        assert f"{o['title']} ({o['severity_label']})" in text
        assert f"Waarom: {o['reason']}" in text
        assert f"Wat u moet doen: {o['description']}" in text


def test_it_leaves_the_draft_advice_out_for_a_member_who_declared_a_conflict(world):
    from app.reviews.intake import declare_conflict
    from app.users.models import Role

    assessment_id = drive_to_advice(
        world, title="Werkexemplaar met belangenconflict", finalise=False
    )
    with world.session() as session:
        declare_conflict(
            session,
            assessment=session.get(Assessment, assessment_id),
            actor=world.user(session, "board"),
            roles={Role.board},
            reason="Ik werk bij de leverancier.",
        )
        session.commit()
    conflicted = download(world, "board", f"/assessments/{assessment_id}/working-copy.docx")
    assert conflicted.status_code == 200
    assert SUMMARY not in docx_text(conflicted.content)[0]
    auditor = download(world, "auditor", f"/assessments/{assessment_id}/working-copy.docx")
    assert SUMMARY in docx_text(auditor.content)[0]
