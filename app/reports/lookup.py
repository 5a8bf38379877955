"""Which stored reports and public editions an assessment has: the newest of each, for one
assessment or for many in one query (pages listing many assessments use the latter)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.assessments.models import Assessment
from app.reports.models import PublicReport, Report


def newest_reports(session: Session, assessment_ids: Collection[int]) -> dict[int, Report]:
    """Per assessment, the newest signed version of its report (the highest advice round's,
    then the highest sequence): one query for any number of assessments."""
    if not assessment_ids:
        return {}
    newer = aliased(Report)
    rows = session.exec(
        select(Report).where(
            col(Report.assessment_id).in_(assessment_ids),
            ~exists().where(
                col(newer.assessment_id) == col(Report.assessment_id),
                or_(
                    col(newer.advice_id) > col(Report.advice_id),
                    and_(
                        col(newer.advice_id) == col(Report.advice_id),
                        col(newer.sequence) > col(Report.sequence),
                    ),
                ),
            ),
        )
    ).all()
    return {r.assessment_id: r for r in rows}


def latest_report(session: Session, assessment: Assessment) -> Report | None:
    """The newest signed version of the assessment's report."""
    return newest_reports(session, [assessment.id or 0]).get(assessment.id or 0)


def report_versions(session: Session, assessment: Assessment) -> list[Report]:
    """Every stored version of the assessment's signed report, oldest first."""
    return list(
        session.exec(
            select(Report)
            .where(Report.assessment_id == assessment.id)
            .order_by(col(Report.advice_id), col(Report.sequence))
        ).all()
    )


def newest_public_editions(
    session: Session, assessment_ids: Collection[int]
) -> dict[int, PublicReport]:
    """Per assessment, the newest stored version of the public edition of its signed report
    (of the advice its newest report signed); none where none was made (reports signed before
    public editions existed, until `make_missing_public_editions` ran). One query for any
    number of assessments."""
    if not assessment_ids:
        return {}
    newest_advice = (
        select(func.max(Report.advice_id))
        .where(Report.assessment_id == PublicReport.assessment_id)
        .correlate(PublicReport)
        .scalar_subquery()
    )
    newer = aliased(PublicReport)
    rows = session.exec(
        select(PublicReport).where(
            col(PublicReport.assessment_id).in_(assessment_ids),
            col(PublicReport.advice_id) == newest_advice,
            ~exists().where(
                col(newer.assessment_id) == col(PublicReport.assessment_id),
                col(newer.advice_id) == col(PublicReport.advice_id),
                col(newer.sequence) > col(PublicReport.sequence),
            ),
        )
    ).all()
    return {r.assessment_id: r for r in rows}


def latest_public_edition(session: Session, assessment: Assessment) -> PublicReport | None:
    """The newest stored version of the public edition of the assessment's signed report (see
    `newest_public_editions`), or None."""
    return newest_public_editions(session, [assessment.id or 0]).get(assessment.id or 0)
