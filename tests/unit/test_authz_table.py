"""The authorization table (tests/helpers/authz_table.py) covers every route
and method of the router, with a code for every persona."""
from backupd.api import router
from tests.helpers import authz_table


def test_every_route_and_persona_has_an_expected_code():
    assert authz_table.check_table(router.ROUTES) == []


def test_render_fills_path_and_body():
    c = authz_table.BY_NAME['volume_metadata:update']
    path, body = authz_table.render(c, {'volume_id': 'v1', 'key': 'k'})
    assert path == '/volumes/v1/metadata/k'
    assert body == {'meta': {'k': 'changed'}}
