"""Resources for the authorization cases of tests/helpers/authz_table.py,
owned by the ``owner`` persona, built over any client that can send a
request as a persona (noauth headers here; Keystone tokens elsewhere).

``client.request(persona, method, path, json=None, microversion=None)``
returns a ``requests.Response`` (or what answers like one); ``path`` is
relative to the persona's project endpoint (``/volumes``...).
``World(client).ids(setup, fresh)`` returns the placeholders a case's path
and body use; shared resources are made once, ``fresh=True`` makes new
ones (for a case whose success changes or consumes them).
"""
import time
import uuid

from oslo_utils import timeutils
import requests
import sqlalchemy as sa

from backupd.db import models
from backupd import messages

# (user, project, X-Roles) of each persona; the roles are what Keystone's
# implied roles would give (member implies reader).
NOAUTH_IDENTITIES = {
    'admin': ('admin', 'admin-project', 'admin,member,reader'),
    'owner': ('alice', 'owner-project', 'member,reader'),
    'other': ('mallory', 'other-project', 'member,reader'),
    'reader': ('rita', 'owner-project', 'reader'),
}


class NoauthClient:
    """Requests as each persona under auth_strategy = noauth, over HTTP to
    ``endpoint``, or to ``api`` (tests/fixtures/api_inprocess.py) in this
    process."""

    def __init__(self, endpoint=None, identities=None, api=None):
        self.endpoint = endpoint
        self.api = api
        self.identities = identities or NOAUTH_IDENTITIES
        self.session = requests.Session()

    def project_of(self, persona):
        return self.identities[persona][1]

    def request(self, persona, method, path, json=None, microversion=None):
        user, project, roles = self.identities[persona]
        headers = {'X-Auth-Token': '%s:%s' % (user, project),
                   'X-Roles': roles}
        if microversion:
            headers['OpenStack-API-Version'] = 'volume %s' % microversion
        if self.api is not None:
            return self.api.send(method, '/v3/%s%s' % (project, path),
                                 json=json, headers=headers)
        return self.session.request(
            method, '%s/v3/%s%s' % (self.endpoint, project, path),
            json=json, headers=headers, timeout=60)


class World:
    """``finish(kind, id)``, when given, brings a created object to
    'available' where no service runs (InProcessAPI.make_available)."""

    def __init__(self, client, owner='owner', admin='admin', finish=None,
                 record_message=None):
        """``record_message(project_id)``, when given, writes a user message
        of that project as a failing service would (backupd.messages) and
        returns its id: no API call makes one."""
        self.client = client
        self.owner = owner
        self.admin = admin
        self.finish = finish
        self.record_message = record_message
        self._shared = {}

    def ids(self, setup, fresh=False):
        """The placeholders of a case: the owner's project and the default
        quota class, and the ids of the resources ``setup`` names."""
        ids = {'project_id': self.client.project_of(self.owner),
               'class_name': 'default'}
        if setup is None:
            return ids
        if fresh or setup not in self._shared:
            made = getattr(self, '_make_' + setup)()
            if fresh:
                return dict(ids, **made)
            self._shared[setup] = made
        return dict(ids, **self._shared[setup])

    # --- makers --------------------------------------------------------------
    def _make_volume(self):
        volume = self._create('volume', '/volumes', {'volume': {
            'size': 1, 'name': 'authz-%s' % uuid.uuid4().hex[:6],
            'metadata': {'k': 'v'}}})
        return {'volume_id': volume, 'key': 'k'}

    def _make_attached_volume(self):
        ids = self._make_volume()
        self._ok(self.client.request(
            self.owner, 'POST', '/volumes/%s/action' % ids['volume_id'],
            json={'os-attach': {'mountpoint': '/dev/vdb', 'mode': 'rw'}}))
        self.wait('volume', ids['volume_id'], 'in-use')
        return ids

    def _make_reserved_volume(self):
        ids = self._make_volume()
        self._ok(self.client.request(
            self.owner, 'POST', '/volumes/%s/action' % ids['volume_id'],
            json={'os-reserve': None}))
        return ids

    def _make_volume_and_type(self):
        """A volume, and a public type other than its own."""
        return dict(self._make_volume_type(), **self._make_volume())

    def _make_snapshot(self):
        """A snapshot with the metadata key ``k``."""
        ids = self._make_volume()
        ids['snapshot_id'] = self._create('snapshot', '/snapshots', {
            'snapshot': {'volume_id': ids['volume_id'],
                         'metadata': {'k': 'v'}}})
        return ids

    def _make_creating_snapshot(self):
        """A snapshot an admin set back to 'creating' (what a hypervisor
        reports progress on)."""
        ids = self._make_snapshot()
        self._ok(self.client.request(
            self.admin, 'POST', '/snapshots/%s/action' % ids['snapshot_id'],
            json={'os-reset_status': {'status': 'creating'}}))
        return ids

    def _make_transfer(self):
        ids = self._make_volume()
        resp = self.client.request(self.owner, 'POST', '/os-volume-transfer',
                                   json={'transfer': {
                                       'volume_id': ids['volume_id']}})
        self._ok(resp)
        transfer = resp.json()['transfer']
        return dict(ids, transfer_id=transfer['id'],
                    auth_key=transfer['auth_key'])

    def _make_service(self):
        """The host and binary of a volume service, as GET /os-services
        shows them."""
        resp = self.client.request(self.admin, 'GET', '/os-services')
        self._ok(resp)
        service = next(s for s in resp.json()['services']
                       if s['binary'].endswith('-volume'))
        return {'service_host': service['host'],
                'service_binary': service['binary'],
                'host_name': service['host'], 'host': service['host']}

    def _make_qos_spec(self):
        """QoS specs with the key ``read_iops_sec``, and a public volume
        type they may be associated with."""
        ids = self._make_volume_type()
        resp = self.client.request(self.admin, 'POST', '/qos-specs', json={
            'qos_specs': {'name': 'authz-%s' % uuid.uuid4().hex[:6],
                          'read_iops_sec': '100'}})
        self._ok(resp)
        return dict(ids, qos_id=resp.json()['qos_specs']['id'],
                    key='read_iops_sec')

    def _make_associated_qos_spec(self):
        ids = self._make_qos_spec()
        self._ok(self.client.request(
            self.admin, 'GET', '/qos-specs/%s/associate?vol_type_id=%s'
            % (ids['qos_id'], ids['type_id'])))
        return ids

    def _make_group_type(self):
        """A public group type with the group spec ``authz_spec``, and a
        public volume type a group of it may take."""
        ids = self._make_volume_type()
        resp = self.client.request(
            self.admin, 'POST', '/group_types', microversion='3.11',
            json={'group_type': {
                'name': 'authz-%s' % uuid.uuid4().hex[:6],
                'group_specs': {'authz_spec': 'yes'}}})
        self._ok(resp)
        return dict(ids, group_type_id=resp.json()['group_type']['id'],
                    key='authz_spec')

    def _make_private_group_types(self):
        """Besides a public group type and volume type: a private group type
        and a private volume type shared with nobody (admin-made)."""
        ids = self._make_group_type()
        resp = self.client.request(
            self.admin, 'POST', '/group_types', microversion='3.11',
            json={'group_type': {
                'name': 'authz-%s' % uuid.uuid4().hex[:6],
                'is_public': False}})
        self._ok(resp)
        ids['private_group_type_id'] = resp.json()['group_type']['id']
        resp = self.client.request(self.admin, 'POST', '/types', json={
            'volume_type': {'name': 'authz-%s' % uuid.uuid4().hex[:6],
                            'os-volume-type-access:is_public': False}})
        self._ok(resp)
        ids['private_type_id'] = resp.json()['volume_type']['id']
        return ids

    def _make_group(self):
        """An empty group of the owner's. The owner's group quota is lifted
        first (every persona's successful create makes one, and the
        quota cases may have reset it)."""
        ids = self._make_group_type()
        self._ok(self.client.request(
            self.admin, 'PUT', '/os-quota-sets/%s'
            % self.client.project_of(self.owner),
            json={'quota_set': {'groups': -1}}))
        resp = self.client.request(
            self.owner, 'POST', '/groups', microversion='3.13',
            json={'group': {'group_type': ids['group_type_id'],
                            'volume_types': [ids['type_id']]}})
        self._ok(resp)
        ids['group_id'] = resp.json()['group']['id']
        self._wait_group('groups', ids['group_id'], '3.13')
        return ids

    def _make_group_snapshot(self):
        ids = self._make_group()
        resp = self.client.request(
            self.owner, 'POST', '/group_snapshots', microversion='3.14',
            json={'group_snapshot': {'group_id': ids['group_id']}})
        self._ok(resp)
        ids['group_snapshot_id'] = resp.json()['group_snapshot']['id']
        self._wait_group('group_snapshots', ids['group_snapshot_id'], '3.14')
        return ids

    def _make_message(self):
        if self.record_message is None:
            raise AssertionError(
                'no API call writes a user message: give World a '
                'record_message')
        return {'message_id': self.record_message(
            self.client.project_of(self.owner))}

    def _make_private_type(self):
        """A private volume type (made by the admin) shared with the
        owner's project."""
        resp = self.client.request(self.admin, 'POST', '/types', json={
            'volume_type': {'name': 'authz-%s' % uuid.uuid4().hex[:6],
                            'os-volume-type-access:is_public': False}})
        self._ok(resp)
        type_id = resp.json()['volume_type']['id']
        project = self.client.project_of(self.owner)
        self._ok(self.client.request(
            self.admin, 'POST', '/types/%s/action' % type_id,
            json={'addProjectAccess': {'project': project}}))
        return {'type_id': type_id, 'access_project_id': project,
                'new_project_id': 'authz-%s' % uuid.uuid4().hex}

    def _make_backup(self):
        ids = self._make_volume()
        ids['backup_id'] = self._create('backup', '/backups', {
            'backup': {'volume_id': ids['volume_id']}})
        return ids

    def _make_exported_record(self):
        """The record of a backup that was exported, then deleted: what an
        import brings back."""
        ids = self._make_backup()
        resp = self.client.request(
            self.admin, 'GET', '/backups/%s/export_record' % ids['backup_id'])
        self._ok(resp)
        record = resp.json()['backup-record']
        self._ok(self.client.request(self.owner, 'DELETE',
                                     '/backups/%s' % ids['backup_id']))
        self.wait('backup', ids['backup_id'], None)
        ids.update(record)
        return ids

    def _make_volume_type(self):
        """A public type (made by the admin) with one extra spec that only
        admins see."""
        resp = self.client.request(self.admin, 'POST', '/types', json={
            'volume_type': {'name': 'authz-%s' % uuid.uuid4().hex[:6]}})
        self._ok(resp)
        type_id = resp.json()['volume_type']['id']
        self._ok(self.client.request(
            self.admin, 'POST', '/types/%s/extra_specs' % type_id,
            json={'extra_specs': {'authz_admin_only': 'yes'}}))
        return {'type_id': type_id, 'key': 'authz_admin_only'}

    # --- helpers -------------------------------------------------------------
    def _wait_group(self, collection, object_id, microversion, timeout=60):
        """Until the owner sees a group (snapshot) 'available'."""
        kind = collection[:-1]
        deadline = time.monotonic() + timeout
        while True:
            resp = self.client.request(self.owner, 'GET', '/%s/%s' % (
                collection, object_id), microversion=microversion)
            self._ok(resp)
            if resp.json()[kind]['status'] == 'available':
                return
            if time.monotonic() > deadline:
                raise AssertionError('%s %s never became available: %s'
                                     % (kind, object_id, resp.text))
            time.sleep(0.05)

    def _create(self, kind, path, body):
        resp = self.client.request(self.owner, 'POST', path, json=body)
        self._ok(resp)
        object_id = resp.json()[kind]['id']
        if self.finish is not None:
            self.finish(kind, object_id)
        self.wait(kind, object_id, 'available')
        return object_id

    def wait(self, kind, object_id, status, timeout=60):
        """Until the owner sees ``status`` (None: until it is gone)."""
        deadline = time.monotonic() + timeout
        while True:
            resp = self.client.request(self.owner, 'GET',
                                       '/%ss/%s' % (kind, object_id))
            if status is None and resp.status_code == 404:
                return
            if (resp.status_code == 200
                    and resp.json()[kind]['status'] == status):
                return
            if time.monotonic() > deadline:
                raise AssertionError('%s %s never became %s: %s'
                                     % (kind, object_id, status, resp.text))
            time.sleep(0.05)

    @staticmethod
    def _ok(resp):
        assert resp.status_code < 300, '%s %s: %s %s' % (
            resp.request.method, resp.request.url, resp.status_code,
            resp.text)


def message_recorder(engine):
    """A World's ``record_message`` for the deployment whose database is
    ``engine``: the row backupd.messages.record writes when a backup of the
    project fails (no API call makes a message)."""
    def record(project_id):
        message_id = str(uuid.uuid4())
        now = timeutils.utcnow()
        with engine.begin() as conn:
            conn.execute(sa.insert(models.Message.__table__).values(
                id=message_id, project_id=project_id,
                resource_type='VOLUME_BACKUP',
                resource_uuid=str(uuid.uuid4()),
                event_id=messages.CREATE_BACKUP_FAILED,
                message_level='ERROR', user_message='authz matrix message',
                created_at=now, expires_at=now + messages.TTL))
        return message_id
    return record


def refusals_first(case, personas):
    """The personas of ``case``, refusing ones first: they must find the
    shared resources as the owner left them."""
    return sorted(personas, key=lambda p: case.codes[p] < 400)


def check_case(client, world, case, personas, state, pause=None):
    """Send ``case`` as each of ``personas`` (refusals first). A refusal
    must leave ``state()`` (a dict of what a request could change: rows,
    files, casts) as it was, after ``pause()`` when given (time for a
    wrongly accepted cast to act); a GET of another project lists none of
    the owner's objects."""
    for persona in refusals_first(case, personas):
        refused = case.codes[persona] >= 400
        snapshots = []
        resp, ids = send_case(
            client, world, case, persona, before=(
                (lambda ids: snapshots.append(state())) if refused
                else None))
        if refused:
            if pause is not None:
                pause()
            after = state()
            assert after == snapshots[0], (
                '%s as %s was refused but changed: %s'
                % (case.name, persona, changes(snapshots[0], after)))
        elif persona == 'other' and case.method == 'GET':
            for name in PROJECT_OBJECTS:    # lists leak none of the
                if name in ids:                # owner's objects
                    assert ids[name] not in resp.text, (case.name, name)


# Ids of objects a project owns (types, QoS specs and quota classes are
# global).
PROJECT_OBJECTS = ('volume_id', 'snapshot_id', 'backup_id', 'transfer_id',
                   'group_id', 'group_snapshot_id', 'message_id')


def changes(before, after):
    """{part: {'gone': [...], 'new': [...]}} of two states."""
    changed = {}
    for part in set(before) | set(after):
        old = set(before.get(part, ()))
        new = set(after.get(part, ()))
        if old != new:
            changed[part] = {'gone': sorted(old - new),
                             'new': sorted(new - old)}
    return changed


def send_case(client, world, case, persona, before=None):
    """Send ``case`` as ``persona`` (fresh resources when its success would
    change them) and check the code and, for a refusal, the fault body.
    ``before(ids)`` runs just before the request (a state snapshot).
    Returns (response, ids)."""
    from tests.helpers import authz_table
    expected = case.codes[persona]
    ids = world.ids(case.setup, fresh=case.mutates and expected < 400)
    path, body = authz_table.render(case, ids)
    if before is not None:
        before(ids)
    resp = client.request(persona, case.method, path, json=body,
                          microversion=case.microversion)
    assert resp.status_code == expected, (
        '%s as %s: %s %s -> %s %s' % (case.name, persona, case.method, path,
                                      resp.status_code, resp.text))
    if expected >= 400:
        assert resp.json()[next(iter(resp.json()))]['code'] == expected
    return resp, ids
