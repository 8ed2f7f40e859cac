"""backups.depends_on_parent: the backup's stored data needs its parent's
(issue 18, doc/dedup-and-gc.rst)

Backups of the shared data layout (manifest version 3) restore without
their parent, so a parent can be deleted in any order; only incrementals
of manifest version 1 or 2 need their parent's objects. Every row with a
parent when this migration runs was written with those versions: true.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('backups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depends_on_parent', sa.Boolean(),
                                      nullable=False,
                                      server_default=sa.false()))
    backups = sa.table('backups', sa.column('parent_id', sa.String(36)),
                       sa.column('depends_on_parent', sa.Boolean()))
    op.execute(backups.update()
               .where(backups.c.parent_id.isnot(None))
               .values(depends_on_parent=True))
