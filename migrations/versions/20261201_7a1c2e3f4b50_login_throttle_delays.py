"""login throttling with growing delays and summarised failures

Revision ID: 7a1c2e3f4b50
Revises: 5e1a9c0d7f21
Create Date: 2026-12-01 13:00:00

`login_throttles` is rebuilt rather than altered: its rows are short-lived throttle state whose
keys change meaning (an "account:" row now holds an open audit window, where it held an
account-wide lock-out). Nothing is lost by starting empty: the old code wrote every failed login
to the audit log itself, so no row holds failures that the audit log lacks; the worst an upgrade
does is lift a running lock-out early.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "7a1c2e3f4b50"
down_revision: str | None = "5e1a9c0d7f21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("window_started_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("clients", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        "ix_login_throttles_kind_window",
        "login_throttles",
        ["kind", "window_started_at"],
        unique=False,
    )


def downgrade() -> None:
    # Open audit windows would be dropped with the table: summarise them first with
    # `datawaarden users sweep-logins` (after the window has passed) before downgrading.
    op.drop_index("ix_login_throttles_kind_window", table_name="login_throttles")
    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
