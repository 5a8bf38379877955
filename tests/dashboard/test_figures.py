"""The dashboard's figures on a small archive counted by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from app.dashboard import figures, queries
from app.dashboard.queries import Filters
from app.i18n import use_locale
from tests.dashboard.data import FORMULA_OWNER, TODAY


def _figure(db: Session, slug: str, f: Filters = Filters(), *, all_rows: bool = False):  # type: ignore[no-untyped-def]
    with use_locale("en"):
        context = figures.Context(
            session=db,
            filters=f,
            today=TODAY,
            catalogue=figures.catalogue(db, "sample", "en"),
            all_rows=all_rows,
        )
        return figures.FIGURES[slug](context)


def _table(fig) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {row.key: row.values for row in fig.rows}


def test_it_counts_assessments_by_state(db, known):
    counts = _table(_figure(db, "states"))
    assert counts["draft"] == (2,)
    assert counts["submitted"] == (1,)
    assert counts["in_review"] == (1,)
    assert counts["archived"] == (4,)
    assert counts["withdrawn"] == (0,)
    labels = [row.label for row in _figure(db, "states").rows]
    assert labels[:3] == ["Draft", "Submitted", "In review"]


def test_it_counts_states_of_the_assessments_started_in_the_year_and_department(db, known):
    in_2026 = _table(_figure(db, "states", Filters(year=2026)))
    assert (in_2026["submitted"], in_2026["in_review"], in_2026["archived"]) == ((1,), (1,), (1,))
    assert in_2026["draft"] == (0,)
    mobility = _table(_figure(db, "states", Filters(department="Mobiliteit")))
    assert (mobility["draft"], mobility["archived"], mobility["submitted"]) == ((2,), (2,), (0,))


def test_it_takes_the_median_time_from_the_first_submission_to_the_signature(db, known):
    # 1, 6, 9 and 49 days: the median lies halfway between 6 and 9.
    summary = _table(_figure(db, "time"))
    assert summary["count"] == (4,)
    assert summary["median"] == (7.5,)
    assert summary["p25"] == (4.8,)  # 1 + 0.75 * (6 - 1) = 4.75
    assert summary["p75"] == (19.0,)  # 9 + 0.25 * (49 - 9)
    assert summary["shortest"] == (1.0,)
    assert summary["longest"] == (49.0,)


def test_it_counts_the_time_to_signature_in_bands(db, known):
    bands = _table(_figure(db, "time-bands"))
    assert bands["up-to-7"] == (2,)
    assert bands["up-to-14"] == (1,)
    assert bands["up-to-61"] == (1,)
    assert sum(v[0] for v in bands.values()) == 4


def test_it_filters_the_time_to_signature_by_year_and_department(db, known):
    assert _table(_figure(db, "time", Filters(year=2025)))["median"] == (7.5,)  # 6 and 9
    social = _table(_figure(db, "time", Filters(department="Sociaal Domein")))
    assert social["median"] == (25.0,)  # 1 and 49
    assert _table(_figure(db, "time", Filters(year=2024))) == {"count": (0,)}


def test_it_counts_outstanding_and_overdue_conditions_by_owner(db, known):
    fig = _figure(db, "owners")
    assert fig.series == ("Outstanding", "Overdue")
    # Due yesterday is overdue; due today is not; accepted, done and waived are not
    # outstanding; a condition without a due date is never overdue.
    assert [(row.label, row.values) for row in fig.rows] == [
        ("Team Data", (3, 1)),
        ("Privacy Officer", (1, 1)),
        (FORMULA_OWNER, (1, 0)),
        ("Leverancier", (1, 0)),
    ]


def test_it_counts_overdue_against_the_day_it_is_given(db, known):
    loads = queries.conditions(db, Filters(), TODAY.replace(day=14)).owners()
    assert {o.owner: o.overdue for o in loads}["Privacy Officer"] == 0
    later = {
        o.owner: o.overdue
        for o in queries.conditions(db, Filters(), TODAY.replace(day=16)).owners()
    }
    assert later == {"Team Data": 1, "Privacy Officer": 1, FORMULA_OWNER: 0, "Leverancier": 1}


def test_it_filters_the_conditions_by_the_year_of_signing(db, known):
    in_2025 = _table(_figure(db, "owners", Filters(year=2025)))
    assert in_2025 == {"Team Data": (2, 1), FORMULA_OWNER: (1, 0)}
    statuses = _table(_figure(db, "statuses"))
    assert statuses == {
        "open": (4,),
        "in_progress": (1,),
        "done": (1,),
        "accepted": (1,),
        "reopened": (1,),
        "waived": (1,),
    }


def test_it_puts_owners_beyond_the_first_few_in_one_row_on_the_page_only(db, known, monkeypatch):
    monkeypatch.setattr(figures, "OWNERS_SHOWN", 2)
    shown = _figure(db, "owners")
    assert [row.key for row in shown.rows] == ["Team Data", "Privacy Officer", "_other"]
    assert shown.rows[-1].values == (2, 0)
    assert shown.rows[-1].label == "2 other owners"
    assert len(_figure(db, "owners", all_rows=True).rows) == 4


def test_it_counts_obligations_per_year_and_per_quarter_of_one_year(db, known):
    fig = _figure(db, "obligations")
    assert fig.series == ("2025", "2026")
    assert _table(fig) == {
        "dpo": (2, 1),
        "dpia_recommended": (0, 1),
        "dpia_required": (1, 1),
    }
    titles = {row.key: row.label for row in fig.rows}
    assert titles["dpia_required"] == "DPIA required"
    quarters = _figure(db, "obligations", Filters(year=2026))
    assert quarters.series == ("Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026")
    # January and February are one quarter.
    assert _table(quarters) == {
        "dpo": (1, 0, 0, 0),
        "dpia_recommended": (1, 0, 0, 0),
        "dpia_required": (1, 0, 0, 0),
    }


def test_it_counts_levels_per_value(db, known):
    fig = _figure(db, "levels")
    assert fig.series == ("Low", "Medium", "High")
    assert _table(fig) == {"transparent": (2, 1, 1), "reliable": (1, 1, 2)}
    assert [row.label for row in fig.rows] == ["Transparent", "Reliable"]
    social = _table(_figure(db, "levels", Filters(department="Sociaal Domein")))
    assert social == {"transparent": (1, 0, 1), "reliable": (1, 1, 0)}


def test_it_says_nothing_to_count_for_an_empty_choice(db, known):
    for slug in ("states", "time-bands", "owners", "obligations", "levels"):
        assert _figure(db, slug, Filters(department="Nergens")).empty, slug


def _archived(db: Session, personas, sample_version, department: str, days: list[float]) -> None:  # type: ignore[no-untyped-def]
    """Archived assessments of one department, signed `days` after their first submission."""
    from datetime import timedelta

    from app.archive.models import ArchiveEntry
    from app.assessments.models import Assessment, Submission

    for n, d in enumerate(days):
        submitted = datetime(2024, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=n)
        signed = submitted + timedelta(days=d)
        reference = f"DW-Q-{department}-{n}"
        a = Assessment(
            reference=reference,
            title=reference,
            department=department,
            description="",
            questionnaire_version_id=sample_version.id,
            lead_id=personas["lead"].id,
            state="archived",
        )
        db.add(a)
        db.flush()
        db.add(
            Submission(
                assessment_id=a.id,
                number=1,
                snapshot_json="{}",
                sha256=f"{a.id:064x}",
                submitted_by_id=personas["lead"].id,
                submitted_at=submitted,
            )
        )
        db.add(
            ArchiveEntry(
                assessment_id=a.id,
                reference=reference,
                title=reference,
                department=department,
                description="",
                search_text=reference,
                questionnaire_key="sample",
                questionnaire_version=1,
                outcome="positive",
                overall_level="low",
                levels_json="{}",
                obligations=" ",
                created_at=submitted,
                submitted_at=submitted,
                signed_at=signed,
                year=signed.year,
                retention_until=date(2044, 1, 1),
                report_sha256=f"{a.id:064x}",
            )
        )
    db.flush()


def test_it_finds_the_quartiles_as_the_statistics_module_does_for_any_count(
    db, personas, sample_version
):
    days = [12.0, 3.0, 40.0, 7.5, 90.0, 1.0, 19.0]
    for count in range(1, len(days) + 1):
        department = f"Afdeling {count}"
        _archived(db, personas, sample_version, department, days[:count])
        s = queries.spread(db, Filters(department=department))
        assert s.count == count
        expected = (
            statistics.quantiles(days[:count], n=4, method="inclusive")
            if count > 1
            else [days[0]] * 3
        )
        found = [s.quantiles[q] for q in (0.25, 0.5, 0.75)]
        assert found == pytest.approx(expected, abs=1e-6), count
        assert (s.shortest, s.longest) == pytest.approx((min(days[:count]), max(days[:count])))
