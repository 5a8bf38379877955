"""Modules in app/ stay small enough to read as one concern (README, "Architecture")."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
LIMIT = 500


def test_it_keeps_every_module_in_app_under_500_lines():
    sizes = {
        str(path.relative_to(APP.parent)): len(path.read_text(encoding="utf-8").splitlines())
        for path in APP.rglob("*.py")
    }
    assert sizes, "no modules found"
    too_long = {name: lines for name, lines in sizes.items() if lines > LIMIT}
    assert too_long == {}
