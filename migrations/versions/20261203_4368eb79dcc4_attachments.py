"""evidence attachments: content-addressed blobs and the attachments that name them

`blobs` holds each file's bytes once, by SHA-256 (`content` is NULL when they are kept in the
attachment directory). `attachments` names a blob for an answer (question_id) or a condition
(condition_id). Guard triggers: a blob never changes and is never deleted; an attachment is
never deleted, and only its removal may be recorded (removed_at, removed_by_id, once); an
answer's attachment of a signed or archived assessment can be neither added nor removed.

Revision ID: 4368eb79dcc4
Revises: ae12edea4d75
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "4368eb79dcc4"
down_revision: str | None = "ae12edea4d75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = "('signed', 'archived')"
FIXED = (
    "id",
    "sha256",
    "filename",
    "media_type",
    "size",
    "assessment_id",
    "question_id",
    "condition_id",
    "uploaded_by_id",
    "created_at",
)
MESSAGE = "datawaarden: this row is sealed"


def _changed(columns: Sequence[str], differs: str) -> str:
    return " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in columns)


def _guards_sqlite() -> None:
    def trigger(name: str, timing: str, table: str, when: str | None = None) -> None:
        condition = f" WHEN {when}" if when else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {timing} ON {table}{condition} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table}'); END"
        )

    def sealed(row: str) -> str:
        return (
            f"({row}.question_id IS NOT NULL AND "
            f"(SELECT state FROM assessments WHERE id = {row}.assessment_id) IN {SEALED})"
        )

    trigger("dw_guard_blobs_update", "UPDATE", "blobs")
    trigger("dw_guard_blobs_delete", "DELETE", "blobs")
    trigger("dw_guard_attachments_insert", "INSERT", "attachments", sealed("NEW"))
    trigger(
        "dw_guard_attachments_update",
        "UPDATE",
        "attachments",
        f"OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL OR {sealed('OLD')} OR "
        + _changed(FIXED, "IS NOT"),
    )
    trigger("dw_guard_attachments_delete", "DELETE", "attachments")


def _guards_postgresql() -> None:
    op.execute(
        "CREATE TRIGGER dw_guard_blobs BEFORE UPDATE OR DELETE ON blobs "
        "FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
    )
    op.execute(
        "CREATE TRIGGER dw_guard_attachments_insert BEFORE INSERT ON attachments FOR EACH ROW "
        "WHEN (NEW.question_id IS NOT NULL AND dw_is_sealed('assessment', NEW.assessment_id)) "
        "EXECUTE FUNCTION dw_refuse()"
    )
    op.execute(
        "CREATE TRIGGER dw_guard_attachments_update BEFORE UPDATE ON attachments FOR EACH ROW "
        "WHEN (OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL "
        "OR (OLD.question_id IS NOT NULL AND dw_is_sealed('assessment', OLD.assessment_id)) "
        f"OR {_changed(FIXED, 'IS DISTINCT FROM')}) EXECUTE FUNCTION dw_refuse()"
    )
    op.execute(
        "CREATE TRIGGER dw_guard_attachments_delete BEFORE DELETE ON attachments "
        "FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
    )


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=True),
        sa.Column("condition_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name=op.f("fk_attachments_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_attachments_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["condition_id"],
            ["advice_conditions.id"],
            name=op.f("fk_attachments_condition_id_advice_conditions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["users.id"], name=op.f("fk_attachments_removed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"])
    op.create_index("ix_attachments_condition_id", "attachments", ["condition_id"])
    op.create_index(
        "ix_attachments_assessment_question", "attachments", ["assessment_id", "question_id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        _guards_postgresql()
    else:
        _guards_sqlite()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, table in (
            ("dw_guard_blobs", "blobs"),
            ("dw_guard_attachments_insert", "attachments"),
            ("dw_guard_attachments_update", "attachments"),
            ("dw_guard_attachments_delete", "attachments"),
        ):
            op.execute(f"DROP TRIGGER {name} ON {table}")
    op.drop_index("ix_attachments_assessment_question", table_name="attachments")
    op.drop_index("ix_attachments_condition_id", table_name="attachments")
    op.drop_index("ix_attachments_sha256", table_name="attachments")
    op.drop_table("attachments")
    op.drop_table("blobs")
