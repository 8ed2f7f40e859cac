"""Volume types and their extra specs.

Types are deleted outright (Cinder soft-deletes them); a type still used by
a volume cannot be deleted, and neither can the configured default type.
A volume keeps its type's id and name (``volume_type_id``,
``volume_type``); renaming a type renames them, and the type's per-type
quotas, in the same transaction.
"""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models
from backupd.db import quotas
from backupd.db import specs as specs_db
from backupd import exception

T = models.VolumeType
KIND = specs_db.Kind(
    T, models.VolumeTypeExtraSpec, 'volume_type_id',
    lambda type_id: exception.VolumeTypeNotFound(volume_type_id=type_id))


def get(context, type_id):
    return specs_db.get(context, KIND, type_id)


@api.reader
def find(context, name_or_id):
    """A type by id or by name (clients send either); 404 when neither."""
    row = context.session.query(T).filter(
        sa.or_(T.id == name_or_id, T.name == name_or_id)).order_by(
        (T.id == name_or_id).desc()).first()
    if row is None:
        raise exception.VolumeTypeNotFound(volume_type_id=name_or_id)
    return row


@api.reader
def get_all(context, public_only=False, is_public=None, shared_ids=()):
    """Types by name; ``public_only`` (a member's list) keeps the
    private ones of ``shared_ids`` (shared with the member's project)."""
    query = context.session.query(T)
    if public_only:
        query = query.filter(sa.or_(T.is_public.is_(True),
                                    T.id.in_(list(shared_ids))))
    elif is_public is not None:
        query = query.filter(T.is_public.is_(bool(is_public)))
    return query.order_by(T.name).all()


@api.reader
def names(context):
    return [n for (n,) in context.session.query(T.name).order_by(T.name)]


def specs_of(context, type_ids):
    """{type id: {key: value}}."""
    return specs_db.of(context, KIND, type_ids)


def create(context, name, description=None, is_public=True,
           extra_specs=None):
    return specs_db.create(
        context, KIND, {'name': name, 'description': description,
                        'is_public': is_public}, extra_specs or {},
        exception.Conflict(
            reason='Volume type %s already exists; choose another name or '
                   'update that type.' % name))


def update(context, type_id, values):
    """Change name/description/is_public; a new name follows to volumes
    and per-type quotas."""
    try:
        with api.writer.using(context):
            row = get(context, type_id)
            old_name = row.name
            for key, value in values.items():
                setattr(row, key, value)
            context.session.flush()
            if values.get('name') and values['name'] != old_name:
                context.session.query(models.Volume).filter(
                    models.Volume.volume_type_id == type_id).update(
                    {'volume_type': values['name']},
                    synchronize_session=False)
                quotas.rename_type(context, old_name, values['name'])
            return row
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason='Volume type %s already exists; choose another name.'
                   % values.get('name'))


@api.reader
def volumes_using(context, type_id):
    return api.count(context, models.Volume, {'volume_type_id': type_id})


@api.writer
def destroy(context, type_id):
    """Delete the type and its extra specs; InvalidState while a volume
    uses it (checked in the same transaction)."""
    get(context, type_id)
    in_use = volumes_using(context, type_id)
    if in_use:
        raise exception.InvalidState(
            reason='Volume type %s is used by %d volume(s); delete or retype '
                   'them first.' % (type_id, in_use))
    context.session.query(models.VolumeTypeProject).filter(
        models.VolumeTypeProject.volume_type_id == type_id).delete(
        synchronize_session=False)
    specs_db.destroy(context, KIND, type_id)


def set_specs(context, type_id, specs):
    """Add or change extra specs (others stay)."""
    specs_db.put(context, KIND, type_id, specs)


def delete_spec(context, type_id, key):
    if not specs_db.remove(context, KIND, type_id, [key]):
        raise exception.VolumeTypeExtraSpecNotFound(volume_type_id=type_id,
                                                    key=key)
