"""What the runner remembers of its jobs, for `datawaarden jobs status`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, String, Text
from sqlmodel import Field, SQLModel

from app.timeutil import UTCDateTime


class JobRun(SQLModel, table=True):
    """The last run of one job (one row per job name, overwritten by each run)."""

    __tablename__ = "job_runs"

    name: str = Field(sa_column=Column(String(50), primary_key=True))
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The day the reminder scan took as today (Europe/Amsterdam; moved by `--today`).
    scanned_for: date | None = Field(default=None, sa_column=Column(Date))
    # What it did, as JSON (counts), or the error that stopped it.
    outcome_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    error: str = Field(default="", sa_column=Column(Text, nullable=False))
