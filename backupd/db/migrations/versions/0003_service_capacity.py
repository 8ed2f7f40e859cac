"""services: capacity reported by backupd-volume for volume placement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total_capacity_gb', sa.Float()))
        batch_op.add_column(sa.Column('free_capacity_gb', sa.Float()))
        batch_op.add_column(sa.Column('provisioned_capacity_gb', sa.Float()))
        batch_op.add_column(sa.Column('thin_provisioning', sa.Boolean()))
        batch_op.add_column(sa.Column('reserved_percentage', sa.Integer()))
        batch_op.add_column(sa.Column('max_over_subscription_ratio',
                                      sa.Float()))
        batch_op.add_column(sa.Column('capacity_reported_at', sa.DateTime()))
