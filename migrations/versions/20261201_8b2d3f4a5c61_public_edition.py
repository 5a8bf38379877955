"""public edition of the signed advice report

The public edition of a signed report (the decision without the committee members' names,
their opinions and notes, and the review comments) is stored in a table of its own,
`public_reports`, so that the `reports` table, its unique constraint and its guard triggers stay
exactly as they are, and nothing that reads `reports` can pick up a public edition by mistake.
Like `reports` it is append-only: guard triggers refuse UPDATE and DELETE on SQLite and
PostgreSQL (the PostgreSQL trigger function `dw_refuse()` is the one 5e1a9c0d7f21 created).

Revision ID: 8b2d3f4a5c61
Revises: 7a1c2e3f4b50
Create Date: 2026-12-01 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "8b2d3f4a5c61"
down_revision: str | None = "7a1c2e3f4b50"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "public_reports"
MESSAGE = "datawaarden: this row is sealed"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False, server_default="signature"),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audit_head_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["advice_id"], ["advices.id"], name=op.f("fk_public_reports_advice_id_advices")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_public_reports_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_public_reports_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_public_reports_signed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_reports")),
        sa.UniqueConstraint("advice_id", "sequence", name=op.f("uq_public_reports_advice_id")),
        sa.UniqueConstraint("sha256", name=op.f("uq_public_reports_sha256")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_reports_assessment_id"), ["assessment_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER dw_guard_{TABLE} BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
        )
    else:
        for timing in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER dw_guard_{TABLE}_{timing.lower()} BEFORE {timing} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {TABLE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS dw_guard_{TABLE} ON {TABLE}")
    else:
        for timing in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS dw_guard_{TABLE}_{timing}")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_reports_assessment_id"))
    op.drop_table(TABLE)
