"""Key/value metadata rows of volumes, snapshots and backups (one shape)."""
from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.db import api
from backupd.db import models

# resource model -> (metadata model, its foreign key column name)
_TABLES = {
    models.Volume: (models.VolumeMetadata, 'volume_id'),
    models.Snapshot: (models.SnapshotMetadata, 'snapshot_id'),
    models.Backup: (models.BackupMetadata, 'backup_id'),
}


def _table(model):
    meta_model, fk = _TABLES[model]
    return meta_model, getattr(meta_model, fk), fk


@api.writer
def add(context, model, owner_id, metadata):
    meta_model, _, fk = _table(model)
    for key, value in (metadata or {}).items():
        context.session.add(meta_model(**{fk: owner_id, 'key': key,
                                          'value': value}))
    context.session.flush()


@api.writer
def replace(context, model, owner_id, metadata):
    """Make the metadata of ``owner_id`` exactly ``metadata``."""
    meta_model, fk_column, _ = _table(model)
    context.session.query(meta_model).filter(
        fk_column == owner_id, meta_model.deleted.is_(False)).update(
        {'deleted': True, 'deleted_at': timeutils.utcnow()},
        synchronize_session=False)
    add(context, model, owner_id, metadata)


@api.writer
def merge(context, model, owner_id, metadata):
    """Set the keys of ``metadata``; other keys stay."""
    for key in metadata:
        delete_key(context, model, owner_id, key)
    add(context, model, owner_id, metadata)


@api.writer
def delete_key(context, model, owner_id, key):
    """Remove one key; returns whether it existed."""
    meta_model, fk_column, _ = _table(model)
    return context.session.query(meta_model).filter(
        fk_column == owner_id, meta_model.key == key,
        meta_model.deleted.is_(False)).update(
        {'deleted': True, 'deleted_at': timeutils.utcnow()},
        synchronize_session=False) > 0


# model -> SELECT owner, key, value of the metadata of some owners, built
# once: one query per page (or show), cheaper to run than to build.
_OF = {}


@api.reader
def of(context, model, owner_ids):
    """{owner id: {key: value}} for every id in ``owner_ids``."""
    result = {owner_id: {} for owner_id in owner_ids}
    if not owner_ids:
        return result
    stmt = _OF.get(model)
    if stmt is None:
        meta_model, _, fk = _table(model)
        table = meta_model.__table__
        stmt = _OF[model] = sa.select(
            table.c[fk], table.c.key, table.c.value).where(
            table.c[fk].in_(sa.bindparam('owners', expanding=True)),
            table.c.deleted == sa.false())
    for owner, key, value in api.core_execute(
            context, stmt, {'owners': list(owner_ids)}):
        result[owner][key] = value
    return result


@api.reader
def owners_matching(context, model, metadata):
    """Ids of rows whose metadata holds every key/value of ``metadata``."""
    meta_model, fk_column, _ = _table(model)
    matching = None
    for key, value in metadata.items():
        ids = {r[0] for r in context.session.query(fk_column).filter(
            meta_model.key == key, meta_model.value == value,
            meta_model.deleted.is_(False))}
        matching = ids if matching is None else matching & ids
    return sorted(matching or ())
