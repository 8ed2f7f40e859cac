"""Group types (3.11) and their group specs: deleted outright, as volume
types. backupd has no groups yet (doc/rest_api_version_history.rst), so a
type is never in use."""
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd import exception

G = models.GroupType
S = models.GroupTypeSpec


def _not_found(type_id):
    return exception.NotFound(
        message='Group type %s could not be found.' % type_id)


def _duplicate(name):
    return exception.Conflict(
        reason='Group type %s already exists; choose another name.' % name)


@api.reader
def get(context, type_id):
    row = context.session.query(G).filter(G.id == type_id).first()
    if row is None:
        raise _not_found(type_id)
    return row


@api.reader
def get_all(context, is_public=None, sort_dir='asc'):
    query = context.session.query(G)
    if is_public is not None:
        query = query.filter(G.is_public.is_(bool(is_public)))
    order = G.name.desc() if sort_dir == 'desc' else G.name.asc()
    return query.order_by(order, G.id).all()


@api.reader
def specs_of(context, type_ids):
    """{type id: {key: value}}."""
    result = {type_id: {} for type_id in type_ids}
    if type_ids:
        for row in context.session.query(S).filter(
                S.group_type_id.in_(list(type_ids))):
            result[row.group_type_id][row.key] = row.value
    return result


def create(context, name, description, is_public, specs):
    try:
        with api.writer.using(context):
            row = G(id=str(uuid.uuid4()), name=name,
                    description=description, is_public=is_public)
            context.session.add(row)
            context.session.flush()
            set_specs(context, row.id, specs)
            return row
    except db_exc.DBDuplicateEntry:
        raise _duplicate(name)


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


@api.writer
def destroy(context, type_id):
    get(context, type_id)
    context.session.query(S).filter(S.group_type_id == type_id).delete(
        synchronize_session=False)
    context.session.query(G).filter(G.id == type_id).delete(
        synchronize_session=False)


@api.writer
def set_specs(context, type_id, specs):
    """Add or change group specs (others stay)."""
    existing = {s.key: s for s in context.session.query(S).filter(
        S.group_type_id == type_id)}
    for key, value in specs.items():
        if key in existing:
            existing[key].value = value
        else:
            context.session.add(S(group_type_id=type_id, key=key,
                                  value=value))
    context.session.flush()


@api.writer
def delete_spec(context, type_id, key):
    if not context.session.query(S).filter(
            S.group_type_id == type_id, S.key == key).delete(
            synchronize_session=False):
        raise exception.NotFound(
            message='Group type %s has no group spec %r.' % (type_id, key))
