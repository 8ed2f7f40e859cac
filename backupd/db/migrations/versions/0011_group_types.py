"""group types and their specs (issue 21)

Cinder's group types (3.11): named, public or private, with group specs;
deleted outright, as volume types.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'group_types',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255)),
        sa.Column('is_public', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('name', name='uniq_group_types0name'))
    op.create_table(
        'group_type_specs',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_type_id', sa.String(36),
                  sa.ForeignKey('group_types.id'), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255)),
        sa.UniqueConstraint('group_type_id', 'key',
                            name='uniq_group_type_specs0type_key'))
    op.create_index('ix_group_type_specs_group_type_id', 'group_type_specs',
                    ['group_type_id'])


def downgrade():
    op.drop_index('ix_group_type_specs_group_type_id', 'group_type_specs')
    op.drop_table('group_type_specs')
    op.drop_table('group_types')
