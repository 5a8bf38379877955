"""Without BASE_URL (development), the absolute links follow the host and port the app is
served on: a report signed through `datawaarden serve` on another port than 8000 prints that
port in its verification link."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx

from app.config import get_settings
from app.reports.pki import DevPki
from tests.conftest import PASSWORD, PERSONAS
from tests.reliability.served import app_env, csrf_token, log_in, serving
from tests.reports.conftest import build_world, drive_to_advice, pdftotext


def test_a_report_signed_on_another_port_links_to_that_port(tmp_path: Path, pki: DevPki) -> None:
    world = build_world(tmp_path)
    assessment_id = drive_to_advice(world, comment=None)
    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(get_settings().pki_dir, data / "pki")  # the development PKI of the tests
    env = app_env(data, database_url=world.url)
    assert "DATAWAARDEN_BASE_URL" not in env
    with serving(env, tmp_path) as (server,), httpx.Client(timeout=120) as chair:
        port = int(server.url.rsplit(":", 1)[1])
        assert port != 8000
        assert log_in(chair, server.url, PERSONAS["chair"].email, PASSWORD).status_code == 303
        advice = f"{server.url}/committee/assessments/{assessment_id}/advice"
        signed = chair.post(
            f"{server.url}/committee/assessments/{assessment_id}/sign",
            data={"password": PASSWORD, "csrf_token": csrf_token(chair, advice)},
        )
        assert signed.status_code == 303, signed.text[-2000:]
        pdf = chair.get(f"{server.url}/assessments/{assessment_id}/report.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    world.engine.dispose()

    text = pdftotext(pdf.content, tmp_path)
    links = re.findall(r"https?://\S+/verify\?reference=\S+", text)
    assert links, text[:2000]
    assert all(link.startswith(f"http://127.0.0.1:{port}/verify?reference=DW-") for link in links)
    assert "127.0.0.1:8000" not in text
