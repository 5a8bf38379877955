"""Questionnaire versions in the database: loading files, pinning by hash, and lookup."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.i18n import _
from app.questionnaires.loader import (
    LoadedQuestionnaire,
    from_canonical,
    load_file,
    questionnaire_files,
)
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.problems import Problem, QuestionnaireInvalid
from app.questionnaires.schema import Questionnaire


def load_directory(directory: Path) -> list[LoadedQuestionnaire]:
    """Every questionnaire file in a directory, validated; all problems of all files at once."""
    loaded: list[LoadedQuestionnaire] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, int], str] = {}
    for path in questionnaire_files(directory):
        try:
            item = load_file(path)
        except QuestionnaireInvalid as exc:
            problems.extend(exc.problems)
            continue
        ident = (item.definition.key, item.definition.version)
        if ident in seen:
            problems.append(
                Problem(
                    str(path),
                    None,
                    "version",
                    f"{ident[0]} version {ident[1]} is also defined in {seen[ident]}",
                )
            )
            continue
        seen[ident] = str(path)
        loaded.append(item)
    if problems:
        raise QuestionnaireInvalid(problems)
    return loaded


# Who uses stored versions (the assessments do: connected in app.wiring). A version in use is
# never changed; with nobody registered, every stored version counts as in use.
UseCheck = Callable[[Session, QuestionnaireVersion], bool]
_USERS: list[UseCheck] = []


def used_by(check: UseCheck) -> None:
    """Register a check whether a stored version is in use (once)."""
    if check not in _USERS:
        _USERS.append(check)


def _in_use(session: Session, version: QuestionnaireVersion) -> bool:
    return not _USERS or any(check(session, version) for check in _USERS)


def sync_questionnaires(session: Session, directory: Path) -> list[str]:
    """Store every questionnaire version found in the directory. A version already used by an
    assessment must not change: raising the version is the only way to change a questionnaire."""
    loaded = load_directory(directory)
    problems: list[Problem] = []
    names = []
    for item in loaded:
        d = item.definition
        existing = session.exec(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.key == d.key, QuestionnaireVersion.version == d.version
            )
        ).first()
        names.append(f"{d.key} v{d.version}")
        if existing is None:
            session.add(
                QuestionnaireVersion(
                    key=d.key,
                    version=d.version,
                    sha256=item.sha256,
                    title_nl=d.title.nl,
                    title_en=d.title.en,
                    content=item.canonical,
                )
            )
            continue
        if existing.sha256 == item.sha256:
            continue
        if _in_use(session, existing):
            problems.append(
                Problem(
                    item.source,
                    None,
                    "version",
                    f"{d.key} version {d.version} was changed after assessments started using it "
                    f"(stored hash {existing.sha256[:12]}…, file hash {item.sha256[:12]}…); "
                    "copy the file, raise 'version' and change the copy",
                )
            )
            continue
        existing.sha256 = item.sha256
        existing.content = item.canonical
        existing.title_nl, existing.title_en = d.title.nl, d.title.en
        session.add(existing)
    if problems:
        raise QuestionnaireInvalid(problems)
    session.flush()
    return names


# Parsed questionnaires by the SHA-256 of their canonical content: a stored version never
# changes (the loader refuses a changed file under the same version), so the hash names it.
_DEFINITIONS: dict[str, Questionnaire] = {}
_DEFINITIONS_LOCK = threading.Lock()
_DEFINITIONS_MAX = 64
_VERSIONS = QuestionnaireVersion.__table__  # type: ignore[attr-defined]
_SHA_OF = select(_VERSIONS.c.sha256).where(_VERSIONS.c.id == bindparam("version_id"))
_CONTENT_OF = select(_VERSIONS.c.content).where(_VERSIONS.c.id == bindparam("version_id"))


def _definition(sha256: str, content: Callable[[], str]) -> Questionnaire:
    found = _DEFINITIONS.get(sha256)
    if found is not None:
        return found
    parsed = from_canonical(content())
    with _DEFINITIONS_LOCK:
        if len(_DEFINITIONS) >= _DEFINITIONS_MAX:
            _DEFINITIONS.pop(next(iter(_DEFINITIONS)))
        _DEFINITIONS[sha256] = parsed
    return parsed


def definition_of(version: QuestionnaireVersion) -> Questionnaire:
    """The parsed questionnaire of a stored version (cached by its hash)."""
    return _definition(version.sha256, lambda: version.content)


def note_version_hash(session: Session, version_id: int, sha256: str) -> None:
    """Remember a version's hash read along with other rows (an assessment is read with the
    hash of its questionnaire), so that `definition_by_id` need not ask for it."""
    session.info[("questionnaire-sha", version_id)] = sha256


def definition_by_id(session: Session, version_id: int) -> Questionnaire:
    """The parsed questionnaire of a stored version by id, reading its (large) content only
    when it is not cached yet."""
    key = ("questionnaire", version_id)  # a version never changes: once per session
    found: Questionnaire | None = session.info.get(key)
    if found is not None:
        return found
    sha256 = session.info.get(("questionnaire-sha", version_id)) or (
        session.execute(_SHA_OF, {"version_id": version_id}).scalar_one_or_none()
    )
    if sha256 is None:
        raise NotFound(_("This questionnaire version does not exist."))
    found = session.info[key] = _definition(
        sha256,
        lambda: session.execute(_CONTENT_OF, {"version_id": version_id}).scalar_one(),
    )
    return found


def get_version(session: Session, version_id: int) -> QuestionnaireVersion:
    """A stored questionnaire version, or NotFound."""
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        raise NotFound(_("This questionnaire version does not exist."))
    return version


def find_version(session: Session, key: str, version: int | None = None) -> QuestionnaireVersion:
    """A version by key (the newest when no number is given), or NotFound."""
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.key == key)
    if version is not None:
        query = query.where(QuestionnaireVersion.version == version)
    found = session.exec(query.order_by(col(QuestionnaireVersion.version).desc())).first()
    if found is None:
        raise NotFound(_("This questionnaire version does not exist."))
    return found


def list_versions(session: Session) -> list[QuestionnaireVersion]:
    """All stored versions, by key and newest first."""
    return list(
        session.exec(
            select(QuestionnaireVersion).order_by(
                QuestionnaireVersion.key, col(QuestionnaireVersion.version).desc()
            )
        ).all()
    )


def newest_versions(session: Session) -> list[QuestionnaireVersion]:
    """The newest version of each questionnaire: what a new assessment may use."""
    newest: dict[str, QuestionnaireVersion] = {}
    for version in list_versions(session):
        newest.setdefault(version.key, version)
    return list(newest.values())
