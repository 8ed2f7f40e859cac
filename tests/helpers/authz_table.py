"""Who may call what: every route of backupd/api/router.py ROUTES x persona,
with the HTTP code each persona gets. The one place these expectations live.

Personas (``PERSONAS``) are roles, not credentials: a test maps each to an
identity (noauth headers, or a Keystone token). ``owner`` is a member of the
project that owns the resources a case acts on, ``other`` a member of another
project, ``admin`` an administrator in a third project, ``reader`` a user
with only the reader role in the owner's project (its codes follow one rule,
see ``case``). To add a persona, add it to PERSONAS and give every case a
code for it; ``check_table`` (run by tests/unit/test_authz_table.py) refuses
a table with a gap.

A case is one request: ``path`` and ``body`` may hold ``{volume_id}``,
``{snapshot_id}``, ``{backup_id}``, ``{key}``, ``{backup_url}``,
``{transfer_id}``, ``{group_id}``, ``{qos_id}``... (whatever the maker of
its ``setup`` returns), filled by ``render`` from the resources ``setup``
names (tests/helpers/authz_world.py builds them, owned by ``owner``) and
the case's fixed ``params``. A path names each path parameter as its
route does (``route_of``); one route may have several cases (actions). ``mutates``: a success changes or consumes
the resources, so each succeeding persona gets fresh ones; a refusal must
change nothing (the matrix test compares the database and storage).

Codes follow the handlers: another project's resource is hidden (404) before
its policy is checked; an admin-only call checked before the lookup is 403
for everybody but admins (Cinder does the same).
"""
import collections
import copy

PERSONAS = ('admin', 'owner', 'other', 'reader')

Case = collections.namedtuple(
    'Case', 'name method path body setup mutates microversion codes params')


def case(name, method, path, codes, body=None, setup=None, mutates=False,
         microversion=None, reader=None, params=None):
    """``codes``: (admin, owner, other). ``reader`` (a user with only the
    reader role in the owner's project) defaults to Cinder's rule: what the
    owner may read (GET), and 403 on every write. ``params``: fixed values
    of path placeholders that name no resource (an action, an alias)."""
    admin, owner, other = codes
    if reader is None:
        reader = owner if method == 'GET' else 403
    return Case(name, method, path, body, setup, mutates, microversion,
                {'admin': admin, 'owner': owner, 'other': other,
                 'reader': reader}, params or {})


_V = '/volumes/{volume_id}'
_S = '/snapshots/{snapshot_id}'
_B = '/backups/{backup_id}'
_Q = '/os-quota-sets/{project_id}'
_QC = '/os-quota-class-sets/{class_name}'
_T = '/types/{type_id}'
_QS = '/qos-specs/{qos_id}'
_GT = '/group_types/{group_type_id}'
_G = '/groups/{group_id}'
_GS = '/group_snapshots/{group_snapshot_id}'
_M = '/messages/{message_id}'


def _transfer_cases(collection, microversion):
    """The transfer calls under one of their two collection names."""
    t = '/' + collection
    one = t + '/{transfer_id}'
    prefix = collection + ':'
    return [
        case(prefix + 'index', 'GET', t, (200, 200, 200), setup='transfer',
             microversion=microversion),
        case(prefix + 'detail', 'GET', t + '/detail', (200, 200, 200),
             setup='transfer', microversion=microversion),
        case(prefix + 'create', 'POST', t, (202, 202, 404), setup='volume',
             mutates=True, microversion=microversion,
             body={'transfer': {'volume_id': '{volume_id}'}}),
        case(prefix + 'show', 'GET', one, (200, 200, 404), setup='transfer',
             microversion=microversion),
        case(prefix + 'delete', 'DELETE', one, (202, 202, 404),
             setup='transfer', mutates=True, microversion=microversion),
        # whoever has the id and the key accepts: another project's
        # member too (that is what a transfer is for); a reader may not
        case(prefix + 'accept', 'POST', one + '/accept', (202, 202, 202),
             setup='transfer', mutates=True, microversion=microversion,
             body={'accept': {'auth_key': '{auth_key}'}}),
    ]


def _metadata_cases(kind, resource):
    """The metadata calls of a volume or a snapshot (its setup, ``kind``,
    has the key 'k')."""
    prefix = kind + '_metadata:'
    many = resource + '/metadata'
    one = many + '/{key}'
    return [
        case(prefix + 'index', 'GET', many, (200, 200, 404), setup=kind),
        case(prefix + 'create', 'POST', many, (200, 200, 404), setup=kind,
             mutates=True, body={'metadata': {'added': 'yes'}}),
        case(prefix + 'replace', 'PUT', many, (200, 200, 404), setup=kind,
             mutates=True, body={'metadata': {'replaced': 'yes'}}),
        case(prefix + 'show', 'GET', one, (200, 200, 404), setup=kind),
        case(prefix + 'update', 'PUT', one, (200, 200, 404), setup=kind,
             mutates=True, body={'meta': {'{key}': 'changed'}}),
        case(prefix + 'delete', 'DELETE', one, (200, 200, 404), setup=kind,
             mutates=True),
    ]


# codes: (admin, owner, other)
CASES = [
    # --- admin-only reads --------------------------------------------------
    case('services:index', 'GET', '/os-services', (200, 403, 403)),
    case('scheduler_stats:get_pools', 'GET', '/scheduler-stats/get_pools',
         (200, 403, 403)),
    # --- volumes -------------------------------------------------------------
    case('volumes:index', 'GET', '/volumes', (200, 200, 200),
         setup='volume'),
    case('volumes:detail', 'GET', '/volumes/detail', (200, 200, 200),
         setup='volume'),
    case('volumes:create', 'POST', '/volumes', (202, 202, 202),
         body={'volume': {'size': 1}}, mutates=True),
    case('volumes:show', 'GET', _V, (200, 200, 404), setup='volume'),
    case('volumes:update', 'PUT', _V, (200, 200, 404), setup='volume',
         body={'volume': {'name': 'renamed'}}, mutates=True),
    case('volumes:delete', 'DELETE', _V, (202, 202, 404), setup='volume',
         mutates=True),
    case('volumes:force_delete_query', 'DELETE', _V + '?force=True',
         (202, 403, 404), setup='volume', mutates=True),
    case('volumes:action:os-extend', 'POST', _V + '/action',
         (202, 202, 404), setup='volume', mutates=True,
         body={'os-extend': {'new_size': 2}}),
    case('volumes:action:os-attach', 'POST', _V + '/action',
         (202, 202, 404), setup='volume', mutates=True,
         body={'os-attach': {'mountpoint': '/dev/vdb', 'mode': 'rw'}}),
    case('volumes:action:os-detach', 'POST', _V + '/action',
         (202, 202, 404), setup='attached_volume', mutates=True,
         body={'os-detach': {}}),
    case('volumes:action:os-reset_status', 'POST', _V + '/action',
         (202, 403, 404), setup='volume', mutates=True,
         body={'os-reset_status': {'status': 'error'}}),
    case('volumes:action:os-force_delete', 'POST', _V + '/action',
         (202, 403, 404), setup='volume', mutates=True,
         body={'os-force_delete': {}}),
    *_metadata_cases('volume', _V),
    # --- snapshots -----------------------------------------------------------
    case('snapshots:index', 'GET', '/snapshots', (200, 200, 200),
         setup='snapshot'),
    case('snapshots:detail', 'GET', '/snapshots/detail', (200, 200, 200),
         setup='snapshot'),
    case('snapshots:create', 'POST', '/snapshots', (202, 202, 404),
         setup='volume', mutates=True,
         body={'snapshot': {'volume_id': '{volume_id}'}}),
    case('snapshots:show', 'GET', _S, (200, 200, 404), setup='snapshot'),
    case('snapshots:update', 'PUT', _S, (200, 200, 404), setup='snapshot',
         mutates=True, body={'snapshot': {'name': 'renamed'}}),
    case('snapshots:delete', 'DELETE', _S, (202, 202, 404),
         setup='snapshot', mutates=True),
    case('snapshots:action:os-reset_status', 'POST', _S + '/action',
         (202, 403, 404), setup='snapshot', mutates=True,
         body={'os-reset_status': {'status': 'error'}}),
    case('snapshots:action:os-force_delete', 'POST', _S + '/action',
         (202, 403, 404), setup='snapshot', mutates=True,
         body={'os-force_delete': {}}),
    # --- backups -------------------------------------------------------------
    case('backups:index', 'GET', '/backups', (200, 200, 200),
         setup='backup'),
    case('backups:detail', 'GET', '/backups/detail', (200, 200, 200),
         setup='backup'),
    case('backups:create', 'POST', '/backups', (202, 202, 404),
         setup='volume', mutates=True,
         body={'backup': {'volume_id': '{volume_id}'}}),
    case('backups:show', 'GET', _B, (200, 200, 404), setup='backup'),
    case('backups:update', 'PUT', _B, (200, 200, 404), setup='backup',
         mutates=True, microversion='3.9',
         body={'backup': {'name': 'renamed'}}),
    case('backups:delete', 'DELETE', _B, (202, 202, 404), setup='backup',
         mutates=True),
    case('backups:restore', 'POST', _B + '/restore', (202, 202, 404),
         setup='backup', mutates=True, body={'restore': {}}),
    case('backups:action:os-reset_status', 'POST', _B + '/action',
         (202, 403, 403), setup='backup', mutates=True,
         body={'os-reset_status': {'status': 'error'}}),
    case('backups:action:os-force_delete', 'POST', _B + '/action',
         (202, 403, 403), setup='backup', mutates=True,
         body={'os-force_delete': {}}),
    case('backups:export_record', 'GET', _B + '/export_record',
         (200, 403, 403), setup='backup'),
    case('backups:import_record', 'POST', '/backups/import_record',
         (201, 403, 403), setup='exported_record', mutates=True,
         body={'backup-record': {'backup_service': '{backup_service}',
                                 'backup_url': '{backup_url}'}}),
    # --- quotas, limits, types, zones (issue 14) ------------------------------
    # Ids these need: project_id (the owner's project), class_name
    # ('default'), type_id (a public type, setup 'volume_type', holding an
    # admin-only extra spec named by key).
    case('quota_sets:show', 'GET', _Q, (200, 200, 403)),
    case('quota_sets:update', 'PUT', _Q, (200, 403, 403), mutates=True,
         body={'quota_set': {'volumes': 20}}),
    case('quota_sets:delete', 'DELETE', _Q, (200, 403, 403), mutates=True),
    case('quota_sets:defaults', 'GET', _Q + '/defaults', (200, 200, 403)),
    case('quota_sets:class_show', 'GET', _QC, (200, 403, 403)),
    case('quota_sets:class_update', 'PUT', _QC, (200, 403, 403),
         mutates=True, body={'quota_class_set': {'backups': 10}}),
    case('limits:index', 'GET', '/limits', (200, 200, 200)),
    case('volume_types:index', 'GET', '/types', (200, 200, 200)),
    case('volume_types:create', 'POST', '/types', (200, 403, 403),
         mutates=True, body={'volume_type': {'name': 'authz-type'}}),
    case('volume_types:show', 'GET', _T, (200, 200, 200),
         setup='volume_type'),
    case('volume_types:update', 'PUT', _T, (200, 403, 403),
         setup='volume_type', mutates=True,
         body={'volume_type': {'description': 'changed'}}),
    case('volume_types:delete', 'DELETE', _T, (202, 403, 403),
         setup='volume_type', mutates=True),
    case('volume_types:specs_index', 'GET', _T + '/extra_specs',
         (200, 200, 200), setup='volume_type'),
    case('volume_types:specs_create', 'POST', _T + '/extra_specs',
         (200, 403, 403), setup='volume_type', mutates=True,
         body={'extra_specs': {'added': 'yes'}}),
    case('volume_types:specs_show', 'GET', _T + '/extra_specs/{key}',
         (200, 404, 404), setup='volume_type'),
    case('volume_types:specs_update', 'PUT', _T + '/extra_specs/{key}',
         (200, 403, 403), setup='volume_type', mutates=True,
         body={'{key}': 'changed'}),
    case('volume_types:specs_delete', 'DELETE', _T + '/extra_specs/{key}',
         (202, 403, 403), setup='volume_type', mutates=True),
    case('availability_zones:index', 'GET', '/os-availability-zone',
         (200, 200, 200)),
    # --- issue 21: Cinder's other routes ---------------------------------------
    # services and hosts (admin; setup 'service': a volume service's host)
    case('services:update', 'PUT', '/os-services/{action}', (200, 403, 403),
         setup='service', params={'action': 'enable'},
         body={'host': '{service_host}', 'binary': '{service_binary}'}),
    case('hosts:index', 'GET', '/os-hosts', (200, 403, 403)),
    case('hosts:show', 'GET', '/os-hosts/{host_name}', (200, 403, 403),
         setup='service'),
    case('capabilities:show', 'GET', '/capabilities/{host}',
         (200, 403, 403), setup='service'),
    case('extensions:index', 'GET', '/extensions', (200, 200, 200)),
    case('extensions:show', 'GET', '/extensions/{alias}', (200, 200, 200),
         params={'alias': 'backups'}),
    # volume summary (3.12): each project its own
    case('volumes:summary', 'GET', '/volumes/summary', (200, 200, 200),
         setup='volume', microversion='3.12'),
    # volume actions of issue 21 (the route has cases above)
    case('volumes:action:os-reserve', 'POST', _V + '/action',
         (202, 202, 404), setup='volume', mutates=True,
         body={'os-reserve': None}),
    case('volumes:action:os-unreserve', 'POST', _V + '/action',
         (202, 202, 404), setup='reserved_volume', mutates=True,
         body={'os-unreserve': None}),
    case('volumes:action:os-set_bootable', 'POST', _V + '/action',
         (200, 200, 404), setup='volume', mutates=True,
         body={'os-set_bootable': {'bootable': True}}),
    case('volumes:action:os-update_readonly_flag', 'POST', _V + '/action',
         (202, 202, 404), setup='volume', mutates=True,
         body={'os-update_readonly_flag': {'readonly': True}}),
    case('volumes:action:os-retype', 'POST', _V + '/action',
         (202, 202, 404), setup='volume_and_type', mutates=True,
         body={'os-retype': {'new_type': '{type_id}'}}),
    case('snapshots:action:os-update_snapshot_status', 'POST',
         _S + '/action', (202, 202, 404), setup='creating_snapshot',
         mutates=True, body={'os-update_snapshot_status': {
             'status': 'creating', 'progress': '50%'}}),
    *_metadata_cases('snapshot', _S),
    # transfers, under both names
    *_transfer_cases('os-volume-transfer', None),
    *_transfer_cases('volume-transfers', '3.55'),
    # QoS specs (admin only; setup 'qos_spec' also names a volume type)
    case('qos_specs:index', 'GET', '/qos-specs', (200, 403, 403),
         setup='qos_spec'),
    case('qos_specs:create', 'POST', '/qos-specs', (200, 403, 403),
         mutates=True, body={'qos_specs': {'name': 'authz-qos'}}),
    case('qos_specs:show', 'GET', _QS, (200, 403, 403), setup='qos_spec'),
    case('qos_specs:update', 'PUT', _QS, (200, 403, 403), setup='qos_spec',
         mutates=True, body={'qos_specs': {'{key}': 'changed'}}),
    case('qos_specs:delete', 'DELETE', _QS, (202, 403, 403),
         setup='qos_spec', mutates=True),
    case('qos_specs:delete_keys', 'PUT', _QS + '/delete_keys',
         (202, 403, 403), setup='qos_spec', mutates=True,
         body={'keys': ['{key}']}),
    case('qos_specs:associations', 'GET', _QS + '/associations',
         (200, 403, 403), setup='qos_spec'),
    case('qos_specs:associate', 'GET', _QS + '/associate?vol_type_id='
         '{type_id}', (202, 403, 403), setup='qos_spec', mutates=True),
    case('qos_specs:disassociate', 'GET', _QS + '/disassociate?vol_type_id='
         '{type_id}', (202, 403, 403), setup='associated_qos_spec',
         mutates=True),
    case('qos_specs:disassociate_all', 'GET', _QS + '/disassociate_all',
         (202, 403, 403), setup='associated_qos_spec', mutates=True),
    # group types (3.11): members list and show public ones, admins manage
    # them and their group specs
    case('group_types:index', 'GET', '/group_types', (200, 200, 200),
         setup='group_type', microversion='3.11'),
    case('group_types:create', 'POST', '/group_types', (202, 403, 403),
         mutates=True, microversion='3.11',
         body={'group_type': {'name': 'authz-group-type'}}),
    case('group_types:show', 'GET', _GT, (200, 200, 200),
         setup='group_type', microversion='3.11'),
    case('group_types:update', 'PUT', _GT, (200, 403, 403),
         setup='group_type', mutates=True, microversion='3.11',
         body={'group_type': {'description': 'changed'}}),
    case('group_types:delete', 'DELETE', _GT, (202, 403, 403),
         setup='group_type', mutates=True, microversion='3.11'),
    case('group_types:specs_index', 'GET', _GT + '/group_specs',
         (200, 403, 403), setup='group_type', microversion='3.11'),
    case('group_types:specs_create', 'POST', _GT + '/group_specs',
         (202, 403, 403), setup='group_type', mutates=True,
         microversion='3.11', body={'group_specs': {'added': 'yes'}}),
    case('group_types:specs_show', 'GET', _GT + '/group_specs/{key}',
         (200, 403, 403), setup='group_type', microversion='3.11'),
    case('group_types:specs_update', 'PUT', _GT + '/group_specs/{key}',
         (200, 403, 403), setup='group_type', mutates=True,
         microversion='3.11', body={'{key}': 'changed'}),
    case('group_types:specs_delete', 'DELETE', _GT + '/group_specs/{key}',
         (202, 403, 403), setup='group_type', mutates=True,
         microversion='3.11'),
    # groups (3.13, from a source 3.14, reset_status 3.20)
    case('groups:index', 'GET', '/groups', (200, 200, 200), setup='group',
         microversion='3.13'),
    case('groups:detail', 'GET', '/groups/detail', (200, 200, 200),
         setup='group', microversion='3.13'),
    case('groups:create', 'POST', '/groups', (202, 202, 202),
         setup='group', mutates=True, microversion='3.13',
         body={'group': {'group_type': '{group_type_id}',
                         'volume_types': ['{type_id}']}}),
    # a private group type, and a private volume type not shared with the
    # project, are 404 to members here as on show (and volume create)
    case('groups:create:private_group_type', 'POST', '/groups',
         (202, 404, 404), setup='private_group_types', mutates=True,
         microversion='3.13',
         body={'group': {'group_type': '{private_group_type_id}',
                         'volume_types': ['{type_id}']}}),
    case('groups:create:unshared_private_type', 'POST', '/groups',
         (202, 404, 404), setup='private_group_types', mutates=True,
         microversion='3.13',
         body={'group': {'group_type': '{group_type_id}',
                         'volume_types': ['{private_type_id}']}}),
    case('groups:create_from_src', 'POST', '/groups/action',
         (202, 202, 404), setup='group', mutates=True, microversion='3.14',
         body={'create-from-src': {'source_group_id': '{group_id}'}}),
    case('groups:show', 'GET', _G, (200, 200, 404), setup='group',
         microversion='3.13'),
    case('groups:update', 'PUT', _G, (202, 202, 404), setup='group',
         mutates=True, microversion='3.13',
         body={'group': {'name': 'renamed'}}),
    case('groups:action:delete', 'POST', _G + '/action', (202, 202, 404),
         setup='group', mutates=True, microversion='3.13',
         body={'delete': {}}),
    case('groups:action:reset_status', 'POST', _G + '/action',
         (202, 403, 403), setup='group', mutates=True, microversion='3.20',
         body={'reset_status': {'status': 'error'}}),
    # group snapshots (3.14, reset_status 3.19)
    case('group_snapshots:index', 'GET', '/group_snapshots',
         (200, 200, 200), setup='group_snapshot', microversion='3.14'),
    case('group_snapshots:detail', 'GET', '/group_snapshots/detail',
         (200, 200, 200), setup='group_snapshot', microversion='3.14'),
    case('group_snapshots:create', 'POST', '/group_snapshots',
         (202, 202, 404), setup='group', mutates=True, microversion='3.14',
         body={'group_snapshot': {'group_id': '{group_id}'}}),
    case('group_snapshots:show', 'GET', _GS, (200, 200, 404),
         setup='group_snapshot', microversion='3.14'),
    case('group_snapshots:delete', 'DELETE', _GS, (202, 202, 404),
         setup='group_snapshot', mutates=True, microversion='3.14'),
    case('group_snapshots:action:reset_status', 'POST', _GS + '/action',
         (202, 403, 403), setup='group_snapshot', mutates=True,
         microversion='3.19', body={'reset_status': {'status': 'error'}}),
    # user messages (3.3): a project's own, admins every project's
    case('messages:index', 'GET', '/messages', (200, 200, 200),
         setup='message', microversion='3.3'),
    case('messages:show', 'GET', _M, (200, 200, 404), setup='message',
         microversion='3.3'),
    case('messages:delete', 'DELETE', _M, (204, 204, 404), setup='message',
         mutates=True, microversion='3.3'),
    # private volume types' access lists (admin)
    case('volume_types:action:addProjectAccess', 'POST', _T + '/action',
         (202, 403, 403), setup='private_type', mutates=True,
         body={'addProjectAccess': {'project': '{new_project_id}'}}),
    case('volume_types:action:removeProjectAccess', 'POST', _T + '/action',
         (202, 403, 403), setup='private_type', mutates=True,
         body={'removeProjectAccess': {'project': '{access_project_id}'}}),
    case('volume_types:access_index', 'GET', _T + '/os-volume-type-access',
         (200, 403, 403), setup='private_type'),
]

BY_NAME = {c.name: c for c in CASES}

# Cases whose success needs a running backup service to answer an RPC call
# (export_record, and import_record, whose setup exports a record): the
# matrix runs them on a deployment (tests/functional/test_authz_matrix.py),
# every other case on the API in process (tests/api/test_authz_matrix.py).
NEEDS_SERVICE = ('backups:export_record', 'backups:import_record')


def route_of(c):
    """(ROUTES key, method) a case exercises: its path names each path
    parameter as the route does."""
    return c.path.split('?')[0], c.method


def render(c, ids):
    """(path, body) of case ``c`` with the placeholders filled from ``ids``
    (and the case's fixed ``params``)."""
    ids = dict(c.params, **ids)
    def fill(value):
        if isinstance(value, str):
            return value.format(**ids)
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value
    return fill(c.path), fill(copy.deepcopy(c.body))


def check_table(routes):
    """Problems of the table against the router's ROUTES: routes or methods
    without a case, cases on no route, personas without a code."""
    problems = []
    covered = {route_of(c) for c in CASES}
    for path, methods in routes.items():
        for method in methods:
            if (path, method) not in covered:
                problems.append('no case for %s %s' % (method, path))
    for c in CASES:
        path, method = route_of(c)
        if method not in routes.get(path, {}):
            problems.append('case %s: %s %s is not a route'
                            % (c.name, method, path))
        missing = set(PERSONAS) - set(c.codes)
        if missing:
            problems.append('case %s: no code for %s' % (c.name,
                                                           sorted(missing)))
    if len(BY_NAME) != len(CASES):
        problems.append('case names are not unique')
    return problems
