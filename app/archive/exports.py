"""Exports: the register of archived assessments (CSV, JSON), the Algoritmeregister publication
standard 1.0 document of one assessment, and one assessment as importable JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlmodel import Session, col, select

from app.archive import register_standard
from app.archive.algoritmeregister import Subject, register_document
from app.archive.models import ArchiveEntry
from app.archive.search import levels_of, obligation_ids
from app.assessments import answering, lifecycle, reading
from app.assessments.models import Assessment, Submission
from app.config import Settings
from app.errors import Conflict, InvalidInput
from app.i18n import _
from app.questionnaires import engine
from app.questionnaires.registry import find_version
from app.users.models import User

REGISTER_COLUMNS = (
    "reference",
    "title",
    "department",
    "created",
    "submitted",
    "signed",
    "outcome",
    "overall_level",
    "levels",
    "obligations",
    "questionnaire",
    "report_sha256",
    "retention_until",
    "public",
)


def register_rows(session: Session) -> list[dict[str, Any]]:
    """One record per archived assessment, oldest first."""
    rows = []
    for e in session.exec(select(ArchiveEntry).order_by(col(ArchiveEntry.signed_at))).all():
        rows.append(
            {
                "reference": e.reference,
                "title": e.title,
                "department": e.department,
                "created": e.created_at.date().isoformat(),
                "submitted": e.submitted_at.date().isoformat(),
                "signed": e.signed_at.date().isoformat(),
                "outcome": e.outcome,
                "overall_level": e.overall_level,
                "levels": levels_of(e),
                "obligations": obligation_ids(e),
                "questionnaire": f"{e.questionnaire_key}:{e.questionnaire_version}",
                "report_sha256": e.report_sha256,
                "retention_until": e.retention_until.isoformat(),
                "public": e.is_public,
            }
        )
    return rows


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def register_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    for row in rows:
        cells = []
        for column in REGISTER_COLUMNS:
            value = row[column]
            if isinstance(value, dict):
                value = "; ".join(f"{k}={v}" for k, v in value.items())
            elif isinstance(value, list):
                value = " ".join(value)
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append(_csv_safe(str(value)))
        writer.writerow(cells)
    return out.getvalue()


def register_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        {"format": "datawaarden.register/1", "assessments": rows}, ensure_ascii=False, indent=2
    )


# --- Algoritmeregister ------------------------------------------------------------------------------


def algorithm_register(
    session: Session, *, assessment: Assessment, settings: Settings
) -> dict[str, Any]:
    """The Algoritmeregister 1.0 document of an archived assessment about an algorithm. Fields
    come from the questions mapped to them in the questionnaire file (register_field). A
    document the register would refuse is not offered: the findings say why."""
    _version, q = reading.questionnaire_of(session, assessment)
    submission = session.exec(
        select(Submission)
        .where(Submission.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).first()
    if submission is None:
        raise Conflict(_("This assessment has not been submitted yet."))
    answers = json.loads(submission.snapshot_json)["answers"]
    ds = engine.decision_support(q, answers)
    if not ds.rules.get("uses_algorithm", False):
        raise Conflict(
            _(
                "This assessment is not about an algorithm, so it has no entry in the algorithm register."
            )
        )
    entry = session.get(ArchiveEntry, assessment.id)
    public = entry is not None and entry.is_public
    link = (
        f"{settings.public_url}/register/{assessment.reference}"
        if public
        else f"{settings.public_url}/verify?reference={assessment.reference}"
    )
    subject = Subject(
        title=assessment.title,
        description=assessment.description,
        reference=assessment.reference,
        organization=settings.org_name,
        link=link,
        category=ds.register_category,
    )
    document = register_document(q, answers, subject)
    problems = register_standard.findings(document)
    if problems:
        raise Conflict(
            _(
                "The algorithm register would refuse this export: %(findings)s",
                findings="; ".join(str(p) for p in problems[:20]),
            )
        )
    return document


# --- one assessment as importable JSON ------------------------------------------------------------------


def assessment_export(session: Session, assessment: Assessment) -> dict[str, Any]:
    version, _q = reading.questionnaire_of(session, assessment)
    return {
        "format": "datawaarden.assessment/1",
        "reference": assessment.reference,
        "title": assessment.title,
        "department": assessment.department,
        "description": assessment.description,
        "questionnaire": {"key": version.key, "version": version.version, "sha256": version.sha256},
        "answers": answering.answer_values(session, assessment),
    }


MAX_IMPORT = 2 * 1024 * 1024


def import_assessment(
    session: Session, *, data: bytes, actor: User
) -> tuple[Assessment, list[str]]:
    """A new draft from an exported file. Answers that do not fit the questionnaire are left out
    and listed; nothing is saved when the file itself is wrong."""
    if len(data) > MAX_IMPORT:
        raise InvalidInput(
            _("The file is too large."), fields={"file": _("The file is too large.")}
        )
    not_export = _("This is not an exported assessment (JSON).")
    try:
        document = json.loads(data.decode("utf-8"))
        # Lone surrogates (\ud800 escapes) cannot be stored: such a file is not an export of ours.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        raise InvalidInput(not_export, fields={"file": not_export}) from None
    if not isinstance(document, dict) or document.get("format") != "datawaarden.assessment/1":
        raise InvalidInput(not_export, fields={"file": not_export})
    meta = document.get("questionnaire") or {}
    answers = document.get("answers") or {}
    if (
        not isinstance(meta, dict)
        or not isinstance(answers, dict)
        or not isinstance(meta.get("key"), str)
    ):
        raise InvalidInput(_("The file does not say which questionnaire it belongs to."))
    raw_version = meta.get("version")
    version_number = (
        raw_version if isinstance(raw_version, int) and 1 <= raw_version <= 100_000 else None
    )
    version = find_version(session, meta["key"][:100], version_number)
    if meta.get("sha256") and meta["sha256"] != version.sha256:
        raise InvalidInput(
            _("The questionnaire version of this file differs from the one stored here.")
        )
    title = str(document.get("title") or "")[:200]
    copy_title = _("Copy of %(title)s", title=title)[:200] if title else ""
    assessment = lifecycle.create_assessment(
        session,
        actor=actor,
        title=copy_title,
        department=str(document.get("department") or "")[:200],
        description=str(document.get("description") or "")[:2000],
        questionnaire=version,
    )
    skipped = []
    for qid, value in list(answers.items())[:1000]:
        try:
            with session.begin_nested():
                answering.save_answer(
                    session,
                    assessment=assessment,
                    question_id=str(qid)[:100],
                    raw=value,
                    base_version=None,
                    actor=actor,
                    kind="import",
                )
        except InvalidInput:
            skipped.append(str(qid)[:100])
    return assessment, skipped
