"""indexes for a large archive

With years of archived assessments, pages looked rows up by columns without an index:
`submissions.sha256` (which submission a signed report froze: the register, the archive
detail and every verification of a file read it, and a scan reads every snapshot).

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_submissions_sha256"), "submissions", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_sha256"), table_name="submissions")
