"""Rows that carry key/value specs: volume types (extra specs), group
types (group specs) and QoS specs (their keys).

Each kind is a table without soft delete (rows are deleted outright) and a
spec table of (owner id, key, value), unique per owner and key; a
:class:`Kind` names both, and the functions here are what the three share:
read one row, read the specs of many, create a row with its specs, add or
change specs, remove some, delete a row with its specs. What differs (a
type in use, a rename that follows to volumes, QoS associations) stays in
each kind's module.
"""
import collections
import uuid

from oslo_db import exception as db_exc

from backupd.db import api

# ``model``: the rows; ``spec``: their specs, whose ``owner`` column names
# the row; ``not_found(id)``: the NotFound of a missing row.
Kind = collections.namedtuple('Kind', 'model spec owner not_found')


def _owner(kind):
    return getattr(kind.spec, kind.owner)


@api.reader
def get(context, kind, row_id):
    row = context.session.query(kind.model).filter(
        kind.model.id == row_id).first()
    if row is None:
        raise kind.not_found(row_id)
    return row


@api.reader
def of(context, kind, row_ids):
    """{row id: {key: value}}."""
    result = {row_id: {} for row_id in row_ids}
    if row_ids:
        for spec in context.session.query(kind.spec).filter(
                _owner(kind).in_(list(row_ids))):
            result[getattr(spec, kind.owner)][spec.key] = spec.value
    return result


def create(context, kind, values, specs, duplicate):
    """A new row of ``values`` (and a new id) with its ``specs``; the
    exception ``duplicate`` when the name is taken."""
    try:
        with api.writer.using(context):
            row = kind.model(id=str(uuid.uuid4()), **values)
            context.session.add(row)
            context.session.flush()
            put(context, kind, row.id, specs)
            return row
    except db_exc.DBDuplicateEntry:
        raise duplicate


@api.writer
def put(context, kind, row_id, specs):
    """Add or change specs (others stay)."""
    existing = {s.key: s for s in context.session.query(kind.spec).filter(
        _owner(kind) == row_id)}
    for key, value in specs.items():
        if key in existing:
            existing[key].value = value
        else:
            context.session.add(kind.spec(key=key, value=value,
                                          **{kind.owner: row_id}))
    context.session.flush()


@api.writer
def remove(context, kind, row_id, keys):
    """Remove the specs ``keys`` of the row; how many there were."""
    return context.session.query(kind.spec).filter(
        _owner(kind) == row_id, kind.spec.key.in_(list(keys))).delete(
        synchronize_session=False)


@api.writer
def destroy(context, kind, row_id):
    """Delete the row and its specs (NotFound when there is no row)."""
    get(context, kind, row_id)
    context.session.query(kind.spec).filter(_owner(kind) == row_id).delete(
        synchronize_session=False)
    context.session.query(kind.model).filter(
        kind.model.id == row_id).delete(synchronize_session=False)
