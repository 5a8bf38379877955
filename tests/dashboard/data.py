"""A small archive whose figures are known by hand (see the numbers in KNOWN).

Four archived assessments and four in progress, two departments, two years of signing; the
conditions of the signed advice with their follow-up. Rows are written as the application
leaves them: the rows an archived assessment seals go in while it is still "advice_drafted",
then it is archived (the guard triggers allow exactly that)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from app.archive.models import ArchiveEntry
from app.assessments.models import Assessment, Submission
from app.canonical import canonical_json
from app.reviews.models import Advice, AdviceCondition, ConditionFollowUp

TODAY = date(2026, 6, 15)  # the day the figures are counted on
FORMULA_OWNER = '=HYPERLINK("http://evil.example","klik")'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Archived:
    department: str
    created: str
    submitted: tuple[str, ...]  # the first, and any later submission
    signed: str
    levels: tuple[str, str]  # the first and second value
    obligations: tuple[int, ...]  # indexes into the questionnaire's obligations
    conditions: tuple[tuple[str, str | None, str], ...]  # owner, due date, follow-up status


# Days from first submission to signature: 9, 6, 49 and 1.
ARCHIVED = (
    Archived(
        "Mobiliteit",
        "2025-02-01T09:00:00",
        ("2025-03-01T12:00:00", "2025-03-05T12:00:00"),
        "2025-03-10T12:00:00",
        ("low", "high"),
        (0, 2),
        (
            ("Team Data", "2026-02-01", "open"),
            ("Team Data", "2026-09-01", "in_progress"),
            ("Privacy Officer", "2026-01-15", "accepted"),
        ),
    ),
    Archived(
        "Mobiliteit",
        "2025-08-01T09:00:00",
        ("2025-08-14T08:00:00",),
        "2025-08-20T08:00:00",
        ("medium", "high"),
        (0,),
        ((FORMULA_OWNER, "2026-07-01", "open"),),
    ),
    Archived(
        "Sociaal Domein",
        "2025-11-03T09:00:00",
        ("2025-12-02T10:00:00",),
        "2026-01-20T10:00:00",
        ("low", "low"),
        (1,),
        (
            ("Privacy Officer", "2026-06-14", "reopened"),
            ("Team Data", None, "open"),
            ("Leverancier", "2026-06-01", "done"),
        ),
    ),
    Archived(
        "Sociaal Domein",
        "2026-01-05T09:00:00",
        ("2026-02-10T09:30:00",),
        "2026-02-11T09:30:00",
        ("high", "medium"),
        (0, 2),
        (("Leverancier", "2026-06-15", "open"), ("Team Data", "2026-05-30", "waived")),
    ),
)
# In progress: (state, department, created).
IN_PROGRESS = (
    ("draft", "Mobiliteit", "2025-04-01T09:00:00"),
    ("draft", "Mobiliteit", "2025-05-01T09:00:00"),
    ("submitted", "Sociaal Domein", "2026-03-01T09:00:00"),
    ("in_review", "Sociaal Domein", "2026-04-01T09:00:00"),
)


def seed(
    session: Session,
    *,
    lead_id: int,
    version_id: int,
    questionnaire_key: str,
    value_ids: tuple[str, str],
    obligation_ids: tuple[str, ...],
    prefix: str = "DW-DASH",
) -> list[int]:
    """Write the known archive; returns the archived assessments' ids."""
    ids = []
    for n, (state, department, created) in enumerate(IN_PROGRESS):
        session.add(_assessment(f"{prefix}-P{n}", state, department, created, lead_id, version_id))
    for n, a in enumerate(ARCHIVED):
        reference = f"{prefix}-{n:04d}"
        row = _assessment(reference, "advice_drafted", a.department, a.created, lead_id, version_id)
        session.add(row)
        session.flush()
        submissions = []
        for number, when in enumerate(a.submitted, start=1):
            submission = Submission(
                assessment_id=row.id,
                number=number,
                snapshot_json="{}",
                sha256=f"{row.id:032x}{number:032x}",
                submitted_by_id=lead_id,
                submitted_at=at(when),
            )
            session.add(submission)
            submissions.append(submission)
        session.flush()
        advice = Advice(
            assessment_id=row.id,
            submission_id=submissions[-1].id,
            outcome="conditional",
            summary="Positief onder voorwaarden.",
            drafted_by_id=lead_id,
            finalised_by_id=lead_id,
            finalised_at=at(a.signed) - timedelta(hours=1),
        )
        session.add(advice)
        session.flush()
        conditions = []
        for number, (owner, due, _status) in enumerate(a.conditions, start=1):
            condition = AdviceCondition(
                advice_id=advice.id,
                number=number,
                text=f"Voorwaarde {number}",
                owner=owner,
                due_on=date.fromisoformat(due) if due else None,
            )
            session.add(condition)
            conditions.append(condition)
        session.flush()
        row.state = "archived"
        session.add(row)
        signed = at(a.signed)
        session.add(
            ArchiveEntry(
                assessment_id=row.id,
                reference=reference,
                title=row.title,
                department=a.department,
                description=row.description,
                search_text=reference,
                questionnaire_key=questionnaire_key,
                questionnaire_version=1,
                outcome="conditional",
                overall_level=max(a.levels, key=["low", "medium", "high"].index),
                levels_json=canonical_json(dict(zip(value_ids, a.levels, strict=True))),
                obligations=" " + " ".join(obligation_ids[i] for i in a.obligations) + " ",
                created_at=at(a.created),
                submitted_at=at(a.submitted[-1]),
                signed_at=signed,
                year=signed.year,
                retention_until=date(signed.year + 20, 1, 1),
                report_sha256=f"{row.id:064x}",
            )
        )
        for condition, (_owner, _due, status) in zip(conditions, a.conditions, strict=True):
            session.add(
                ConditionFollowUp(condition_id=condition.id, assessment_id=row.id, status=status)
            )
        session.flush()
        ids.append(row.id)
    return ids


def _assessment(
    reference: str, state: str, department: str, created: str, lead_id: int, version_id: int
) -> Assessment:
    return Assessment(
        reference=reference,
        title=f"Beoordeling {reference}",
        department=department,
        description="Voor het dashboard.",
        questionnaire_version_id=version_id,
        lead_id=lead_id,
        state=state,
        created_at=at(created),
        updated_at=at(created),
    )
