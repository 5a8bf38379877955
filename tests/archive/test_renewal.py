"""`datawaarden archive timestamp`: a fresh document timestamp for reports whose newest one
expires within the horizon, stored as a new version that extends the old bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlmodel import col, select

from app.archive.service import sign_and_archive
from app.audit.models import AuditEvent
from app.config import get_settings
from app.reports.checking import trust_roots
from app.reports.models import Report
from app.reports.verify import verify_pdf
from tests.conftest import PASSWORD
from tests.reports.conftest import CHAIR, build_world, drive_to_advice


@pytest.fixture(scope="module")
def archived(tmp_path_factory, dev_pki):  # type: ignore[no-untyped-def]
    world = build_world(tmp_path_factory.mktemp("renewal"))
    assessment_id = drive_to_advice(world, title="Te vernieuwen")
    sign_and_archive(
        world.engine,
        assessment_id=assessment_id,
        actor_id=world.users["chair"],
        roles=CHAIR,
        password=PASSWORD,
        settings=get_settings(),
    )
    yield world, assessment_id
    world.engine.dispose()


def _cli(world, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "DATAWAARDEN_DATABASE_URL": world.url}
    done = subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def _versions(world, assessment_id):  # type: ignore[no-untyped-def]
    with world.session() as session:
        return list(
            session.exec(
                select(Report)
                .where(Report.assessment_id == assessment_id)
                .order_by(col(Report.sequence))
            ).all()
        )


def test_it_leaves_reports_alone_whose_timestamp_outlives_the_horizon(archived):
    world, assessment_id = archived
    done = _cli(world, "archive", "timestamp", "--within-days", "30")
    assert done.returncode == 0, done.stderr
    assert "0 renewed" in done.stdout
    assert len(_versions(world, assessment_id)) == 1


def test_it_renews_a_timestamp_that_expires_within_the_horizon(archived):
    world, assessment_id = archived
    (first,) = _versions(world, assessment_id)
    done = _cli(world, "archive", "timestamp", "--within-days", "20000")
    assert done.returncode == 0, done.stderr
    assert "1 renewed" in done.stdout
    old, new = _versions(world, assessment_id)
    assert old.pdf == first.pdf and new.kind == "timestamp" and new.signed_by_id is None
    assert new.pdf.startswith(old.pdf) and new.sequence == 2
    result = verify_pdf(new.pdf, trust_roots=trust_roots(get_settings()))
    assert result.signatures_ok and len(result.timestamps) == 2
    with world.session() as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "report.timestamped")
        ).one()
    details = json.loads(event.details_json)
    assert details == {"sha256": new.sha256, "sequence": 2, "extends": old.sha256}
    with world.login("auditor") as auditor:
        download = auditor.get(f"/assessments/{assessment_id}/report.pdf")
    assert download.content == new.pdf
    verified = _cli(world, "archive", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_it_refuses_a_negative_horizon(archived):
    world, _ = archived
    done = _cli(world, "archive", "timestamp", "--within-days", "-1")
    assert done.returncode == 2 and "--within-days" in done.stderr
