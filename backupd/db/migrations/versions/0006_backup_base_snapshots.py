"""base snapshots for changed-block tracking (issue 19)

backups.base_snapshot_id: the snapshot the backup read, kept (a temporary
snapshot, never shown) as the next incremental's base; base_identity: the
volume driver's identity of that snapshot when it was kept, checked before
its changed ranges are trusted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('backups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_snapshot_id', sa.String(36),
                                      nullable=True))
        batch_op.add_column(sa.Column('base_identity', sa.String(255),
                                      nullable=True))
