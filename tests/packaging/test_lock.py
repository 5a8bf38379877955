"""The installed Python packages are exactly the locked set, and a lock that no longer answers
pyproject.toml is refused (Makefile: `make bootstrap` runs scripts/check_lock.py)."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_lock  # noqa: E402

LOCK = (ROOT / "requirements.lock").read_text()
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def installed() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if d.metadata["Name"]
    }


def test_it_runs_on_exactly_the_locked_versions():
    here = installed()
    wrong = {
        name: (pin.version, here.get(name))
        for name, pin in check_lock.pins(LOCK).items()
        if pin.applies and here.get(name) != pin.version
    }
    assert wrong == {}, "installed versions differ from requirements.lock (run make bootstrap)"


def test_it_has_nothing_installed_that_the_lock_does_not_name():
    pinned = set(check_lock.pins(LOCK))
    # The app itself, and pip where the venv was made with it (uv leaves a venv's seed alone).
    extra = set(installed()) - pinned - {"datawaarden", "pip"}
    assert extra == set()


def test_it_pins_every_package_with_hashes_and_answers_pyproject():
    assert all(pin.hashed for pin in check_lock.pins(LOCK).values())
    assert check_lock.stale(PYPROJECT, LOCK) == []


def test_it_calls_the_lock_stale_when_pyproject_asks_for_a_package_it_lacks():
    changed = PYPROJECT.replace(
        '"rfc8785>=0.1.4",', '"rfc8785>=0.1.4",\n  "datawaarden-no-such-package>=1",'
    )
    assert check_lock.stale(changed, LOCK) == ["datawaarden-no-such-package>=1: not in the lock"]


def test_it_calls_the_lock_stale_when_pyproject_asks_for_a_newer_version():
    pinned = check_lock.pins(LOCK)["fastapi"].version
    changed = PYPROJECT.replace('"fastapi>=0.115,<1"', '"fastapi>=99"')
    assert check_lock.stale(changed, LOCK) == [f"fastapi>=99: the lock pins {pinned}"]


def test_it_calls_a_pin_without_a_hash_stale():
    unhashed = "fastapi==" + check_lock.pins(LOCK)["fastapi"].version + "\n"
    problems = check_lock.stale('[project]\ndependencies = ["fastapi"]\n', unhashed)
    assert problems == ["fastapi: pinned without a hash"]


def test_it_stops_the_bootstrap_on_a_stale_lock(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "check_lock.py").write_text(
        (ROOT / "scripts/check_lock.py").read_text()
    )
    (tmp_path / "pyproject.toml").write_text(
        PYPROJECT.replace('"rfc8785>=0.1.4",', '"rfc8785>=9",')
    )
    (tmp_path / "requirements.lock").write_text(LOCK)
    run = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "check_lock.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "requirements.lock is stale: rfc8785>=9: the lock pins" in run.stderr
    assert "make lock" in run.stderr
