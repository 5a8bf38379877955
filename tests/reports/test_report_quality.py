"""The signed report as people read it: the levels chart in colour, a tagged (accessible) PDF,
answers in tables, the lead's replies, Dutch dates and numbers and the basis codes explained.

The demo (`app.demo.run_demo`) makes the richest report: the Haarlem questionnaire with a
data-sources table, a comment with the lead's reply and conditions with due dates."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlmodel import select

from app.config import get_settings
from app.formatting import day, percent
from app.questionnaires.registry import definition_of, find_version
from app.reports.models import PublicReport
from tests.reports.conftest import build_world, open_pdf, pdftotext

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdfinfo") and shutil.which("pdftotext")),
    reason="poppler-utils (pdftoppm, pdfinfo, pdftotext) are needed",
)
# The fills of the levels chart (templates/pdf/report.html) and the Dutch level labels.
FILLS = {"low": (0x2F, 0x7D, 0x62), "medium": (0x8A, 0x6D, 0x00), "high": (0xB3, 0x20, 0x2E)}
LEVEL_WORDS = {"Laag": "low", "Midden": "medium", "Hoog": "high"}
REPLY = "Ja, de toets is uitgevoerd en het antwoord is aangevuld."


@dataclass(frozen=True)
class Demo:
    pdf: bytes
    public_pdf: bytes
    principles: dict[str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, pki) -> Demo:  # type: ignore[no-untyped-def]
    from app.demo import run_demo

    world = build_world(tmp_path_factory.mktemp("quality"))
    settings = get_settings()
    try:
        result = run_demo(world.engine, settings, force=True)  # the personas are not demo users
        with world.session() as session:
            public = session.exec(select(PublicReport)).one()
            q = definition_of(find_version(session, settings.default_questionnaire))
            principles = {p.id: p.text.get("nl") for p in q.principles}
        return Demo(result.report, public.pdf, principles)
    finally:
        world.engine.dispose()


@pytest.fixture(scope="module")
def pages(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The text of the signed report, page by page."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return pdftotext(demo.pdf, tmp_path_factory.mktemp("text")).split("\f")


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(pages))


def raster(pdf: bytes, page: int, directory: Path) -> Image.Image:
    (directory / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile"]
        + [str(directory / "report.pdf"), str(directory / "page")],
        check=True,
        timeout=120,
    )
    return Image.open(io.BytesIO((directory / "page.png").read_bytes())).convert("RGB")


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- the levels chart ------------------------------------------------------------------------


@needs_poppler
def test_it_prints_the_levels_chart_in_the_level_colours_not_in_black(demo, pages, tmp_path):
    number = next(i for i, p in enumerate(pages, 1) if "Niveaus per kernwaarde" in p)
    levels = {LEVEL_WORDS[w] for w in re.findall(r"\b(Laag|Midden|Hoog)\b", pages[number - 1])}
    assert levels, "the chart's page names no level"
    image = raster(demo.pdf, number, tmp_path)
    pixels = list(image.get_flattened_data())
    for level in levels:
        coloured = sum(1 for p in pixels if near(p, FILLS[level]))
        assert coloured > 150, f"no bar in the colour of {level} ({coloured} pixels)"
    # Text is #2e2e33 at its darkest; black bars would be hundreds of (near) black pixels.
    black = sum(1 for p in pixels if max(p) < 30)
    assert black < 40, f"{black} black pixels: the bars came out black"


def test_it_gives_the_figures_of_the_chart_in_a_table_beside_it(text):
    after_chart = text.split("Niveaus per kernwaarde", 1)[1]
    assert re.search(r"Kernwaarde Niveau Voor maatregelen Na maatregelen", after_chart)
    assert re.search(r"Transparant Midden \d+ / \d+ \(\d+,\d %\)", after_chart)


# --- tagged, accessible PDF ------------------------------------------------------------------


def structure(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element of the tagged PDF, depth first."""
    found: list[pikepdf.Dictionary] = []
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/MCR":
                if "/S" in kid:
                    found.append(kid)
                stack.append(kid)
    return found


@needs_poppler
def test_it_is_a_tagged_pdf_that_pdfinfo_recognises(demo, tmp_path):
    for name, data in (("report.pdf", demo.pdf), ("public.pdf", demo.public_pdf)):
        (tmp_path / name).write_bytes(data)
        info = subprocess.run(
            ["pdfinfo", str(tmp_path / name)], capture_output=True, text=True, timeout=60
        )
        assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M), (name, info.stdout)


def test_it_tags_headings_table_headers_and_the_chart_with_its_text(demo):
    with open_pdf(demo.pdf) as pdf:
        assert pdf.Root.MarkInfo.get("/Marked") is True
        assert str(pdf.Root.Lang) == "nl"
        elements = structure(pdf)
        kinds = [str(e.S) for e in elements]
        for kind in ("/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/Figure"):
            assert kind in kinds, kind
        # every data cell knows its header cells
        cells = [e for e in elements if e.S == "/TD"]
        assert cells and all(len(e.A.get("/Headers", [])) >= 1 for e in cells)
        alts = [str(e.Alt) for e in elements if e.S == "/Figure" and "/Alt" in e]
        chart = next(a for a in alts if a.startswith("Restrisico") or "Transparant" in a)
        for value in ("Transparant", "Waarde creërend", "Betrouwbaar", "Verantwoord"):
            assert value in chart, chart
        assert re.search(r"Transparant: Midden \(\d+ \S+ \d+ \S+\)", chart), chart


def test_it_keeps_the_pdf_a_3b_markers_in_the_tagged_report(demo):
    with open_pdf(demo.pdf) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            assert meta.get("pdfaid:part") == "3"
            assert meta.get("pdfaid:conformance") == "B"
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFA1"


# --- content ---------------------------------------------------------------------------------


def test_it_prints_the_data_sources_as_a_table_not_as_run_on_text(text):
    after = text.split("Welke gegevensbronnen gebruikt het project?", 1)[1]
    assert re.match(r"\s*\[[^\]]+\] Bron Eigenaar \(afdeling of organisatie\)", after), after[:200]
    assert "Bron: " not in text  # the old "Bron: ..., Eigenaar: ..." lines


def test_it_prints_the_leads_reply_with_the_resolved_comment(demo, text):
    comment = "Is het model getoetst op ongelijke uitkomsten voor groepen huishoudens?"
    assert comment in text and REPLY in text
    between = text.split(comment, 1)[1].split(REPLY, 1)[0]
    assert "Lotte de Leider (demo)" in between  # the reply names its author


@needs_poppler
def test_it_leaves_the_reply_out_of_the_public_edition(demo, tmp_path):
    public = re.sub(r"\s+", " ", pdftotext(demo.public_pdf, tmp_path))
    assert REPLY not in public and "Lotte de Leider" not in public


def test_it_writes_dates_and_numbers_the_dutch_way(text):
    assert "31 december 2026" in text and "28 februari 2027" in text  # due dates
    assert "1 december 2027" in text  # re-assess on
    assert "1 september 2025" in text  # a date answer
    assert "60.000 personen" in text  # a number answer
    assert re.search(r"\(\d+,\d %\)", text)
    assert not re.search(r"\d+\.\d+ ?%", text)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), re.findall(
        r"\S*\d{4}-\d{2}-\d{2}\S*", text
    )


def test_it_explains_every_basis_code_that_it_prints(demo, pages, text):
    codes = {c for group in re.findall(r"\[([A-Z0-9, ]+)\]", text) for c in group.split(", ")}
    assert {"T1", "T3", "B4"} <= codes
    # on the contents page, which each chapter points to
    legend = re.sub(r"\s+", " ", next(p for p in pages if "Inhoud" in p))
    number = next(i for i, p in enumerate(pages, 1) if "Inhoud" in p)
    chapters = [p for p in pages if "Oordeel van de commissie" in p]
    assert chapters and all(re.search(rf"(page|pagina)\s+{number}\.", p) for p in chapters)
    for code in sorted(codes):
        explanation = re.sub(r"\s+", " ", demo.principles[code])
        assert f"{code} {explanation}" in legend, code


def test_it_formats_numbers_and_dates_in_the_report_language():
    assert percent(36.0, "nl") == "36,0 %"
    assert percent(36.0, "en") == "36.0%"
    assert day(date(2026, 12, 1), "nl") == "1 december 2026"
    assert day("2026-12-01", "en") == "1 December 2026"
    assert day("2026-11-30T23:30:00+00:00", "nl") == "1 december 2026"  # Amsterdam time
    assert day("", "nl") == "–"
