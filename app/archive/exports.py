"""Exports: the register of archived assessments (CSV, JSON), the Algoritmeregister publication
standard 1.0 document of one assessment, and one assessment as importable JSON."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from sqlmodel import Session, col, select

from app.archive.models import ArchiveEntry
from app.archive.search import levels_of, obligation_ids
from app.assessments import answering, lifecycle, reading
from app.assessments.models import Assessment, Submission
from app.config import Settings
from app.errors import Conflict, InvalidInput
from app.i18n import _
from app.questionnaires import engine
from app.questionnaires.registry import find_version
from app.questionnaires.schema import QuestionType
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

TEXT_LIMITS = {
    "name": 100,
    "description_short": 400,
    "organization": 100,
    "goal": 2500,
    "proportionality": 2500,
    "human_intervention": 2500,
    "risks": 2500,
    "lawful_basis": 2500,
    "impacttoetsen": 2500,
    "source_data": 2500,
    "methods_and_models": 5000,
    "provider": 200,
    "tags": 2500,
}
HTML_FIELDS = {
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "impacttoetsen",
    "source_data",
    "methods_and_models",
}
URL_FIELDS = {"website", "url", "publiccode", "process_index_url"}
PUBLICATION_CATEGORY = {
    "A": "Hoog-risico AI-systeem",
    "B": "Impactvolle algoritmes",
    "C": "Overige algoritmes",
}
ALLOWED_TAGS = ("div", "br", "p", "ul", "ol", "li")


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def as_register_html(value: str, limit: int) -> str:
    """Plain text as the standard's HTML (only p and br), escaped, within the limit."""
    paragraphs = []
    used = 0
    for paragraph in [p.strip() for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]:
        body = "<br>".join(html.escape(line, quote=False) for line in paragraph.split("\n"))
        piece = f"<p>{body}</p>"
        if used + len(piece) > limit:
            room = limit - used - len("<p></p>") - 1
            if room > 20:
                short = _truncate(paragraph.replace("\n", " "), room)
                # escaping can lengthen the text; shorten until it fits
                while len(html.escape(short, quote=False)) > room and len(short) > 1:
                    short = _truncate(short, len(short) - 5)
                paragraphs.append(f"<p>{html.escape(short, quote=False)}</p>")
            break
        paragraphs.append(piece)
        used += len(piece)
    return "".join(paragraphs)


def _year_month(value: Any) -> str | None:
    return str(value)[:7] if isinstance(value, str) and len(value) >= 7 else None


def algorithm_register(
    session: Session, *, assessment: Assessment, settings: Settings
) -> dict[str, Any]:
    """The Algoritmeregister 1.0 document of an archived assessment about an algorithm. Fields
    come from the questions mapped to them in the questionnaire file (register_field)."""
    _version, q = reading.questionnaire_of(session, assessment)
    submission = session.exec(
        select(Submission)
        .where(Submission.assessment_id == assessment.id)
        .order_by(col(Submission.number).desc())
    ).first()
    if submission is None:
        raise Conflict(_("This assessment has not been submitted yet."))
    snapshot = json.loads(submission.snapshot_json)
    answers = snapshot["answers"]
    ds = engine.decision_support(q, answers)
    if not ds.rules.get("uses_algorithm", False):
        raise Conflict(
            _(
                "This assessment is not about an algorithm, so it has no entry in the algorithm register."
            )
        )
    document: dict[str, Any] = {}
    for question in q.questions():
        field_name = question.register_field
        if not field_name or question.id not in answers:
            continue
        value = answers[question.id]
        if question.type in (QuestionType.single_choice, QuestionType.multi_choice):
            chosen = value if isinstance(value, list) else [value]
            labels = []
            for option in question.options or []:
                if option.id in chosen and not option.exclusive:
                    labels.append(option.register_value or option.label.nl)
            document[field_name] = labels if field_name == "category" else ", ".join(labels)
        elif field_name in ("begin_date", "end_date"):
            document[field_name] = _year_month(value)
        else:
            document[field_name] = str(value)
    for name, limit in TEXT_LIMITS.items():
        if name in document and isinstance(document[name], str):
            document[name] = (
                as_register_html(document[name], limit)
                if name in HTML_FIELDS
                else _truncate(document[name], limit)
            )
    category = ds.register_category or "C"
    verify = f"{settings.public_url}/verify?reference={assessment.reference}"
    impact = [{"title": f"Advies ethische commissie ({assessment.reference})", "link": verify}]
    for obligation in ds.obligations:
        if obligation.id in ("dpia_required", "dpia_recommended"):
            impact.append({"title": "Data Protection Impact Assessment (DPIA)", "link": ""})
        if obligation.id == "iama_required":
            impact.append(
                {"title": "Impact Assessment Mensenrechten en Algoritmes (IAMA)", "link": ""}
            )
    document.update(
        {
            "name": _truncate(assessment.title, TEXT_LIMITS["name"]),
            "organization": _truncate(settings.org_name, TEXT_LIMITS["organization"]),
            "publication_category": PUBLICATION_CATEGORY[category],
            "impacttoetsen_grouping": impact,
            "lang": "nld",
            "standard_version": "1.0",
            "source_id": assessment.reference,
        }
    )
    document.setdefault(
        "description_short", _truncate(assessment.description, TEXT_LIMITS["description_short"])
    )
    document.setdefault("status", "In ontwikkeling")
    for url_field in URL_FIELDS:
        if url_field in document and not str(document[url_field]).startswith(
            ("http://", "https://")
        ):
            del document[url_field]
    return dict(sorted(document.items()))


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
