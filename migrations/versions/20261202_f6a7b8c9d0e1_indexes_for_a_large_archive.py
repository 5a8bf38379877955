"""indexes for a large archive

With years of archived assessments, pages looked rows up by columns without an index:
`submissions.sha256` (which submission a signed report froze: the register, the archive
detail and every verification of a file read it, and a scan reads every snapshot); the
events of one object, `audit_events (object_type, object_id)` (a report's signing, which the
archive detail checks); and a user's unread notifications, `notifications (user_id,
read_at)`, counted on every page (it replaces the index on `user_id` alone); and the public
register's order, `archive_entries (is_public, signed_at)` (it replaces the index on
`is_public` alone, which left the published entries to be sorted on every page).

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f6a7b8c9d0e1"
down_revision: str | None = "e5f6a7b8c9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_submissions_sha256"), "submissions", ["sha256"], unique=False)
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])
    op.create_index(
        "ix_notifications_user_id_read_at", "notifications", ["user_id", "read_at"]
    )
    op.drop_index("ix_notifications_user_id", table_name="notifications")
    op.create_index(
        "ix_archive_entries_is_public_signed_at", "archive_entries", ["is_public", "signed_at"]
    )
    op.drop_index("ix_archive_entries_is_public", table_name="archive_entries")


def downgrade() -> None:
    op.create_index("ix_archive_entries_is_public", "archive_entries", ["is_public"])
    op.drop_index("ix_archive_entries_is_public_signed_at", table_name="archive_entries")
    op.create_index("ix_notifications_user_id", "notifications", ["user_id"])
    op.drop_index("ix_notifications_user_id_read_at", table_name="notifications")
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.drop_index(op.f("ix_submissions_sha256"), table_name="submissions")
