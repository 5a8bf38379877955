"""Rendering with settings other than the defaults (no signing needed)."""

from __future__ import annotations

import re
import shutil

import pytest

from app.assessments.models import Assessment
from app.config import get_settings
from app.reports import render
from app.reports.models import Report
from app.reviews.models import Advice
from app.timeutil import utcnow
from app.users.models import User
from tests.reports.conftest import pdftotext

ORG = 'Gemeente \'s-Hertogenbosch & "Bossche" Bol'


@pytest.fixture(scope="module")
def source(world, signed) -> render.ReportSource:  # type: ignore[no-untyped-def]
    settings = get_settings().model_copy(update={"org_name": ORG})
    with world.session() as session:
        report = session.get(Report, signed.report_id)
        assert report is not None
        return render.gather(
            session,
            assessment=session.get(Assessment, signed.assessment_id),
            advice=session.get(Advice, report.advice_id),
            settings=settings,
            audit_head=report.audit_head_hash,
            signer=session.get(User, report.signed_by_id),
            now=utcnow(),
        )


def test_it_escapes_the_organisation_in_the_body_of_the_html(source):
    html = render.render_html(source)
    body = html.split("<body>", 1)[1]
    assert "&#39;s-Hertogenbosch" in body  # HTML-escaped where HTML is parsed
    assert ORG not in body


def test_it_prints_the_organisation_literally_in_the_running_header(source, tmp_path):
    """The running header is a CSS string in a <style> element, where HTML entities are not
    decoded: an organisation name with an apostrophe (as in 's-Hertogenbosch or
    's-Gravenhage), an ampersand or a quote must still print as typed."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    text = pdftotext(render.render_pdf(source), tmp_path)
    cover, rest = text.split("\f", 1)
    assert ORG in cover  # the cover is HTML: fine
    headers = [line for line in rest.splitlines() if "Bossche" in line]
    assert len(headers) >= 2, "no running headers found"
    for line in headers:
        assert not re.search(r"&(#\d+|amp|quot|lt|gt);", line), line
        assert ORG in line, line


def test_it_names_the_questionnaire_version_on_the_cover(source, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    cover = pdftotext(render.render_pdf(source), tmp_path).split("\f", 1)[0]
    version = source.context["version"]
    assert f"{version.key}, versie {version.version}" in " ".join(cover.split())
