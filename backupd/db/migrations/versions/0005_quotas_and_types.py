"""quotas, reservations, volume types (revision reserved; filled in by the change that needs it)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    pass
