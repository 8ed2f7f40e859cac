"""Authorization matrix on the API in process (tests/fixtures/
api_inprocess.py): every route and action of the router but those whose
success needs a service's answer (authz_table.NEEDS_SERVICE, run on
backupd-all by tests/functional/test_authz_matrix.py), as an admin, as a
member of the owning project, as a member of another project and as a
reader, with the code tests/helpers/authz_table.py expects; and a refused
request changes nothing: every database row (but the services') is the
same before and after it, and it sent no cast.
"""
import pytest
import sqlalchemy as sa

from tests.helpers import authz_table
from tests.helpers.authz_world import check_case
from tests.helpers.authz_world import message_recorder
from tests.helpers.authz_world import NoauthClient
from tests.helpers.authz_world import World

# Rows of a service's own (heartbeats, capacity reports).
SELF_CHANGING_TABLES = ('services',)


@pytest.fixture(scope='module')
def client(api_inprocess):
    return NoauthClient(api=api_inprocess)


@pytest.fixture(scope='module')
def world(client, api_inprocess):
    return World(client, finish=api_inprocess.make_available,
                 record_message=message_recorder(api_inprocess.engine))


def state(api):
    """Every row of every table but the services', and every cast sent (a
    refused request sends none)."""
    api.casts()
    found = {'casts': [repr(cast) for cast in api.sent]}
    with api.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table not in SELF_CHANGING_TABLES:
                found[table] = sorted(map(repr, conn.execute(sa.text(
                    'SELECT * FROM "%s"' % table))))
    return found


@pytest.mark.parametrize('case', [c for c in authz_table.CASES
                                  if c.name not in authz_table.NEEDS_SERVICE],
                         ids=lambda c: c.name)
def test_route_as_each_persona(api_inprocess, client, world, case):
    check_case(client, world, case, authz_table.PERSONAS,
               state=lambda: state(api_inprocess))
