"""single sign-on: the OpenID Connect identity of an account and the pending logins

`users` gets the identity (`oidc_issuer`, `oidc_subject`, unique together) an account belongs
to; `web_sessions` keeps the ID token of a single sign-on login for the logout at the
provider; `pending_logins` holds state, nonce and PKCE verifier between the redirect to the
provider and its return, so that any app process can finish a login, and each only once.

Revision ID: c3d4e5f6a7b8
Revises: 9c3e4f5a6b72
Create Date: 2026-12-01 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "c3d4e5f6a7b8"
down_revision: str | None = "9c3e4f5a6b72"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("next_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_logins")),
        sa.UniqueConstraint("state", name=op.f("uq_pending_logins_state")),
    )
    op.create_index(
        op.f("ix_pending_logins_expires_at"), "pending_logins", ["expires_at"], unique=False
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            "uq_users_oidc_issuer", ["oidc_issuer", "oidc_subject"]
        )
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.drop_column("id_token")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("uq_users_oidc_issuer", type_="unique")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
    op.drop_index(op.f("ix_pending_logins_expires_at"), table_name="pending_logins")
    op.drop_table("pending_logins")
