"""operation leases for the reconciler: lease_owner/lease_expires_at on
backups, volumes and snapshots (doc/reliability.rst)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ('backups', 'volumes', 'snapshots')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('lease_owner', sa.String(255)))
            batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime()))
