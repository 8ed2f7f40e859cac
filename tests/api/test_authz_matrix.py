"""Authorization matrix on the API in process (tests/fixtures/
api_inprocess.py): every route and action of the router but those whose
success needs a service's answer (authz_table.NEEDS_SERVICE, run on
backupd-all by tests/functional/test_authz_matrix.py), as an admin, as a
member of the owning project, as a member of another project and as a
reader, with the code tests/helpers/authz_table.py expects; and a refused
request changes nothing: every database row (but the services') is the
same before and after it, and it sent no cast.
"""
import uuid

import pytest
import sqlalchemy as sa

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import models
from backupd import messages

from tests.helpers import authz_table
from tests.helpers.authz_world import check_case
from tests.helpers.authz_world import NoauthClient
from tests.helpers.authz_world import World

# Rows of a service's own (heartbeats, capacity reports).
SELF_CHANGING_TABLES = ('services',)


@pytest.fixture(scope='module')
def client(api_inprocess):
    return NoauthClient(api=api_inprocess)


def record_message(project_id):
    """A user message of ``project_id``, written as a backup service writes
    one when a backup fails (no API call makes one)."""
    ctx = backupd_context.get_admin_context()
    backup_id = str(uuid.uuid4())
    messages.record(ctx, project_id, 'VOLUME_BACKUP', backup_id,
                    messages.CREATE_BACKUP_FAILED, 'authz matrix message')
    (row,) = db.get_all(ctx, models.Message, {'resource_uuid': backup_id})
    return row.id


@pytest.fixture(scope='module')
def world(client, api_inprocess):
    return World(client, finish=api_inprocess.make_available,
                 record_message=record_message)


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
