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

import requests

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

    def __init__(self, client, owner='owner', admin='admin', finish=None):
        self.client = client
        self.owner = owner
        self.admin = admin
        self.finish = finish
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

    def _make_snapshot(self):
        ids = self._make_volume()
        ids['snapshot_id'] = self._create('snapshot', '/snapshots', {
            'snapshot': {'volume_id': ids['volume_id']}})
        return ids

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


# Ids of objects a project owns (types and quota classes are global).
PROJECT_OBJECTS = ('volume_id', 'snapshot_id', 'backup_id')


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
