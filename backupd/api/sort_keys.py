"""The sort keys each list accepts, in one table (API name -> column).

Cinder sorts by any column of the listed object and maps the API name
``name`` to ``display_name``; Tempest and clients send either form
(``sort_key=display_name`` on snapshots). Columns that only backupd has or
that leak internals (hosts of other tenants' objects are admin data, lease
fields, temporary ids) are left out: sorting by them would reveal their
order. Collections whose rows are not volume-like (types, QoS specs,
transfers, messages) sort by their own columns.
"""

_SHARED = ('id', 'status', 'display_name', 'display_description',
           'user_id', 'project_id', 'created_at', 'updated_at')
ALIASES = {'name': 'display_name', 'description': 'display_description'}


def _table(*columns, **aliases):
    table = {column: column for column in _SHARED + columns}
    table.update(ALIASES)
    table.update(aliases)
    return table


VOLUMES = _table('size', 'availability_zone', 'attach_status',
                 'snapshot_id', 'source_volid', 'volume_type_id',
                 'bootable', 'multiattach', 'launched_at', 'terminated_at')
# Cinder's snapshot column is volume_size; ``size`` is the key it shows.
SNAPSHOTS = _table('volume_id', 'volume_size', 'progress',
                   size='volume_size')
BACKUPS = _table('volume_id', 'snapshot_id', 'size', 'availability_zone',
                 'container', 'object_count', 'parent_id', 'data_timestamp')
GROUPS = _table('availability_zone', 'group_type_id', 'group_snapshot_id',
                'source_group_id')
GROUP_SNAPSHOTS = _table('group_id', 'group_type_id')


def _own(*columns, **aliases):
    """A table of a collection whose rows are not volume-like."""
    return dict({column: column for column in
                 ('id', 'created_at', 'updated_at') + columns}, **aliases)


GROUP_TYPES = _own('name', 'description', 'is_public')
QOS_SPECS = _own('name', 'consumer')
TRANSFERS = _own('display_name', 'volume_id', name='display_name')
# ``guaranteed_until`` is what a message shows of expires_at
MESSAGES = _own('request_id', 'event_id', 'message_level', 'resource_type',
                'resource_uuid', 'expires_at', guaranteed_until='expires_at')
