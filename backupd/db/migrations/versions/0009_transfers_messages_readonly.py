"""volume transfers, user messages, the read-only flag (issue 21)

transfers: a volume offered to another project (POST /os-volume-transfer),
its auth key kept only as a salted hash as in Cinder. messages: user
messages (GET /messages, 3.3), why an asynchronous request failed.
volumes.readonly: os-update_readonly_flag (shown as metadata "readonly").

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('updated_at', sa.DateTime(), nullable=True),
            sa.Column('deleted_at', sa.DateTime(), nullable=True),
            sa.Column('deleted', sa.Boolean(), nullable=False)]


def upgrade():
    op.create_table(
        'transfers',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('volume_id', sa.String(36), sa.ForeignKey('volumes.id'),
                  nullable=False),
        sa.Column('display_name', sa.String(255)),
        sa.Column('salt', sa.String(255), nullable=False),
        sa.Column('crypt_hash', sa.String(255), nullable=False),
        sa.Column('source_project_id', sa.String(255), nullable=False),
        sa.Column('destination_project_id', sa.String(255)),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        sa.Column('no_snapshots', sa.Boolean(), nullable=False),
        *_timestamps())
    op.create_index('transfers_volume_id_idx', 'transfers', ['volume_id'])
    op.create_index('transfers_project_idx', 'transfers',
                    ['source_project_id', 'deleted'])
    op.create_table(
        'messages',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('request_id', sa.String(255)),
        sa.Column('resource_type', sa.String(255)),
        sa.Column('resource_uuid', sa.String(36)),
        sa.Column('event_id', sa.String(255), nullable=False),
        sa.Column('message_level', sa.String(255), nullable=False),
        sa.Column('user_message', sa.String(1024), nullable=False),
        sa.Column('expires_at', sa.DateTime()),
        *_timestamps())
    op.create_index('messages_project_idx', 'messages',
                    ['project_id', 'deleted'])
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('readonly', sa.Boolean(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('volumes', schema=None) as batch_op:
        batch_op.drop_column('readonly')
    op.drop_index('messages_project_idx', 'messages')
    op.drop_table('messages')
    op.drop_index('transfers_project_idx', 'transfers')
    op.drop_index('transfers_volume_id_idx', 'transfers')
    op.drop_table('transfers')
