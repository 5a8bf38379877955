"""archive index

Revision ID: 3bc560c7fb23
Revises: 452444c2aec0
Create Date: 2026-11-28 11:30:07.785469
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.timeutil

revision: str = '3bc560c7fb23'
down_revision: str | None = '452444c2aec0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('archive_entries',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=100), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('overall_level', sa.String(length=10), nullable=False),
    sa.Column('levels_json', sa.Text(), nullable=False),
    sa.Column('obligations', sa.Text(), nullable=False),
    sa.Column('created_at', app.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', app.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_at', app.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('retention_until', sa.Date(), nullable=False),
    sa.Column('report_sha256', sa.String(length=64), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('published_at', app.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_archive_entries_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_archive_entries')),
    sa.UniqueConstraint('reference', name=op.f('uq_archive_entries_reference'))
    )
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_entries_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_entries_is_public'), ['is_public'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_entries_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_entries_overall_level'), ['overall_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_entries_signed_at'), ['signed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_entries_year'), ['year'], unique=False)
    # Full-text search, per database (app.archive.search uses the same structures).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE archive_fts USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2')")
    else:
        op.execute(
            "CREATE INDEX ix_archive_entries_fts ON archive_entries "
            "USING gin (to_tsvector('dutch', search_text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS archive_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_archive_entries_fts")
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_entries_year'))
        batch_op.drop_index(batch_op.f('ix_archive_entries_signed_at'))
        batch_op.drop_index(batch_op.f('ix_archive_entries_overall_level'))
        batch_op.drop_index(batch_op.f('ix_archive_entries_outcome'))
        batch_op.drop_index(batch_op.f('ix_archive_entries_is_public'))
        batch_op.drop_index(batch_op.f('ix_archive_entries_department'))

    op.drop_table('archive_entries')
