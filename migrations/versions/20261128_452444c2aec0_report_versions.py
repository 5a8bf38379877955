"""report versions

Revision ID: 452444c2aec0
Revises: b19110b6a081
Create Date: 2026-11-28 11:21:41.165066
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.timeutil

revision: str = '452444c2aec0'
down_revision: str | None = 'b19110b6a081'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('snapshot_sha256', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('uq_reports_advice_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_reports_advice_id'), ['advice_id', 'sequence'])




def downgrade() -> None:

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reports_advice_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_reports_advice_id'), ['advice_id'])
        batch_op.drop_column('snapshot_sha256')
        batch_op.drop_column('sequence')


