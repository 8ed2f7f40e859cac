"""QoS specs (issue 21): qos_specs, their keys, volume_types.qos_specs_id

Cinder's generic QoS specs: named sets of keys with a consumer
(front-end, back-end, both), associated with volume types. backupd stores
and shows them; its local volumes have no front end to limit.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'qos_specs',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('consumer', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('name', name='uniq_qos_specs0name'))
    op.create_table(
        'qos_spec_keys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('qos_specs_id', sa.String(36),
                  sa.ForeignKey('qos_specs.id'), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255)),
        sa.UniqueConstraint('qos_specs_id', 'key',
                            name='uniq_qos_spec_keys0qos_key'))
    op.create_index('ix_qos_spec_keys_qos_specs_id', 'qos_spec_keys',
                    ['qos_specs_id'])
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qos_specs_id', sa.String(36),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.drop_column('qos_specs_id')
    op.drop_index('ix_qos_spec_keys_qos_specs_id', 'qos_spec_keys')
    op.drop_table('qos_spec_keys')
    op.drop_table('qos_specs')
