"""QoS specs, their keys and their associations with volume types.

Rows are deleted outright, as volume types. An association is the type's
``qos_specs_id`` (a type has at most one QoS specs, as in Cinder).
"""
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd.db import specs as specs_db
from backupd.db import volume_types
from backupd import exception

Q = models.QosSpecs
K = models.QosSpecKey
T = models.VolumeType
KIND = specs_db.Kind(
    Q, K, 'qos_specs_id',
    lambda qos_id: exception.NotFound(
        message='QoS specs %s could not be found.' % qos_id))


def get(context, qos_id):
    return specs_db.get(context, KIND, qos_id)


def keys_of(context, qos_ids):
    """{qos id: {key: value}}."""
    return specs_db.of(context, KIND, qos_ids)


def create(context, name, consumer, specs):
    return specs_db.create(
        context, KIND, {'name': name, 'consumer': consumer}, specs,
        exception.Conflict(
            reason='QoS specs %s already exist; choose another name or set '
                   'keys of those (PUT /qos-specs/{id}).' % name))


def set_keys(context, qos_id, specs):
    """Add or change keys (others stay)."""
    specs_db.put(context, KIND, qos_id, specs)


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
    specs_db.remove(context, KIND, qos_id, keys)


@api.reader
def associated_types(context, qos_id):
    return context.session.query(T).filter(
        T.qos_specs_id == qos_id).order_by(T.name).all()


@api.writer
def associate(context, qos_id, type_id):
    """Associate the type (which must have no other QoS specs)."""
    get(context, qos_id)
    vtype = volume_types.get(context, type_id)
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
        volume_types.get(context, type_id)
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
    specs_db.destroy(context, KIND, qos_id)


@api.writer
def update(context, qos_id, consumer, keys):
    """Set ``keys`` (others stay) and, if given, the consumer."""
    get(context, qos_id)
    if consumer is not None:
        context.session.execute(
            sa.update(Q).where(Q.id == qos_id).values(consumer=consumer)
            .execution_options(synchronize_session=False))
    set_keys(context, qos_id, keys)
