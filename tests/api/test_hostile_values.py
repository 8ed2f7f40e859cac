"""Values SQLite stores but MariaDB and PostgreSQL refuse (the embedded
default and the fuzz run on SQLite): each is a 4xx naming the problem on
both, through the API in process on each of those databases."""
import pytest


@pytest.fixture(scope='module')
def dep(api_inprocess_each_db):
    return api_inprocess_each_db


@pytest.mark.parametrize('method, path, body, kwargs', [
    # NUL: PostgreSQL cannot store it in text
    ('POST', '/volumes', {'volume': {'size': 1, 'name': 'a\x00b'}}, {}),
    ('GET', '/volumes?name=a%00b', None, {}),
    # ids and path parameters longer than their String(255) columns
    ('POST', '/volumes', {'volume': {'size': 1}},
     {'project': 'p' * 256}),
    ('POST', '/volumes', {'volume': {'size': 1}}, {'user': 'u' * 256}),
    ('PUT', '/os-quota-sets/%s' % ('p' * 256),
     {'quota_set': {'volumes': 5}}, {'admin': True}),
    # integers beyond an Integer column
    ('PUT', '/os-quota-sets/demo', {'quota_set': {'volumes': 2 ** 31}},
     {'admin': True}),
    ('PUT', '/os-quota-sets/demo', {'quota_set': {'volumes': '9' * 40}},
     {'admin': True}),
    ('GET', '/volumes?limit=99999999999999999999', None, {}),
])
def test_values_the_database_cannot_hold_are_400(dep, method, path, body,
                                                 kwargs):
    resp = dep.request(method, path, json=body, **kwargs)
    assert resp.status_code == 400, resp.text
    assert resp.json()['badRequest']['code'] == 400
