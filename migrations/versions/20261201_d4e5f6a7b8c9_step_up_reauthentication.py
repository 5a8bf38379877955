"""step-up re-authentication: a pending login for an account already logged in, and the time
a session last confirmed who its user is at the provider

`pending_logins.step_up_user_id` marks a login through the provider that confirms the
identity of a logged-in account (before signing) instead of starting a session;
`web_sessions.reauthenticated_at` is when that confirmation came back (used once).

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-12-01 16:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "c3d4e5f6a7b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pending_logins") as batch_op:
        batch_op.add_column(sa.Column("step_up_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_pending_logins_step_up_user_id_users", "users", ["step_up_user_id"], ["id"]
        )
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.add_column(
            sa.Column(
                "reauthenticated_at", app.timeutil.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.drop_column("reauthenticated_at")
    with op.batch_alter_table("pending_logins") as batch_op:
        batch_op.drop_constraint("fk_pending_logins_step_up_user_id_users", type_="foreignkey")
        batch_op.drop_column("step_up_user_id")
