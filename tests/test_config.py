"""Settings: wrong values stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import (
    ROOT,
    Settings,
    SettingsError,
    get_settings,
    load_settings,
    note_served_origin,
    served_origin,
)


def test_it_names_a_wrong_database_url(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_DATABASE_URL", "mysql://nope")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "DATAWAARDEN_DATABASE_URL" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_it_refuses_production_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_ENV", "production")
    monkeypatch.setenv("DATAWAARDEN_SECRET_KEY", "")
    monkeypatch.setenv("DATAWAARDEN_BASE_URL", "https://datawaarden.example.org")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "SECRET_KEY" in str(excinfo.value)


def test_it_refuses_an_unreadable_signing_file(monkeypatch, tmp_path):
    monkeypatch.setenv("DATAWAARDEN_SIGNING_P12", str(tmp_path / "missing.p12"))
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "DATAWAARDEN_SIGNING_P12" in str(excinfo.value)


def test_it_refuses_a_setting_of_the_wrong_type(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "DATAWAARDEN_SESSION_IDLE_MINUTES" in str(excinfo.value)


def test_it_generates_and_keeps_a_development_secret_key(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="")
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert settings.resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_development_key_written_first_by_another_process_is_the_one_used(tmp_path):
    from app.config import _create_key_file

    path = tmp_path / "secret_key"
    _create_key_file(path)
    theirs = path.read_text()
    _create_key_file(path)  # a second worker starting at the same moment
    assert path.read_text() == theirs
    assert Settings(data_dir=tmp_path, secret_key="").resolved_secret_key() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_it_prints_one_line_and_no_traceback_when_the_cli_gets_a_bad_setting(tmp_path):
    env = dict(os.environ, DATAWAARDEN_DATABASE_URL="oracle://x")
    result = subprocess.run(
        [sys.executable, "-m", "app", "users", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATAWAARDEN_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_it_refuses_to_serve_with_a_bad_setting_without_a_traceback():
    env = dict(os.environ, DATAWAARDEN_BASE_URL="ftp://x")
    result = subprocess.run(
        [sys.executable, "-c", "import app.asgi"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATAWAARDEN_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_to_start_in_production_without_a_usable_signing_key(tmp_path):
    broken = tmp_path / "signing.p12"
    broken.write_bytes(b"garbage")
    env = dict(
        os.environ,
        DATAWAARDEN_ENV="production",
        DATAWAARDEN_SECRET_KEY="p" * 40,
        DATAWAARDEN_BASE_URL="https://datawaarden.example.org",
        DATAWAARDEN_SIGNING_P12=str(broken),
        DATAWAARDEN_SIGNING_P12_PASSWORD="wrong-password-123",
        DATAWAARDEN_TSA_URL="http://127.0.0.1:9/tsa",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import app.asgi"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATAWAARDEN_SIGNING_P12" in result.stderr
    assert "wrong-password-123" not in result.stderr and "Traceback" not in result.stderr


def test_it_refuses_production_without_a_timestamp_authority_or_with_the_development_pki(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("DATAWAARDEN_ENV", "production")
    monkeypatch.setenv("DATAWAARDEN_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("DATAWAARDEN_BASE_URL", "https://datawaarden.example.org")
    with pytest.raises(SettingsError, match="SIGNING_P12: production needs"):
        load_settings()
    key = tmp_path / "signing.p12"
    key.write_bytes(b"x")
    monkeypatch.setenv("DATAWAARDEN_SIGNING_P12", str(key))
    with pytest.raises(SettingsError, match="TSA_URL: production needs a timestamp authority"):
        load_settings()
    monkeypatch.setenv("DATAWAARDEN_ALLOW_NO_TSA", "true")
    assert load_settings().allow_no_tsa


def test_it_refuses_the_development_signing_certificate_in_production(dev_pki):
    from app.reports.signing import SigningUnavailable, load_signing_key

    settings = get_settings().model_copy(update={"env": "production"})
    with pytest.raises(SigningUnavailable):
        load_signing_key(settings)


def test_it_keeps_the_data_in_the_projects_var_folder_wherever_it_starts(monkeypatch, tmp_path):
    monkeypatch.delenv("DATAWAARDEN_DATA_DIR", raising=False)
    monkeypatch.delenv("DATAWAARDEN_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.data_dir == ROOT / "var" and settings.data_dir.is_absolute()
    assert settings.signing_p12_path == ROOT / "var" / "pki" / "signing.p12"
    assert settings.resolved_database_url == f"sqlite:///{ROOT / 'var' / 'datawaarden.db'}"


def test_the_cli_finds_the_same_signing_key_from_any_folder(tmp_path):
    """`datawaarden` run from /tmp reads the project's var/ as `make run` does (read-only here:
    it either exports the same trust anchor or names the same absolute path as missing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAWAARDEN_")}
    cli = Path(sys.executable).parent / "datawaarden"

    def export(cwd: Path) -> tuple[subprocess.CompletedProcess[str], bytes | None]:
        out = tmp_path / f"ca-{cwd.name or 'root'}.pem"
        result = subprocess.run(
            [str(cli), "signing", "export-ca", str(out)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result, out.read_bytes() if out.exists() else None

    from_tmp, pem_from_tmp = export(Path("/tmp"))
    from_project, pem_from_project = export(ROOT)
    assert "Traceback" not in from_tmp.stderr
    if from_project.returncode == 0:  # this checkout has a development PKI (`make run` ran)
        assert from_tmp.returncode == 0, from_tmp.stderr
        assert pem_from_tmp == pem_from_project and pem_from_tmp.startswith(b"-----BEGIN")
    else:
        assert from_tmp.returncode == from_project.returncode == 1
        missing = f"signing key not found: {ROOT / 'var' / 'pki' / 'signing.p12'}"
        assert missing in from_tmp.stderr and missing in from_project.stderr
        assert "DATAWAARDEN_SIGNING_P12" in from_tmp.stderr


def test_it_refuses_production_without_a_base_url(monkeypatch):
    monkeypatch.setenv("DATAWAARDEN_ENV", "production")
    monkeypatch.setenv("DATAWAARDEN_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATAWAARDEN_BASE_URL", raising=False)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert "BASE_URL: production needs the public address of the app" in str(excinfo.value)


def test_links_follow_the_served_host_unless_a_base_url_is_set(monkeypatch):
    monkeypatch.delenv("DATAWAARDEN_BASE_URL", raising=False)
    follows = Settings(env="development")
    assert follows.public_url == "http://127.0.0.1:8000"  # outside a request: the CLI
    token = served_origin.set(None)
    try:
        note_served_origin("http", "localhost:8101")
        assert follows.public_url == "http://localhost:8101"
        assert Settings(base_url="https://dw.example.org/").public_url == "https://dw.example.org"
        note_served_origin("http", "[::1]:8102")
        assert follows.public_url == "http://[::1]:8102"
        for forged in ("evil.example", "evil.example:8101", "10.0.0.1:8101", "x/y?<script>"):
            note_served_origin("http", forged)  # another host than this machine, or no host
            assert follows.public_url == "http://127.0.0.1:8000", forged
    finally:
        served_origin.reset(token)
