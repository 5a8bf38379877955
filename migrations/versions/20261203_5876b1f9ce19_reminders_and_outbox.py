"""reminders, the durable mail outbox and the job runner's last runs

`reminders` records each reminder once per recipient (a unique key over kind, subject, date
and recipient), `outgoing_mails` is the outbox the worker sends from (claimed, sent, failed,
with a Message-ID fixed when the mail is queued), `job_runs` the last run of each job.

Revision ID: 5876b1f9ce19
Revises: a1f0c3d5e7b9
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.timeutil

revision: str = "5876b1f9ce19"
down_revision: str | None = "a1f0c3d5e7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("sent_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outgoing_mails_message_id")),
    )
    waiting = sa.text("sent_at IS NULL AND failed_at IS NULL")
    op.create_index(
        "ix_outgoing_mails_waiting",
        "outgoing_mails",
        ["id"],
        sqlite_where=waiting,
        postgresql_where=waiting,
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(260), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("scanned_for", sa.Date(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_reminders_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_reminders_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["outgoing_mails.id"], name=op.f("fk_reminders_mail_id_outgoing_mails")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "kind", "subject_id", "due_on", "recipient", name=op.f("uq_reminders_kind")
        ),
    )
    op.create_index("ix_reminders_assessment_id", "reminders", ["assessment_id"])
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("started_at", app.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scanned_for", sa.Date(), nullable=True),
        sa.Column("outcome_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_index("ix_reminders_assessment_id", table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_outgoing_mails_waiting", table_name="outgoing_mails")
    op.drop_table("outgoing_mails")
