"""Whether requirements.lock still answers pyproject.toml: every requirement of the project
(its dependencies and the dev extra) is pinned there, with a version the requirement allows
and a hash. Exit 1, naming each requirement, when the lock is stale (`make lock` renews it).

Hand-written because no tool checks a hash-pinned requirements file against its source
without resolving again (`uv pip compile` would pick today's newest versions, so its output
differs from the lock even when nothing in pyproject.toml changed)."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;([^\\]*))?")


@dataclass(frozen=True)
class Pin:
    version: str
    hashed: bool
    marker: Marker | None  # where it applies (None: everywhere)

    @property
    def applies(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def pins(lock_text: str) -> dict[str, Pin]:
    """Each pinned distribution: its version, whether a hash follows it and where it applies."""
    found: dict[str, Pin] = {}
    name = None
    for line in lock_text.splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match.group(1))
            marker = Marker(match.group(3).strip()) if match.group(3) else None
            found[name] = Pin(match.group(2), "--hash=" in line, marker)
        elif name and line.strip().startswith("--hash="):
            found[name] = replace(found[name], hashed=True)
        elif line and not line[0].isspace():
            name = None
    return found


def requirements(pyproject_text: str, extras: tuple[str, ...] = ("dev",)) -> list[Requirement]:
    project = tomllib.loads(pyproject_text)["project"]
    listed = list(project.get("dependencies", []))
    for extra in extras:
        listed += project.get("optional-dependencies", {}).get(extra, [])
    return [Requirement(text) for text in listed]


def stale(pyproject_text: str, lock_text: str) -> list[str]:
    """What the lock fails to answer, one sentence per requirement (empty: it answers all)."""
    pinned = pins(lock_text)
    problems = []
    for requirement in requirements(pyproject_text):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        entry = pinned.get(canonicalize_name(requirement.name))
        if entry is None:
            problems.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(entry.version, prereleases=True):
            problems.append(f"{requirement}: the lock pins {entry.version}")
        elif not entry.hashed:
            problems.append(f"{requirement}: pinned without a hash")
    return problems


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    problems = stale(
        (root / "pyproject.toml").read_text(), (root / "requirements.lock").read_text()
    )
    for problem in problems:
        print(f"requirements.lock is stale: {problem}", file=sys.stderr)
    if problems:
        print("Run `make lock` and commit requirements.lock.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
