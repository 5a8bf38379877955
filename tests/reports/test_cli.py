"""The command line: `datawaarden report verify FILE`, `signing export-ca` and `demo`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.users.models import User
from tests.conftest import build_database
from tests.reports.conftest import (
    World,
    flip_byte_in_signed_range,
    png_bytes,
    unsigned_pdf,
)

CLI = [sys.executable, "-m", "app"]


def run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(
        CLI + args,
        env={**env, "COLUMNS": "200", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def env_for(database_url: str | None, data_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if database_url is None:
        env.pop("DATAWAARDEN_DATABASE_URL", None)
    else:
        env["DATAWAARDEN_DATABASE_URL"] = database_url
    if data_dir is not None:
        env["DATAWAARDEN_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, signed) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("cli-files")
    made = {
        "good": signed.pdf,
        "tampered": flip_byte_in_signed_range(signed.pdf),
        "unsigned": unsigned_pdf(),
        "png": png_bytes(),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = directory / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths


def test_it_accepts_the_stored_report(world: World, files, signed):  # type: ignore[no-untyped-def]
    done = run(["report", "verify", str(files["good"])], env_for(world.url))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature Signature1: intact, valid; certificate Datawaarden signing" in done.stdout
    assert (
        "OK   That the certificate was valid at that moment is proven by the timestamp"
        in done.stdout
    )
    assert "names Chris Chair as the chair on whose behalf" in done.stdout
    assert f"This file is the archived report {signed.reference}." in done.stdout
    assert "The embedded data matches the archived snapshot." in done.stdout


def test_it_judges_the_report_at_a_later_date(world: World, files, signed):  # type: ignore[no-untyped-def]
    from app.config import get_settings
    from app.reports.signing import load_signing_key

    key = load_signing_key(get_settings())
    expired = key.signer.signing_cert.not_valid_after.year + 1
    later = run(
        ["report", "verify", str(files["good"]), "--at", f"{expired}-06-30"], env_for(world.url)
    )
    assert later.returncode == 0, later.stdout + later.stderr
    assert f"On 30 June {expired} the report validates." in later.stdout
    # After the newest timestamp's certificate expired, nothing proves it any longer.
    too_late = run(
        ["report", "verify", str(files["good"]), "--at", "2199-01-01"], env_for(world.url)
    )
    assert too_late.returncode == 1
    assert "its timestamps should have been renewed" in too_late.stdout
    wrong = run(["report", "verify", str(files["good"]), "--at", "soon"], env_for(world.url))
    assert wrong.returncode == 2 and "'soon' is not a date" in wrong.stderr


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("tampered", "BROKEN"),
        ("unsigned", "This PDF has no digital signature."),
        ("png", "This file is not a PDF."),
    ],
)
def test_it_rejects_other_files(world: World, files, name, says):  # type: ignore[no-untyped-def]
    done = run(["report", "verify", str(files[name])], env_for(world.url))
    assert done.returncode == 1, done.stdout + done.stderr
    assert says in done.stdout


def test_it_names_a_file_it_cannot_read(world: World, tmp_path):
    done = run(["report", "verify", str(tmp_path / "missing.pdf")], env_for(world.url))
    assert done.returncode == 1
    assert "Cannot read" in done.stderr


def test_it_exports_the_trust_anchor(world: World, tmp_path, ca_pem):
    target = tmp_path / "ca.pem"
    done = run(["signing", "export-ca", str(target)], env_for(world.url))
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == ca_pem
    assert target.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_it_makes_a_verifiable_demo_report_in_a_fresh_data_dir(tmp_path):
    data_dir = tmp_path / "data"
    env = env_for(None, data_dir)
    out = tmp_path / "demo.pdf"
    done = run(["demo", "--out", str(out)], env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.read_bytes().startswith(b"%PDF-1.7")
    assert (data_dir / "pki" / "signing.p12").is_file()
    assert "signed; report written to" in done.stdout
    assert "consultation of residents, open today: http" in done.stdout
    checked = run(["report", "verify", str(out)], env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "names Vera Voorzitter (demo) as the chair" in checked.stdout


def test_it_refuses_a_demo_in_a_database_with_real_users_unless_forced(tmp_path, pki):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = build_database(url)
    env = env_for(url)
    out = tmp_path / "demo.pdf"
    try:
        refused = run(["demo", "--out", str(out)], env)
        assert refused.returncode == 1
        assert "--force" in refused.stderr and "not demo data" in refused.stderr
        assert not out.exists()
        with Session(engine) as session:
            assert session.exec(select(User).where(User.is_demo)).all() == []
        forced = run(["demo", "--out", str(out), "--force"], env, timeout=300)
        assert forced.returncode == 0, forced.stdout + forced.stderr
        checked = run(["report", "verify", str(out)], env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        engine.dispose()


def test_it_verifies_on_an_auditors_machine_with_only_the_trust_anchor(  # type: ignore[no-untyped-def]
    world: World, files, signed, ca_pem, tmp_path
):
    anchor = tmp_path / "ca.pem"
    anchor.write_bytes(ca_pem)
    keyless = env_for(world.url, tmp_path / "no-key")  # no signing key in this data directory
    refused = run(["report", "verify", str(files["good"])], keyless)
    assert refused.returncode == 1 and "--trust-anchor" in refused.stderr
    done = run(["report", "verify", str(files["good"]), "--trust-anchor", str(anchor)], keyless)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"This file is the archived report {signed.reference}." in done.stdout
    audit = run(["audit", "verify", "--trust-anchor", str(anchor)], keyless)
    assert audit.returncode == 0, audit.stdout + audit.stderr
