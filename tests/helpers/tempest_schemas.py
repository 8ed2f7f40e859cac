"""Tempest's response schemas of volumes, snapshots and backups, as data.

Transcribed from Tempest 47.0.0 (tempest/lib/api_schema/response/volume:
volumes.py, v3_61/v3_63/v3_64 volumes.py, snapshots.py, backups.py,
v3_64/backups.py), with ``additionalProperties: False`` wherever Tempest
has it: a key Cinder does not send fails Tempest, so it fails here.
Formats (uuid, iso8601) are left out; the keys and types are what differs.

Tempest checks at its configured microversion; where its base schema
leaves a later version's key to a TODO (snapshot ``user_id`` at 3.41,
``group_snapshot_id`` at 3.14) the key is added from that version on, as
Cinder sends it.
"""
import copy

import jsonschema

STRING = {'type': 'string'}
STRING_OR_NULL = {'type': ['string', 'null']}
BOOLEAN = {'type': 'boolean'}
INTEGER = {'type': 'integer'}
OBJECT = {'type': 'object'}
LINKS = {'type': 'array', 'items': {
    'type': 'object',
    'properties': {'href': STRING, 'rel': STRING},
    'additionalProperties': False, 'required': ['href', 'rel']}}


def _obj(properties, required, extra=True):
    return {'type': 'object', 'properties': properties,
            'additionalProperties': extra, 'required': list(required)}


def _closed(properties, required):
    return _obj(properties, required, extra=False)


def _wrapped(key, schema, links=False):
    properties = {key: schema}
    if links:
        properties['%s_links' % key] = LINKS
    return _closed(properties, [key])


def _with(schema, **properties):
    schema = copy.deepcopy(schema)
    schema['properties'].update(properties)
    return schema


def _list_of(key, item):
    return _wrapped(key, {'type': 'array', 'items': item}, links=True)


def _calls(key, created, shown, listed):
    """Volumes and snapshots: update answers the create view, list
    (non-detail) items ``listed``, show and detail ``shown``."""
    return {
        'create': _wrapped(key, created),
        'update': _wrapped(key, created),
        'show': _wrapped(key, shown),
        'list': _list_of(key + 's', listed),
        'detail': _list_of(key + 's', shown),
    }


# --- volumes -----------------------------------------------------------------

_ATTACHMENT = _closed({
    'server_id': STRING_OR_NULL, 'attachment_id': STRING,
    'attached_at': STRING_OR_NULL, 'host_name': STRING_OR_NULL,
    'volume_id': STRING, 'device': STRING_OR_NULL, 'id': STRING,
}, ['server_id', 'attachment_id', 'host_name', 'volume_id', 'device', 'id'])

_VOLUME_REQUIRED = [
    'attachments', 'links', 'encrypted', 'updated_at', 'replication_status',
    'id', 'size', 'user_id', 'availability_zone', 'metadata', 'status',
    'description', 'multiattach', 'consistencygroup_id', 'name', 'bootable',
    'created_at', 'volume_type', 'snapshot_id', 'source_volid']
_VOLUME_CREATED = _closed({
    'migration_status': STRING_OR_NULL,
    'attachments': {'type': 'array', 'items': _ATTACHMENT},
    'links': LINKS, 'availability_zone': STRING_OR_NULL,
    'encrypted': BOOLEAN, 'updated_at': STRING_OR_NULL,
    'replication_status': STRING_OR_NULL, 'snapshot_id': STRING_OR_NULL,
    'id': STRING, 'size': INTEGER, 'user_id': STRING, 'metadata': OBJECT,
    'status': STRING, 'description': STRING_OR_NULL, 'multiattach': BOOLEAN,
    'source_volid': STRING_OR_NULL, 'consistencygroup_id': STRING_OR_NULL,
    'name': STRING_OR_NULL, 'bootable': STRING, 'created_at': STRING,
    'volume_type': STRING_OR_NULL, 'group_id': STRING_OR_NULL,
    'provider_id': STRING_OR_NULL, 'service_uuid': STRING_OR_NULL,
    'shared_targets': BOOLEAN,
}, _VOLUME_REQUIRED)
_VOLUME_SHOWN = _with(
    _VOLUME_CREATED,
    **{'os-vol-host-attr:host': {'type': ['string', 'null'],
                                 'pattern': '.+@.+#.+'},
       'os-vol-tenant-attr:tenant_id': STRING,
       'os-vol-mig-status-attr:migstat': STRING_OR_NULL,
       'os-vol-mig-status-attr:name_id': STRING_OR_NULL,
       'volume_image_metadata': {'type': ['object', 'null']}})
# v3_61 cluster_name, v3_63 volume_type_id, v3_64 encryption_key_id
_VOLUME_LATER = {'cluster_name': STRING_OR_NULL,
                 'volume_type_id': STRING_OR_NULL,
                 'encryption_key_id': STRING_OR_NULL}
_VOLUME_SUMMARY = _closed({'links': LINKS, 'id': STRING,
                           'name': STRING_OR_NULL}, ['links', 'id', 'name'])


def volumes(version):
    """{call: schema of the response body} at microversion ``version``."""
    created, shown = _VOLUME_CREATED, _VOLUME_SHOWN
    if version >= (3, 64):
        created = _with(created, **_VOLUME_LATER)
        shown = _with(shown, **_VOLUME_LATER)
    return _calls('volume', created, shown, _VOLUME_SUMMARY)


# --- snapshots ---------------------------------------------------------------

_SNAPSHOT = _closed({
    'status': STRING, 'description': STRING_OR_NULL, 'created_at': STRING,
    'name': STRING_OR_NULL, 'volume_id': STRING,
    'metadata': {'type': 'object',
                 'patternProperties': {'^.+$': STRING}},
    'id': STRING, 'size': INTEGER, 'updated_at': STRING_OR_NULL,
}, ['status', 'description', 'created_at', 'metadata', 'name', 'volume_id',
    'id', 'size', 'updated_at'])
_SNAPSHOT_EXTENDED = {'os-extended-snapshot-attributes:progress': STRING,
                      'os-extended-snapshot-attributes:project_id': STRING}


def snapshots(version):
    base = _SNAPSHOT
    if version >= (3, 14):
        base = _with(base, group_snapshot_id=STRING_OR_NULL)
    if version >= (3, 41):
        base = _with(base, user_id=STRING)
    detail = _with(base, **_SNAPSHOT_EXTENDED)
    detail['required'] += sorted(_SNAPSHOT_EXTENDED)
    return _calls('snapshot', base, detail, base)


# --- backups -----------------------------------------------------------------

_BACKUP = _closed({
    'status': STRING, 'object_count': INTEGER, 'container': STRING_OR_NULL,
    'description': STRING_OR_NULL, 'links': LINKS,
    'availability_zone': STRING_OR_NULL, 'created_at': STRING,
    'updated_at': STRING_OR_NULL, 'name': STRING_OR_NULL,
    'has_dependent_backups': BOOLEAN, 'volume_id': STRING,
    'fail_reason': STRING_OR_NULL, 'size': INTEGER, 'id': STRING,
    'is_incremental': BOOLEAN, 'data_timestamp': STRING_OR_NULL,
    'snapshot_id': STRING_OR_NULL,
    'os-backup-project-attr:project_id': STRING,
    'metadata': OBJECT, 'user_id': STRING,
}, ['status', 'object_count', 'fail_reason', 'links', 'created_at',
    'updated_at', 'name', 'volume_id', 'size', 'id', 'data_timestamp'])
_BACKUP_SUMMARY = _closed({'id': STRING, 'links': LINKS, 'name': STRING,
                           'metadata': OBJECT}, ['id', 'links', 'name'])


def backups(version):
    shown = _BACKUP
    if version >= (3, 64):
        shown = _with(shown, encryption_key_id=STRING_OR_NULL)
    listed = _with(shown, count=INTEGER)
    summary_item = _with(_BACKUP_SUMMARY, count=INTEGER)
    del summary_item['properties']['metadata']
    summary_item['properties']['name'] = STRING_OR_NULL
    imported = copy.deepcopy(summary_item)
    del imported['properties']['count']
    return {
        'create': _wrapped('backup', _BACKUP_SUMMARY),
        'update': _wrapped('backup', _BACKUP_SUMMARY),
        'show': _wrapped('backup', shown),
        # Tempest's backup lists have no backups_links key
        'list': _closed({'backups': {'type': 'array',
                                     'items': summary_item}}, ['backups']),
        'detail': _closed({'backups': {'type': 'array', 'items': listed}},
                          ['backups']),
        'restore': _wrapped('restore', _closed(
            {'backup_id': STRING, 'volume_id': STRING,
             'volume_name': STRING},
            ['backup_id', 'volume_id', 'volume_name'])),
        'export': _wrapped('backup-record', _closed(
            {'backup_service': STRING, 'backup_url': STRING},
            ['backup_service', 'backup_url'])),
        'import': _wrapped('backup', imported),
    }


# --- volume types (volume_types.py) ------------------------------------------

_EXTRA_SPECS = {'type': 'object', 'patternProperties': {'^.+$': STRING}}
_TYPE_KEYS = {'extra_specs': _EXTRA_SPECS, 'name': STRING,
              'is_public': BOOLEAN, 'description': STRING_OR_NULL,
              'id': STRING, 'os-volume-type-access:is_public': BOOLEAN,
              'qos_specs_id': STRING_OR_NULL}


def _type_view(leave_out, required):
    return _closed({k: v for k, v in _TYPE_KEYS.items()
                    if k not in leave_out}, required)


def volume_types():
    shown = _type_view((), ['name', 'is_public', 'description', 'id'])
    return {
        'show': _wrapped('volume_type', shown),
        'list': _closed({'volume_types': {'type': 'array', 'items': shown}},
                        ['volume_types']),
        # create and update: no qos_specs_id; update no access key either
        'create': _wrapped('volume_type', _type_view(
            ('qos_specs_id',), ['name', 'is_public', 'id', 'description',
                                'os-volume-type-access:is_public'])),
        'update': _wrapped('volume_type', _type_view(
            ('qos_specs_id', 'os-volume-type-access:is_public'),
            ['name', 'is_public', 'description', 'id'])),
    }


# --- transfers (transfers.py, v3_55, v3_57) -----------------------------------

_TRANSFER_SHOWN = {'links': LINKS, 'created_at': STRING,
                   'volume_id': STRING, 'id': STRING, 'name': STRING_OR_NULL}


def transfers(version):
    shown = dict(_TRANSFER_SHOWN)
    if version >= (3, 55):
        shown['no_snapshots'] = BOOLEAN
    if version >= (3, 57):
        shown.update(destination_project_id=STRING_OR_NULL,
                     source_project_id=STRING, accepted=BOOLEAN)
    shown_schema = _closed(shown, ['links', 'created_at', 'volume_id', 'id',
                                   'name'])
    created = _with(shown_schema, auth_key=STRING)
    created['required'] = created['required'] + ['auth_key']
    summary = _closed({'volume_id': STRING, 'id': STRING, 'links': LINKS,
                       'name': STRING_OR_NULL},
                      ['volume_id', 'id', 'links', 'name'])
    return {
        'create': _wrapped('transfer', created),
        'show': _wrapped('transfer', shown_schema),
        'list': _closed({'transfers': {'type': 'array', 'items': summary}},
                        ['transfers']),
        'detail': _closed({'transfers': {'type': 'array',
                                         'items': shown_schema}},
                          ['transfers']),
        'accept': _wrapped('transfer', summary),
    }


# --- messages, extensions (messages.py, extensions.py) ----------------------

_MESSAGE = _closed({
    'request_id': STRING, 'message_level': STRING, 'links': LINKS,
    'event_id': STRING, 'created_at': STRING, 'guaranteed_until': STRING,
    'resource_uuid': STRING, 'id': STRING, 'resource_type': STRING,
    'user_message': STRING,
}, ['request_id', 'message_level', 'event_id', 'created_at', 'id',
    'user_message'])
MESSAGES_LIST = _closed({'messages': {'type': 'array', 'items': _MESSAGE}},
                        ['messages'])
MESSAGE_SHOW = _wrapped('message', _MESSAGE)
EXTENSIONS_LIST = _closed({'extensions': {'type': 'array', 'items': _closed({
    'updated': STRING, 'description': STRING, 'links': {'type': 'array'},
    'namespace': STRING, 'alias': STRING, 'name': STRING,
}, ['updated', 'links', 'alias', 'name', 'description'])}}, ['extensions'])


def check(schemas, call, resp, status):
    """``resp`` has ``status`` and a body valid against ``schemas[call]``
    (one of the dicts above); else an AssertionError naming the call."""
    assert resp.status_code == status, resp.text
    try:
        jsonschema.validate(resp.json(), schemas[call])
    except jsonschema.ValidationError as e:
        raise AssertionError('%s: %s' % (call, e.message)) from None


# --- QoS specs (qos.py) -------------------------------------------------------

_QOS_KEYS = {'type': 'object', 'patternProperties': {'^.+$': STRING}}
QOS_SHOW = _closed({
    'qos_specs': _closed({'name': STRING, 'id': STRING, 'consumer': STRING,
                          'specs': {'type': ['object', 'null']}},
                         ['name', 'id', 'specs']),
    'links': LINKS}, ['qos_specs', 'links'])
QOS_LIST = _closed({'qos_specs': {'type': 'array', 'items': _closed(
    {'specs': _QOS_KEYS, 'consumer': STRING, 'id': STRING, 'name': STRING},
    ['specs', 'id', 'name'])}}, ['qos_specs'])
QOS_SET_KEYS = _closed({'qos_specs': _QOS_KEYS}, ['qos_specs'])
QOS_ASSOCIATIONS = _closed({'qos_associations': {
    'type': 'array', 'items': _closed(
        {'association_type': STRING, 'id': STRING, 'name': STRING},
        ['association_type', 'id', 'name'])}}, ['qos_associations'])


# --- group types (group_types.py) ---------------------------------------------

_GROUP_TYPE = _closed({'id': STRING, 'is_public': BOOLEAN,
                       'group_specs': _QOS_KEYS,
                       'description': STRING_OR_NULL, 'name': STRING},
                      ['id', 'is_public', 'description', 'name'])
GROUP_TYPE_SHOW = _wrapped('group_type', _GROUP_TYPE)
GROUP_TYPE_LIST = _closed({'group_types': {'type': 'array',
                                           'items': _GROUP_TYPE}},
                          ['group_types'])
GROUP_SPECS = _closed({'group_specs': _QOS_KEYS}, ['group_specs'])


# --- groups and group snapshots (groups.py, group_snapshots.py) -------------

_IDS = {'type': 'array', 'items': STRING}
_GROUP = _closed({
    'status': STRING, 'description': STRING_OR_NULL,
    'availability_zone': STRING, 'created_at': STRING, 'group_type': STRING,
    'group_snapshot_id': STRING_OR_NULL, 'source_group_id': STRING_OR_NULL,
    'volume_types': _IDS, 'id': STRING, 'name': STRING, 'volumes': _IDS,
    'replication_status': STRING_OR_NULL,
}, ['status', 'description', 'created_at', 'group_type', 'volume_types',
    'id', 'name'])
_ID_NAME = _closed({'id': STRING, 'name': STRING}, ['id', 'name'])
GROUP_CREATE = _wrapped('group', _ID_NAME)
GROUP_SHOW = _wrapped('group', _GROUP)
GROUP_LIST = _closed({'groups': {'type': 'array', 'items': _ID_NAME}},
                     ['groups'])
GROUP_DETAIL = _closed({'groups': {'type': 'array', 'items': _GROUP}},
                       ['groups'])
_GROUP_SNAPSHOT = _closed({
    'created_at': STRING, 'group_id': STRING, 'id': STRING, 'name': STRING,
    'status': STRING, 'description': STRING_OR_NULL,
    'group_type_id': STRING,
}, ['created_at', 'group_id', 'id', 'name', 'status', 'description',
    'group_type_id'])
GROUP_SNAPSHOT_CREATE = _wrapped('group_snapshot', _closed(
    {'id': STRING, 'name': STRING, 'group_type_id': STRING},
    ['id', 'name', 'group_type_id']))
GROUP_SNAPSHOT_SHOW = _wrapped('group_snapshot', _GROUP_SNAPSHOT)
GROUP_SNAPSHOT_DETAIL = _closed({'group_snapshots': {
    'type': 'array', 'items': _GROUP_SNAPSHOT}}, ['group_snapshots'])
