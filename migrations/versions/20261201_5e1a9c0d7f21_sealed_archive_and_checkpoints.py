"""sealed archive and audit checkpoints

Signed audit checkpoints; report versions of a kind (signature, co-signature, renewed
timestamp); and guard triggers, so that what was logged, submitted, signed or archived cannot be
changed through SQL either (a DBA can still drop them: the verifiers are the second line).

Revision ID: 5e1a9c0d7f21
Revises: 3bc560c7fb23
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "5e1a9c0d7f21"
down_revision: str | None = "3bc560c7fb23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = "('signed', 'archived')"
# Tables whose rows never change once written.
APPEND_ONLY = ("audit_events", "audit_checkpoints", "reports", "submissions")
# Tables whose rows freeze once their assessment is signed: (table, column, via).
SEALED_ROWS = (
    ("answers", "assessment_id", "assessment"),
    ("answer_revisions", "assessment_id", "assessment"),
    ("review_comments", "assessment_id", "assessment"),
    ("section_verdicts", "assessment_id", "assessment"),
    ("advices", "assessment_id", "assessment"),
    ("advice_conditions", "advice_id", "advice"),
    ("opinions", "advice_id", "advice"),
)
ASSESSMENT_CONTENT = (
    "reference",
    "title",
    "department",
    "description",
    "questionnaire_version_id",
    "lead_id",
    "locale",
)
# Of an archive entry only the publication may change.
ENTRY_FIXED = (
    "assessment_id",
    "reference",
    "title",
    "department",
    "description",
    "search_text",
    "questionnaire_key",
    "questionnaire_version",
    "outcome",
    "overall_level",
    "levels_json",
    "obligations",
    "created_at",
    "submitted_at",
    "signed_at",
    "year",
    "retention_until",
    "report_sha256",
)
MESSAGE = "datawaarden: this row is sealed"


def _changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _sqlite_sealed(via: str, row: str, column: str) -> str:
    if via == "assessment":
        return f"(SELECT state FROM assessments WHERE id = {row}.{column}) IN {SEALED}"
    return (
        "(SELECT s.state FROM advices a JOIN assessments s ON s.id = a.assessment_id "
        f"WHERE a.id = {row}.{column}) IN {SEALED}"
    )


def _sqlite_upgrade() -> None:
    def trigger(name: str, timing: str, table: str, when: str | None = None) -> None:
        condition = f" WHEN {when}" if when else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {timing} ON {table}{condition} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table}'); END"
        )

    for table in APPEND_ONLY:
        trigger(f"dw_guard_{table}_update", "UPDATE", table)
        trigger(f"dw_guard_{table}_delete", "DELETE", table)
    for table, column, via in SEALED_ROWS:
        trigger(f"dw_guard_{table}_insert", "INSERT", table, _sqlite_sealed(via, "NEW", column))
        trigger(
            f"dw_guard_{table}_update",
            "UPDATE",
            table,
            f"{_sqlite_sealed(via, 'OLD', column)} OR {_sqlite_sealed(via, 'NEW', column)}",
        )
        trigger(f"dw_guard_{table}_delete", "DELETE", table, _sqlite_sealed(via, "OLD", column))
    trigger(
        "dw_guard_assessments_update",
        "UPDATE",
        "assessments",
        f"(OLD.state IN {SEALED} AND ({_changed(ASSESSMENT_CONTENT)})) "
        "OR (OLD.state = 'archived' AND NEW.state IS NOT OLD.state)",
    )
    trigger("dw_guard_assessments_delete", "DELETE", "assessments", f"OLD.state IN {SEALED}")
    trigger("dw_guard_archive_entries_update", "UPDATE", "archive_entries", _changed(ENTRY_FIXED))
    trigger("dw_guard_archive_entries_delete", "DELETE", "archive_entries")


def _postgresql_upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION dw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION dw_is_sealed(via text, ref integer) RETURNS boolean
        LANGUAGE sql STABLE AS $$
          SELECT CASE via
            WHEN 'assessment' THEN EXISTS (
              SELECT 1 FROM assessments WHERE id = ref AND state IN {SEALED})
            ELSE EXISTS (
              SELECT 1 FROM advices a JOIN assessments s ON s.id = a.assessment_id
              WHERE a.id = ref AND s.state IN {SEALED})
          END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION dw_refuse_when_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT'
             AND dw_is_sealed(TG_ARGV[1], (to_jsonb(OLD) ->> TG_ARGV[0])::integer) THEN
            RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME;
          END IF;
          IF TG_OP <> 'DELETE'
             AND dw_is_sealed(TG_ARGV[1], (to_jsonb(NEW) ->> TG_ARGV[0])::integer) THEN
            RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME;
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER dw_guard_{table} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
        )
    for table, column, via in SEALED_ROWS:
        op.execute(
            f"CREATE TRIGGER dw_guard_{table} BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION dw_refuse_when_sealed('{column}', '{via}')"
        )
    op.execute(
        "CREATE TRIGGER dw_guard_assessments_update BEFORE UPDATE ON assessments FOR EACH ROW "
        f"WHEN ((OLD.state IN {SEALED} AND ({_changed(ASSESSMENT_CONTENT)})) "
        "OR (OLD.state = 'archived' AND NEW.state IS DISTINCT FROM OLD.state)) "
        "EXECUTE FUNCTION dw_refuse()".replace(" IS NOT ", " IS DISTINCT FROM ")
    )
    op.execute(
        "CREATE TRIGGER dw_guard_assessments_delete BEFORE DELETE ON assessments FOR EACH ROW "
        f"WHEN (OLD.state IN {SEALED}) EXECUTE FUNCTION dw_refuse()"
    )
    op.execute(
        "CREATE TRIGGER dw_guard_archive_entries_update BEFORE UPDATE ON archive_entries "
        f"FOR EACH ROW WHEN ({_changed(ENTRY_FIXED)}) EXECUTE FUNCTION dw_refuse()".replace(
            " IS NOT ", " IS DISTINCT FROM "
        )
    )
    op.execute(
        "CREATE TRIGGER dw_guard_archive_entries_delete BEFORE DELETE ON archive_entries "
        "FOR EACH ROW EXECUTE FUNCTION dw_refuse()"
    )


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("statement_json", sa.Text(), nullable=False),
        sa.Column("statement_sha256", sa.String(length=64), nullable=False),
        sa.Column("cms", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("sequence", name=op.f("uq_audit_checkpoints_sequence")),
        sa.UniqueConstraint("statement_sha256", name=op.f("uq_audit_checkpoints_statement_sha256")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="signature")
        )
        batch_op.alter_column("signed_by_id", existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE reports SET kind = 'cosignature' WHERE sequence > 1")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        names = bind.execute(
            sa.text(
                "SELECT tgname, relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE tgname LIKE 'dw_guard_%'"
            )
        ).all()
        for name, table in names:
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in ("dw_refuse_when_sealed()", "dw_is_sealed(text, integer)", "dw_refuse()"):
            op.execute(f"DROP FUNCTION {function}")
    else:
        names = bind.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dw_guard_%'")
        ).scalars()
        for name in list(names):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column("signed_by_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("kind")
    op.drop_table("audit_checkpoints")
