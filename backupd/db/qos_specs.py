"""QoS specs, their keys and their associations with volume types.

Rows are deleted outright, as volume types. An association is the type's
``qos_specs_id`` (a type has at most one QoS specs, as in Cinder).
"""
import uuid

from oslo_db import exception as db_exc
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd import exception

Q = models.QosSpecs
K = models.QosSpecKey
T = models.VolumeType


def _not_found(qos_id):
    return exception.NotFound(
        message='QoS specs %s could not be found.' % qos_id)


@api.reader
def get(context, qos_id):
    row = context.session.query(Q).filter(Q.id == qos_id).first()
    if row is None:
        raise _not_found(qos_id)
    return row


@api.reader
def get_all(context):
    return context.session.query(Q).order_by(Q.name).all()


@api.reader
def keys_of(context, qos_ids):
    """{qos id: {key: value}}."""
    result = {qos_id: {} for qos_id in qos_ids}
    if qos_ids:
        for row in context.session.query(K).filter(
                K.qos_specs_id.in_(list(qos_ids))):
            result[row.qos_specs_id][row.key] = row.value
    return result


def create(context, name, consumer, specs):
    try:
        with api.writer.using(context):
            row = Q(id=str(uuid.uuid4()), name=name, consumer=consumer)
            context.session.add(row)
            context.session.flush()
            set_keys(context, row.id, specs)
            return row
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason='QoS specs %s already exist; choose another name or set '
                   'keys of those (PUT /qos-specs/{id}).' % name)


@api.writer
def set_keys(context, qos_id, specs):
    """Add or change keys (others stay)."""
    existing = {k.key: k for k in context.session.query(K).filter(
        K.qos_specs_id == qos_id)}
    for key, value in specs.items():
        if key in existing:
            existing[key].value = value
        else:
            context.session.add(K(qos_specs_id=qos_id, key=key, value=value))
    context.session.flush()


@api.writer
def delete_keys(context, qos_id, keys):
    """Remove ``keys``; NotFound (nothing removed) when one is missing."""
    present = {k for (k,) in context.session.query(K.key).filter(
        K.qos_specs_id == qos_id)}
    missing = sorted(set(keys) - present)
    if missing:
        raise exception.NotFound(
            message='QoS specs %s have no key %s.'
                    % (qos_id, ', '.join(missing)))
    context.session.query(K).filter(
        K.qos_specs_id == qos_id, K.key.in_(list(keys))).delete(
        synchronize_session=False)


@api.reader
def associated_types(context, qos_id):
    return context.session.query(T).filter(
        T.qos_specs_id == qos_id).order_by(T.name).all()


@api.writer
def associate(context, qos_id, type_id):
    """Associate the type (which must have no other QoS specs)."""
    get(context, qos_id)
    vtype = context.session.query(T).filter(T.id == type_id).first()
    if vtype is None:
        raise exception.VolumeTypeNotFound(volume_type_id=type_id)
    if vtype.qos_specs_id not in (None, qos_id):
        raise exception.InvalidInput(
            reason='Volume type %s already has QoS specs %s; disassociate '
                   'them first.' % (type_id, vtype.qos_specs_id))
    _set_type(context, type_id, qos_id, expected=(None, qos_id))


def _set_type(context, type_id, qos_id, expected):
    context.session.execute(
        sa.update(T).where(T.id == type_id,
                           sa.or_(*[T.qos_specs_id.is_(None) if e is None
                                    else T.qos_specs_id == e
                                    for e in expected]))
        .values(qos_specs_id=qos_id)
        .execution_options(synchronize_session=False))


@api.writer
def disassociate(context, qos_id, type_id=None):
    """Disassociate one type, or (type_id None) every type."""
    get(context, qos_id)
    query = sa.update(T).where(T.qos_specs_id == qos_id)
    if type_id is not None:
        if context.session.query(T).filter(T.id == type_id).first() is None:
            raise exception.VolumeTypeNotFound(volume_type_id=type_id)
        query = query.where(T.id == type_id)
    context.session.execute(query.values(qos_specs_id=None).execution_options(
        synchronize_session=False))


@api.writer
def destroy(context, qos_id, force=False):
    """Delete; while types are associated only with ``force`` (which
    disassociates them in the same transaction)."""
    get(context, qos_id)
    types = associated_types(context, qos_id)
    if types and not force:
        raise exception.InvalidInput(
            reason='QoS specs %s are associated with volume type(s) %s; '
                   'disassociate them first or delete with force=True.'
                   % (qos_id, ', '.join(t.name for t in types)))
    disassociate(context, qos_id)
    context.session.query(K).filter(K.qos_specs_id == qos_id).delete(
        synchronize_session=False)
    context.session.query(Q).filter(Q.id == qos_id).delete(
        synchronize_session=False)


@api.writer
def update(context, qos_id, consumer, keys):
    """Set ``keys`` (others stay) and, if given, the consumer."""
    get(context, qos_id)
    if consumer is not None:
        context.session.execute(
            sa.update(Q).where(Q.id == qos_id).values(consumer=consumer)
            .execution_options(synchronize_session=False))
    set_keys(context, qos_id, keys)
