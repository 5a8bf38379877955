"""resident consultations: the public summary of an assessment and the reactions to it

Revision ID: c0a5e1d27b34
Revises: fa4c733f0582
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "c0a5e1d27b34"
down_revision: str | None = "fa4c733f0582"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = app.timeutil.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("data_used", sa.Text(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("lead_confirmed_at", _WHEN, nullable=True),
        sa.Column("lead_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", _WHEN, nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["lead_confirmed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id"),
    )
    op.create_table(
        "consultation_reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("value_id", sa.String(100), nullable=True),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("tags_json", sa.Text(), nullable=False),
        sa.Column("moderation", sa.String(20), nullable=False),
        sa.Column("public_summary", sa.Text(), nullable=False),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column("moderated_at", _WHEN, nullable=True),
        sa.Column("advice_mailed_at", _WHEN, nullable=True),
        sa.Column("personal_data_deleted_at", _WHEN, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"]),
        sa.ForeignKeyConstraint(["moderated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_consultation_reactions_consultation_id", "consultation_reactions", ["consultation_id"]
    )
    op.create_index("ix_consultation_reactions_moderation", "consultation_reactions", ["moderation"])


def downgrade() -> None:
    op.drop_index("ix_consultation_reactions_moderation", table_name="consultation_reactions")
    op.drop_index("ix_consultation_reactions_consultation_id", table_name="consultation_reactions")
    op.drop_table("consultation_reactions")
    op.drop_table("consultations")
