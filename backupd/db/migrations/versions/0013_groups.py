"""groups and group snapshots (issue 21)

Cinder's generic groups (3.13) and group snapshots (3.14): bookkeeping over
per-volume operations. groups (a group type and the volume types it takes,
group_volume_types), group_snapshots, volumes.group_id,
snapshots.group_snapshot_id.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True),
            sa.Column('deleted_at', sa.DateTime(), nullable=True),
            sa.Column('deleted', sa.Boolean(), nullable=False)]


def upgrade():
    op.create_table(
        'groups',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('availability_zone', sa.String(255)),
        sa.Column('display_name', sa.String(255)),
        sa.Column('display_description', sa.String(255)),
        sa.Column('status', sa.String(255), nullable=False),
        sa.Column('group_type_id', sa.String(36), nullable=False),
        sa.Column('group_snapshot_id', sa.String(36)),
        sa.Column('source_group_id', sa.String(36)),
        *_timestamps())
    op.create_index('groups_project_idx', 'groups', ['project_id', 'deleted'])
    op.create_table(
        'group_volume_types',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_id', sa.String(36), sa.ForeignKey('groups.id'),
                  nullable=False),
        sa.Column('volume_type_id', sa.String(36), nullable=False))
    op.create_index('ix_group_volume_types_group_id', 'group_volume_types',
                    ['group_id'])
    op.create_table(
        'group_snapshots',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('group_id', sa.String(36), nullable=False),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('display_name', sa.String(255)),
        sa.Column('display_description', sa.String(255)),
        sa.Column('status', sa.String(255), nullable=False),
        sa.Column('group_type_id', sa.String(36)),
        *_timestamps())
    op.create_index('group_snapshots_project_idx', 'group_snapshots',
                    ['project_id', 'deleted'])
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.String(36),
                                      nullable=True))
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_snapshot_id', sa.String(36),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_column('group_snapshot_id')
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.drop_column('group_id')
    op.drop_index('group_snapshots_project_idx', 'group_snapshots')
    op.drop_table('group_snapshots')
    op.drop_index('ix_group_volume_types_group_id', 'group_volume_types')
    op.drop_table('group_volume_types')
    op.drop_index('groups_project_idx', 'groups')
    op.drop_table('groups')
