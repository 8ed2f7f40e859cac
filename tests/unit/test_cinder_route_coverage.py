"""Every route and action Cinder serves up to the advertised microversion
is served by backupd's route table or listed as not implemented (issue 21).

Cinder's routes: tests/data/cinder_routes.txt, written from Cinder's API
reference. backupd's: backupd.api.router.ROUTES, matched with the router's
own mapper, and the ACTIONS of each action route's handler. Not
implemented: the routes in double back-quotes in
doc/rest_api_not_implemented.inc (included by
doc/rest_api_version_history.rst). An entry listed there must not be served
(a stale list fails too), and must be one of Cinder's (a typo fails).
"""
import os
import re
import sys

import pytest

from backupd.api import microversions
from backupd.api import router

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CINDER_ROUTES = os.path.join(REPO, 'tests', 'data', 'cinder_routes.txt')
NOT_IMPLEMENTED = os.path.join(REPO, 'doc', 'rest_api_not_implemented.inc')

# Cinder routes whose literal segment backupd serves through a parameter
# route whose handler knows the literal. Routes like /os-services/{action}
# say which literals they serve in their module's ACTIONS.
SERVED_THROUGH_ID = {
    ('GET', '/types/default'): 'volume_types._get resolves "default"',
}


def _version(text):
    return tuple(int(p) for p in text.split('.'))


def _shape(path):
    return re.sub(r'\{[^}]*\}', '{}', path)


def cinder_entries(up_to=microversions.MAX_VERSION):
    """{(METHOD or 'ACTION', path shape, action or None)} up to ``up_to``."""
    entries = set()
    with open(CINDER_ROUTES) as f:
        for line in f:
            line = line.split('#', 1)[0].split()
            if not line:
                continue
            since, method, path = line[:3]
            if _version(since) > _version(up_to):
                continue
            action = line[3] if method == 'ACTION' else None
            entries.add((method, _shape(path), action))
    return entries


def not_implemented_entries():
    with open(NOT_IMPLEMENTED) as f:
        text = f.read()
    found = set()
    for method, path, action in re.findall(
            r'``(GET|POST|PUT|DELETE|ACTION) (/[^`\s]*)(?: ([\w-]+))?``',
            text):
        found.add((method, _shape(path), action or None))
    return found


_MAPPER = router.APIRouter()


def _route_of(method, path):
    """The ROUTES key serving ``method path`` (params as '{}'), or None."""
    match = _MAPPER.match(path.replace('{}', 'x1'))
    if match is None:
        return None
    route = match['route']
    ours, theirs = _shape(route).split('/'), path.split('/')
    for segment, literal in zip(ours, theirs):
        if segment == '{}' and literal != '{}':
            # a literal of Cinder's that our route takes as a parameter
            handler = router.ROUTES[route].get(method)
            if (method, path) in SERVED_THROUGH_ID:
                continue
            if handler is None or literal not in getattr(
                    sys.modules[handler.__module__], 'ACTIONS', ()):
                return None
    return route


def _actions_of(handler):
    actions = getattr(handler, 'actions', None)
    if actions is None:
        actions = sys.modules[handler.__module__].ACTIONS
    return set(actions)


def served(entry):
    method, path, action = entry
    route = _route_of('POST' if method == 'ACTION' else method, path)
    if route is None:
        return False
    handlers = router.ROUTES[route]
    if method != 'ACTION':
        return method in handlers
    return 'POST' in handlers and action in _actions_of(handlers['POST'])


def _show(entries):
    return '\n  '.join(
        '%s %s%s' % (m, p, ' ' + a if a else '') for m, p, a in
        sorted(entries, key=lambda e: (e[1], e[0], e[2] or '')))


def test_data_is_read():
    entries = cinder_entries()
    assert len(entries) > 200
    assert ('GET', '/volumes/summary', None) in entries
    # later microversions are left out
    assert ('GET', '/volumes/summary', None) not in cinder_entries('3.11')


def test_every_cinder_route_is_served_or_listed():
    listed = not_implemented_entries()
    missing = {e for e in cinder_entries()
               if not served(e) and e not in listed}
    assert not missing, (
        'Cinder serves these up to %s; serve them or list them in %s:\n  %s'
        % (microversions.MAX_VERSION, NOT_IMPLEMENTED, _show(missing)))


def test_listed_routes_are_cinders_and_not_served():
    cinder = cinder_entries()
    listed = not_implemented_entries()
    assert listed, 'no route found in %s' % NOT_IMPLEMENTED
    unknown = listed - cinder
    assert not unknown, 'not Cinder routes (up to %s):\n  %s' % (
        microversions.MAX_VERSION, _show(unknown))
    stale = {e for e in listed if served(e)}
    assert not stale, 'served, yet listed as not implemented:\n  %s' % (
        _show(stale))


@pytest.mark.parametrize('entry', [
    ('GET', '/volumes/{}', None),
    ('ACTION', '/volumes/{}/action', 'os-reserve'),
    ('ACTION', '/snapshots/{}/action', 'os-update_snapshot_status'),
    ('ACTION', '/backups/{}/action', 'os-force_delete'),
    ('GET', '/types/default', None),
])
def test_served_routes_are_recognised(entry):
    assert served(entry)


@pytest.mark.parametrize('entry', [
    ('GET', '/os-quota-sets/validate_setup_for_nested_quota_use', None),
    ('ACTION', '/volumes/{}/action', 'os-migrate_volume'),
    ('GET', '/attachments', None),
])
def test_unserved_routes_are_recognised(entry):
    assert not served(entry)
