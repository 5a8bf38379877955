"""condition follow-up and re-assessment links

A condition names its owner's account or contact address. Its follow-up (status, a version
for compare-and-set moves, the time of the last move) lives in `condition_followups`, because
the condition itself is sealed with the signed advice; `condition_updates` keeps every move.
Conditions of advice already signed start open. An assessment may name the assessment it
re-assesses (`previous_id`, unique: one re-assessment follows an assessment).

Columns are added with ALTER TABLE ... ADD COLUMN, never by copying a table: on SQLite the
guard triggers of the sealed tables refer to them.

Revision ID: a1f0c3d5e7b9
Revises: f6a7b8c9d0e1
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "a1f0c3d5e7b9"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable column referring to `target`.id, added in place (Alembic adds a foreign key
    on SQLite only by copying the table; SQLite itself accepts it in ADD COLUMN)."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {name} REFERENCES {target} (id)"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])


def upgrade() -> None:
    _add_reference("advice_conditions", "owner_user_id", "users")
    op.add_column(
        "advice_conditions",
        sa.Column("owner_email", sa.String(254), nullable=False, server_default=""),
    )
    op.create_index("ix_advice_conditions_owner_user_id", "advice_conditions", ["owner_user_id"])
    op.create_table(
        "condition_followups",
        sa.Column("condition_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["condition_id"], ["advice_conditions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"]),
        sa.PrimaryKeyConstraint("condition_id"),
    )
    op.create_index(
        "ix_condition_followups_assessment_id", "condition_followups", ["assessment_id"]
    )
    op.create_index("ix_condition_followups_status", "condition_followups", ["status"])
    op.create_table(
        "condition_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["condition_id"], ["advice_conditions.id"]),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_condition_updates_condition_id", "condition_updates", ["condition_id"])
    # The history of moves is append-only, like the audit trail.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER dw_guard_condition_updates BEFORE UPDATE OR DELETE "
            "ON condition_updates FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
        )
    else:
        for timing in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER dw_guard_condition_updates_{timing.lower()} BEFORE {timing} "
                "ON condition_updates BEGIN "
                "SELECT RAISE(ABORT, 'datawaarden: this row is sealed: condition_updates'); END"
            )
    # The conditions of advice that is already signed start open.
    op.execute(
        """
        INSERT INTO condition_followups (condition_id, assessment_id, status, version, changed_at)
        SELECT c.id, a.assessment_id, 'open', 1, a.finalised_at
        FROM advice_conditions c
        JOIN advices a ON a.id = c.advice_id
        JOIN assessments s ON s.id = a.assessment_id
        WHERE s.state IN ('signed', 'archived') AND a.finalised_at IS NOT NULL
          AND a.superseded_at IS NULL
        """
    )
    _add_reference("assessments", "previous_id", "assessments")
    op.create_index("ix_assessments_previous_id", "assessments", ["previous_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_assessments_previous_id", table_name="assessments")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("previous_id")
    op.drop_index("ix_condition_updates_condition_id", table_name="condition_updates")
    op.drop_table("condition_updates")
    op.drop_index("ix_condition_followups_status", table_name="condition_followups")
    op.drop_index("ix_condition_followups_assessment_id", table_name="condition_followups")
    op.drop_table("condition_followups")
    op.drop_index("ix_advice_conditions_owner_user_id", table_name="advice_conditions")
    with op.batch_alter_table("advice_conditions") as batch:
        batch.drop_column("owner_email")
        batch.drop_column("owner_user_id")
