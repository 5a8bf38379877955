"""assessment rapporteur

Revision ID: b19110b6a081
Revises: 24cb8074c26c
Create Date: 2026-11-28 11:16:21.066560
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.timeutil

revision: str = 'b19110b6a081'
down_revision: str | None = '24cb8074c26c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rapporteur_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assessments_rapporteur_id_users'), 'users', ['rapporteur_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_rapporteur_id_users'), type_='foreignkey')
        batch_op.drop_column('rapporteur_id')


