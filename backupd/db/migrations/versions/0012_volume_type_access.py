"""volume type access lists (issue 21)

volume_type_projects: the projects a private volume type is shared with
(addProjectAccess / removeProjectAccess, GET os-volume-type-access).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'volume_type_projects',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('volume_type_id', sa.String(36),
                  sa.ForeignKey('volume_types.id'), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('volume_type_id', 'project_id',
                            name='uniq_volume_type_projects0type_project'))
    op.create_index('ix_volume_type_projects_project_id',
                    'volume_type_projects', ['project_id'])


def downgrade():
    op.drop_index('ix_volume_type_projects_project_id',
                  'volume_type_projects')
    op.drop_table('volume_type_projects')
