"""the API rate limit in the database, shared by every process

Revision ID: 9c3e4f5a6b72
Revises: 8b2d3f4a5c61
Create Date: 2026-12-01 16:00:00

`api_rate_windows` holds, per API token and fixed window of the limit, the number of calls. It
replaces the per-process memory of the limiter, so that several processes behind one reverse
proxy count together. Its rows are short-lived: nothing is lost by a downgrade but the running
counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c3e4f5a6b72"
down_revision: str | None = "8b2d3f4a5c61"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_rate_windows",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_index", name=op.f("pk_api_rate_windows")),
    )
    op.create_index("ix_api_rate_windows_window_index", "api_rate_windows", ["window_index"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_rate_windows_window_index", table_name="api_rate_windows")
    op.drop_table("api_rate_windows")
