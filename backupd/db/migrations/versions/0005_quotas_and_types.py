"""quotas, quota classes, quota usages, volume types and extra specs;
services.volume_backend_name; volumes.volume_type_id; the __DEFAULT__ type

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
import uuid

from alembic import op
from oslo_utils import timeutils
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DEFAULT_TYPE = '__DEFAULT__'


def _stamps():
    return [sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime())]


def upgrade():
    op.create_table(
        'quotas', *_stamps(),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(300), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=False),
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quotas0project_resource'))
    op.create_table(
        'quota_classes', *_stamps(),
        sa.Column('class_name', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(300), nullable=False),
        sa.Column('hard_limit', sa.Integer(), nullable=False),
        sa.UniqueConstraint('class_name', 'resource',
                            name='uniq_quota_classes0class_resource'))
    op.create_table(
        'quota_usages', *_stamps(),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(300), nullable=False),
        sa.Column('in_use', sa.Integer(), nullable=False),
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quota_usages0project_resource'))
    types = op.create_table(
        'volume_types',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime()),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        sa.Column('description', sa.String(255)),
        sa.Column('is_public', sa.Boolean(), nullable=False))
    op.create_table(
        'volume_type_extra_specs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('volume_type_id', sa.String(36),
                  sa.ForeignKey('volume_types.id'), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255)),
        sa.UniqueConstraint('volume_type_id', 'key',
                            name='uniq_type_extra_specs0type_key'))
    op.create_index('ix_volume_type_extra_specs_volume_type_id',
                    'volume_type_extra_specs', ['volume_type_id'])
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volume_backend_name', sa.String(255)))
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volume_type_id', sa.String(36)))

    # Every volume has a type from now on, as in Cinder since Train: the
    # default type, also for volumes made before types existed.
    default_id = str(uuid.uuid4())
    op.bulk_insert(types, [{'id': default_id, 'name': DEFAULT_TYPE,
                            'description': 'Default Volume Type',
                            'is_public': True,
                            'created_at': timeutils.utcnow()}])
    volumes = sa.table('volumes', sa.column('volume_type', sa.String),
                       sa.column('volume_type_id', sa.String))
    op.execute(volumes.update().values(volume_type=DEFAULT_TYPE,
                                       volume_type_id=default_id))
