"""volumes.is_temporary: temporary clones a backup reads from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_temporary', sa.Boolean(),
                                      nullable=False,
                                      server_default=sa.false()))
