"""Lists are bounded and their next links walk every row once (issue 15),
for volumes, snapshots and backups, summary and detail, and for groups,
group snapshots, group types, QoS specs, volume transfers and user
messages (issue 17), on the API in process with osapi_max_limit = 5 and 12
rows of each (made through the database layer: the rows' contents do not
matter here, their number and order do). Also: the bookmark link without
the API version."""
import datetime
import urllib.parse

import pytest

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import models
from tests.fixtures import api_inprocess

MAX = 5
ROWS = 12
PROJECT = 'pager'


@pytest.fixture(scope='module')
def dep(tmp_path_factory):
    with api_inprocess.running(tmp_path_factory, conf={
            'DEFAULT': {'osapi_max_limit': MAX}}) as api:
        ctx = backupd_context.get_admin_context()
        base = datetime.datetime(2025, 1, 1)
        for model in (models.Volume, models.Snapshot, models.Backup,
                      models.Group, models.GroupSnapshot, models.Transfer,
                      models.Message, models.GroupType, models.QosSpecs):
            prefix = model.__tablename__
            columns = model.__table__.c
            db.create_many(ctx, model, [{
                name: value for name, value in dict({
                    'id': '%s-%02d' % (prefix, i), 'project_id': PROJECT,
                    'user_id': 'u', 'status': 'available',
                    'display_name': 'n%d' % (i % 3),
                    # every other row on the same second: the id breaks
                    # ties
                    'created_at': base + datetime.timedelta(seconds=i // 2)},
                    **_required(model, i)).items() if name in columns}
                for i in range(ROWS)])
        yield api


def _required(model, i):
    if model is models.Volume:
        return {'size': 1}
    if model in (models.GroupType, models.QosSpecs):
        # listed by name: the reverse of their creation
        return {'name': 'type-%02d' % (ROWS - i), 'consumer': 'back-end'}
    return {'volume_id': 'volumes-%02d' % i, 'group_type_id': 't',
            'group_id': 'g', 'salt': 's', 'crypt_hash': 'h',
            'source_project_id': PROJECT, 'event_id': 'VOLUME_000001',
            'message_level': 'ERROR', 'user_message': 'failed'}


def _follow(dep, path, microversion=None, admin=False):
    """Every page of ``path``: [(ids, next href or None)]."""
    pages = []
    while path:
        resp = dep.request('GET', path, project=PROJECT,
                           microversion=microversion, admin=admin)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        key = [k for k in body if not k.endswith('_links')][0]
        links = body.get('%s_links' % key) or []
        href = links[0]['href'] if links else None
        pages.append(([item['id'] for item in body[key]], href))
        path = None
        if href:
            parts = urllib.parse.urlsplit(href)
            path = parts.path.split('/%s' % PROJECT, 1)[1] + '?' + parts.query
    return pages


@pytest.mark.parametrize('collection', ['volumes', 'snapshots', 'backups'])
@pytest.mark.parametrize('detail', [False, True])
@pytest.mark.parametrize('query', ['', '?limit=100', '?sort=name:asc'])
def test_pages_are_bounded_and_links_walk_every_row_once(dep, collection,
                                                         detail, query):
    path = '/%s%s%s' % (collection, '/detail' if detail else '', query)
    pages = _follow(dep, path)
    assert [len(ids) for ids, _ in pages] == [5, 5, 2]
    assert all(href for _, href in pages[:-1]) and pages[-1][1] is None
    for ids, href in pages[:-1]:
        # the next link's marker is the last row of its page
        assert urllib.parse.parse_qs(
            urllib.parse.urlsplit(href).query)['marker'] == [ids[-1]]
    walked = [i for ids, _ in pages for i in ids]
    assert sorted(walked) == sorted('%s-%02d' % (collection, i)
                                    for i in range(ROWS))
    if not query:
        # Cinder's default order: created_at desc, then id desc
        assert walked == ['%s-%02d' % (collection, i)
                          for i in reversed(range(ROWS))]


def test_bookmark_link_has_no_api_version(dep):
    resp = dep.request('GET', '/backups/backups-03', project=PROJECT)
    links = {link['rel']: link['href'] for link in resp.json()['backup'][
        'links']}
    assert links['self'].endswith('/v3/%s/backups/backups-03' % PROJECT)
    assert links['bookmark'] == links['self'].replace('/v3/', '/')


# path, microversion, as an admin, the table, listed newest first
LISTS = [('/groups', '3.13', False, 'groups', True),
         ('/groups/detail', '3.13', False, 'groups', True),
         ('/group_snapshots', '3.14', False, 'group_snapshots', True),
         ('/group_snapshots/detail', '3.14', False, 'group_snapshots', True),
         ('/os-volume-transfer', None, False, 'transfers', True),
         ('/os-volume-transfer/detail', None, False, 'transfers', True),
         ('/volume-transfers/detail', '3.57', False, 'transfers', True),
         ('/messages', '3.3', False, 'messages', True),
         ('/group_types', '3.11', False, 'group_types', False),
         ('/qos-specs', None, True, 'qos_specs', False)]


@pytest.mark.parametrize('path,microversion,admin,table,newest_first',
                         LISTS)
def test_every_list_is_bounded_and_walked_once(dep, path, microversion,
                                               admin, table, newest_first):
    pages = _follow(dep, path, microversion, admin)
    assert [len(ids) for ids, _ in pages] == [5, 5, 2]
    for ids, href in pages[:-1]:
        # the link stays in the collection (and form) it came from
        assert urllib.parse.urlsplit(href).path.endswith(path)
        assert urllib.parse.parse_qs(
            urllib.parse.urlsplit(href).query)['marker'] == [ids[-1]]
    assert pages[-1][1] is None
    walked = [i for ids, _ in pages for i in ids]
    # newest first (Cinder's default) or by name, which here is the same
    # order: every row once
    assert walked == ['%s-%02d' % (table, i) for i in reversed(range(ROWS))]
