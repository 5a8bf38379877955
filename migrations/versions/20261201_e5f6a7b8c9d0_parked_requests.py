"""parked requests: forms sent after their session expired, kept until the user logs in again

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parked_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("return_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_parked_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_requests")),
    )
    op.create_index(
        "ix_parked_requests_batch_hash", "parked_requests", ["batch_hash"], unique=False
    )
    op.create_index(
        "ix_parked_requests_created_at", "parked_requests", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_parked_requests_created_at", table_name="parked_requests")
    op.drop_index("ix_parked_requests_batch_hash", table_name="parked_requests")
    op.drop_table("parked_requests")
