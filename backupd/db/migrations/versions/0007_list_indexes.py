"""indexes for keyset-paged API lists and the filters the API and the
managers use (issue 15, doc/api-performance.rst)

Per volumes, snapshots and backups: (deleted, created_at, id) for an
admin's all_tenants list, and (project_id, deleted, <key>, created_at, id)
per indexed sort key, which replace the (project_id) indexes (their
leading column serves the same lookups). Backups: parent_id (dependents)
and (host, status) (cleanup at start, the reconciler); volumes (host,
status); volume and snapshot metadata (key, value) for metadata filters.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Frozen copy of models.INDEXED_SORT_KEYS at this revision.
_SORT_KEYS = ('created_at', 'updated_at', 'display_name', 'status', 'id')


def _list_indexes(table):
    op.create_index('%s_deleted_created_idx' % table, table,
                    ['deleted', 'created_at', 'id'])
    for key in _SORT_KEYS:
        columns = ([key] if key == 'id' else
                   ['created_at', 'id'] if key == 'created_at' else
                   [key, 'created_at', 'id'])
        op.create_index('%s_project_%s_idx' % (table, key), table,
                        ['project_id', 'deleted'] + columns)


def upgrade():
    for table in ('volumes', 'snapshots', 'backups'):
        _list_indexes(table)
        op.drop_index('%s_project_idx' % table, table_name=table)
    op.create_index('backups_parent_idx', 'backups', ['parent_id'])
    op.create_index('backups_host_status_idx', 'backups', ['host', 'status'])
    op.create_index('volumes_host_status_idx', 'volumes', ['host', 'status'])
    op.create_index('volume_metadata_key_value_idx', 'volume_metadata',
                    ['key', 'value'])
    op.create_index('snapshot_metadata_key_value_idx', 'snapshot_metadata',
                    ['key', 'value'])
