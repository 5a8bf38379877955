"""the dashboard: an index for the first submission of each assessment

The dashboard's median time from the first submission to the signature reads, for every
archived assessment, the earliest `submissions.submitted_at`. The column comes after the
snapshot in the row, so without an index each lookup reads the whole snapshot (on SQLite its
overflow pages too). `(assessment_id, submitted_at)` answers it from the index alone, and
replaces the index on `assessment_id` alone (its first column serves those lookups).

Revision ID: fa4c733f0582
Revises: 4368eb79dcc4
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "fa4c733f0582"
down_revision: str | None = "4368eb79dcc4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_submissions_assessment_id_submitted_at",
        "submissions",
        ["assessment_id", "submitted_at"],
    )
    op.drop_index("ix_submissions_assessment_id", table_name="submissions")


def downgrade() -> None:
    op.create_index("ix_submissions_assessment_id", "submissions", ["assessment_id"])
    op.drop_index("ix_submissions_assessment_id_submitted_at", table_name="submissions")
