"""Group types (3.11) and their group specs (db.specs): deleted outright,
as volume types; deleting one does not look at the groups that name it."""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd.db import specs as specs_db
from backupd import exception

G = models.GroupType
KIND = specs_db.Kind(
    G, models.GroupTypeSpec, 'group_type_id',
    lambda type_id: exception.NotFound(
        message='Group type %s could not be found.' % type_id))


def _duplicate(name):
    return exception.Conflict(
        reason='Group type %s already exists; choose another name.' % name)


def get(context, type_id):
    return specs_db.get(context, KIND, type_id)


def specs_of(context, type_ids):
    """{type id: {key: value}}."""
    return specs_db.of(context, KIND, type_ids)


def create(context, name, description, is_public, specs):
    return specs_db.create(
        context, KIND, {'name': name, 'description': description,
                        'is_public': is_public}, specs, _duplicate(name))


def update(context, type_id, values):
    try:
        with api.writer.using(context):
            get(context, type_id)
            context.session.execute(
                sa.update(G).where(G.id == type_id).values(**values)
                .execution_options(synchronize_session=False))
            return get(context, type_id)
    except db_exc.DBDuplicateEntry:
        raise _duplicate(values.get('name'))


def destroy(context, type_id):
    specs_db.destroy(context, KIND, type_id)


def set_specs(context, type_id, specs):
    """Add or change group specs (others stay)."""
    specs_db.put(context, KIND, type_id, specs)


def delete_spec(context, type_id, key):
    if not specs_db.remove(context, KIND, type_id, [key]):
        raise exception.NotFound(
            message='Group type %s has no group spec %r.' % (type_id, key))
