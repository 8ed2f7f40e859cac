"""SQLAlchemy models. Alembic migrations must produce exactly this schema
(tests/unit/test_migrations.py compares them on SQLite, MariaDB and PostgreSQL).

Rows are soft-deleted (``deleted``/``deleted_at``) like Cinder's, so a deleted
backup's record still explains what happened to it.
"""
import sqlalchemy as sa
from sqlalchemy import orm

from oslo_utils import timeutils

UUID_LEN = 36


class Base(orm.DeclarativeBase):
    pass


# API lists page by keyset (backupd.db.listing, doc/api-performance.rst):
# ORDER BY <key>, created_at, id, each key's index led by the columns every
# project list filters on, so a page is a range read in index order, as
# cheap at a million rows as at a thousand. Other sort keys Cinder accepts
# still work, with a sort of the project's rows.
INDEXED_SORT_KEYS = ('created_at', 'updated_at', 'display_name', 'status',
                     'id')


def list_indexes(table):
    """The indexes of ``table``'s API lists: one per INDEXED_SORT_KEYS key
    (project_id, deleted, key, created_at, id), and (deleted, created_at,
    id) for an admin's all_tenants list."""
    indexes = [sa.Index('%s_deleted_created_idx' % table,
                        'deleted', 'created_at', 'id')]
    for key in INDEXED_SORT_KEYS:
        columns = ([key] if key == 'id' else
                   ['created_at', 'id'] if key == 'created_at' else
                   [key, 'created_at', 'id'])
        indexes.append(sa.Index('%s_project_%s_idx' % (table, key),
                                'project_id', 'deleted', *columns))
    return indexes


class CreatedUpdatedMixin:
    created_at = sa.Column(sa.DateTime, default=timeutils.utcnow, nullable=False)
    updated_at = sa.Column(sa.DateTime, onupdate=timeutils.utcnow)


class TimestampMixin(CreatedUpdatedMixin):
    """Rows that are soft-deleted."""
    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Boolean, default=False, nullable=False)


class OwnedMixin:
    """What every object a user makes in a project has (volumes,
    snapshots, backups, groups, group snapshots): owner, name,
    description and status."""
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    display_name = sa.Column(sa.String(255))
    display_description = sa.Column(sa.String(255))
    status = sa.Column(sa.String(255), nullable=False)


class QuotaMixin(CreatedUpdatedMixin):
    """A limit or a count of one resource (for a project or a class)."""
    id = sa.Column(sa.Integer, primary_key=True)
    resource = sa.Column(sa.String(300), nullable=False)


class KeyValueMixin:
    """A key and its value that belong to another row (metadata, specs):
    the owner's column is ``owner_id``'s."""
    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))


def owner_id(table):
    """The column naming the row of ``table`` a key/value row belongs to."""
    return sa.Column(sa.String(UUID_LEN), sa.ForeignKey('%s.id' % table),
                     nullable=False, index=True)


class LeaseMixin:
    """Which live operation owns a row in a transient status (issue 22,
    doc/reliability.rst): taken and renewed by compare-and-swap, so a
    reconciler never touches a row another live process works on."""
    # "<host>/<binary>/<pid>/<random>" of the owning process; NULL: unclaimed
    lease_owner = sa.Column(sa.String(255))
    # The owner renews it while it lives; past it, the row is abandoned.
    lease_expires_at = sa.Column(sa.DateTime)


class Service(TimestampMixin, Base):
    """One running backupd service process (per binary and host)."""
    __tablename__ = 'services'
    __table_args__ = (sa.Index('services_host_binary_idx', 'host', 'binary'),)

    id = sa.Column(sa.Integer, primary_key=True)
    host = sa.Column(sa.String(255), nullable=False)
    binary = sa.Column(sa.String(255), nullable=False)
    topic = sa.Column(sa.String(255), nullable=False)
    availability_zone = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, default=0, nullable=False)
    # Last heartbeat; a service is up when this is recent AND it is ready.
    heartbeat_at = sa.Column(sa.DateTime)
    # The manager's own verdict (e.g. its driver initialized); reason if not.
    ready = sa.Column(sa.Boolean, default=False, nullable=False)
    not_ready_reason = sa.Column(sa.String(1024))
    disabled = sa.Column(sa.Boolean, default=False, nullable=False)
    disabled_reason = sa.Column(sa.String(255))
    rpc_version = sa.Column(sa.String(36))
    # Capacity a backupd-volume service reported (Cinder's stats names, GiB)
    # and the options it applies to it; NULL until its first report.
    # Placement reads them (backupd.api.volume_scheduling).
    total_capacity_gb = sa.Column(sa.Float)
    free_capacity_gb = sa.Column(sa.Float)
    provisioned_capacity_gb = sa.Column(sa.Float)
    thin_provisioning = sa.Column(sa.Boolean)
    reserved_percentage = sa.Column(sa.Integer)
    max_over_subscription_ratio = sa.Column(sa.Float)
    # When the figures were measured (taken before measuring, so a volume
    # created meanwhile counts on both sides: never on neither).
    capacity_reported_at = sa.Column(sa.DateTime)
    # The backend a volume host serves (its volume_backend_name); a volume
    # type's volume_backend_name extra spec picks among them.
    volume_backend_name = sa.Column(sa.String(255))


class Volume(TimestampMixin, LeaseMixin, OwnedMixin, Base):
    __tablename__ = 'volumes'
    __table_args__ = (
        sa.Index('volumes_host_status_idx', 'host', 'status'),
        *list_indexes('volumes'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    host = sa.Column(sa.String(255))
    size = sa.Column(sa.Integer, nullable=False)
    availability_zone = sa.Column(sa.String(255))
    previous_status = sa.Column(sa.String(255))
    attach_status = sa.Column(sa.String(255), default='detached')
    snapshot_id = sa.Column(sa.String(UUID_LEN))
    source_volid = sa.Column(sa.String(UUID_LEN))
    volume_type = sa.Column(sa.String(255))   # the type's name, as shown
    volume_type_id = sa.Column(sa.String(UUID_LEN))
    bootable = sa.Column(sa.Boolean, default=False, nullable=False)
    multiattach = sa.Column(sa.Boolean, default=False, nullable=False)
    provider_location = sa.Column(sa.String(255))
    launched_at = sa.Column(sa.DateTime)
    terminated_at = sa.Column(sa.DateTime)
    # True for temporary clones a backup reads from (drivers without
    # snapshot local paths); hidden from the API and removed by cleanup.
    is_temporary = sa.Column(sa.Boolean, default=False, nullable=False,
                             server_default=sa.false())
    # os-update_readonly_flag; None until set (shown as metadata "readonly")
    readonly = sa.Column(sa.Boolean)
    # the group the volume is in (3.13), or None
    group_id = sa.Column(sa.String(UUID_LEN))


class VolumeMetadata(TimestampMixin, KeyValueMixin, Base):
    __tablename__ = 'volume_metadata'
    # the metadata filter of volume lists (metadata.owners_matching)
    __table_args__ = (sa.Index('volume_metadata_key_value_idx',
                               'key', 'value'),)

    volume_id = owner_id('volumes')


class VolumeAttachment(TimestampMixin, Base):
    __tablename__ = 'volume_attachment'

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    volume_id = sa.Column(sa.String(UUID_LEN), sa.ForeignKey('volumes.id'),
                          nullable=False, index=True)
    instance_uuid = sa.Column(sa.String(UUID_LEN))
    attached_host = sa.Column(sa.String(255))
    mountpoint = sa.Column(sa.String(255))
    attach_mode = sa.Column(sa.String(36))
    attach_status = sa.Column(sa.String(255), nullable=False)
    connector = sa.Column(sa.Text)
    attach_time = sa.Column(sa.DateTime)
    detach_time = sa.Column(sa.DateTime)


class Snapshot(TimestampMixin, LeaseMixin, OwnedMixin, Base):
    __tablename__ = 'snapshots'
    __table_args__ = tuple(list_indexes('snapshots'))

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    volume_id = sa.Column(sa.String(UUID_LEN), sa.ForeignKey('volumes.id'),
                          nullable=False, index=True)
    progress = sa.Column(sa.String(255))
    volume_size = sa.Column(sa.Integer)
    # the group snapshot it is part of (3.14), or None
    group_snapshot_id = sa.Column(sa.String(UUID_LEN))
    provider_location = sa.Column(sa.String(255))
    # True for temporary snapshots a backup takes of an in-use volume;
    # they are hidden from the API and removed by cleanup.
    is_temporary = sa.Column(sa.Boolean, default=False, nullable=False)


class SnapshotMetadata(TimestampMixin, KeyValueMixin, Base):
    __tablename__ = 'snapshot_metadata'
    __table_args__ = (sa.Index('snapshot_metadata_key_value_idx',
                               'key', 'value'),)

    snapshot_id = owner_id('snapshots')


class Backup(TimestampMixin, LeaseMixin, OwnedMixin, Base):
    __tablename__ = 'backups'
    __table_args__ = (
        sa.Index('backups_volume_idx', 'volume_id'),
        sa.Index('backups_status_idx', 'status'),
        # dependents of a backup (delete checks, a member's show and list)
        sa.Index('backups_parent_idx', 'parent_id'),
        # cleanup at start and the reconciler (rows of one host by status)
        sa.Index('backups_host_status_idx', 'host', 'status'),
        *list_indexes('backups'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    volume_id = sa.Column(sa.String(UUID_LEN), nullable=False)
    snapshot_id = sa.Column(sa.String(UUID_LEN))
    host = sa.Column(sa.String(255))
    availability_zone = sa.Column(sa.String(255))
    container = sa.Column(sa.String(255))
    previous_status = sa.Column(sa.String(255))
    fail_reason = sa.Column(sa.String(1024))
    # Backup driver name and what it returned (e.g. the manifest's name).
    service = sa.Column(sa.String(255))
    service_metadata = sa.Column(sa.Text)
    size = sa.Column(sa.Integer)
    object_count = sa.Column(sa.Integer)
    stored_bytes = sa.Column(sa.BigInteger)
    progress = sa.Column(sa.Integer, default=0, nullable=False)
    parent_id = sa.Column(sa.String(UUID_LEN))
    num_dependent_backups = sa.Column(sa.Integer, default=0, nullable=False)
    temp_volume_id = sa.Column(sa.String(UUID_LEN))
    temp_snapshot_id = sa.Column(sa.String(UUID_LEN))
    # Changed-block tracking (issue 19): the snapshot this backup read, kept
    # as the next incremental's base (a temporary snapshot, never shown),
    # and the volume driver's identity of it when it was kept.
    base_snapshot_id = sa.Column(sa.String(UUID_LEN))
    base_identity = sa.Column(sa.String(255))
    # The stored data needs the parent's (an incremental of manifest
    # version 1/2); false for the shared layout (doc/dedup-and-gc.rst).
    depends_on_parent = sa.Column(sa.Boolean, default=False, nullable=False,
                                  server_default=sa.false())
    restore_volume_id = sa.Column(sa.String(UUID_LEN))
    data_timestamp = sa.Column(sa.DateTime)
    encryption_key_id = sa.Column(sa.String(UUID_LEN))
    # When a delayed delete was requested (status pending_delete).
    pending_delete_at = sa.Column(sa.DateTime)


class BackupMetadata(TimestampMixin, KeyValueMixin, Base):
    __tablename__ = 'backup_metadata'

    backup_id = owner_id('backups')


# --- quotas and volume types (issue 14; doc/quotas-and-types.rst) ----------

class Quota(QuotaMixin, Base):
    """A project's own limit on one resource (absent: the default)."""
    __tablename__ = 'quotas'
    __table_args__ = (sa.UniqueConstraint('project_id', 'resource',
                                          name='uniq_quotas0project_resource'),)

    project_id = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer, nullable=False)


class QuotaClass(QuotaMixin, Base):
    """A limit of a quota class; class ``default`` sets every project's
    defaults (over the quota_* options)."""
    __tablename__ = 'quota_classes'
    __table_args__ = (sa.UniqueConstraint('class_name', 'resource',
                                          name='uniq_quota_classes0class_resource'),)

    class_name = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer, nullable=False)


class QuotaUsage(QuotaMixin, Base):
    """What a project uses of one resource. Changed in the transaction that
    inserts or deletes the row it counts, by a conditional UPDATE of this
    row (backupd.db.quotas), so it is also the per-project lock that
    serializes concurrent creates."""
    __tablename__ = 'quota_usages'
    __table_args__ = (sa.UniqueConstraint('project_id', 'resource',
                                          name='uniq_quota_usages0project_resource'),)

    project_id = sa.Column(sa.String(255), nullable=False)
    in_use = sa.Column(sa.Integer, nullable=False)


class VolumeType(CreatedUpdatedMixin, Base):
    """A volume type; rows are deleted outright (a type in use cannot be)."""
    __tablename__ = 'volume_types'

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    name = sa.Column(sa.String(255), nullable=False, unique=True)
    description = sa.Column(sa.String(255))
    is_public = sa.Column(sa.Boolean, default=True, nullable=False)
    # associated QoS specs (GET /qos-specs/{id}/associate), or None
    qos_specs_id = sa.Column(sa.String(UUID_LEN))


class VolumeTypeExtraSpec(KeyValueMixin, Base):
    __tablename__ = 'volume_type_extra_specs'
    __table_args__ = (sa.UniqueConstraint('volume_type_id', 'key',
                                          name='uniq_type_extra_specs0type_key'),)

    volume_type_id = owner_id('volume_types')


class Transfer(TimestampMixin, Base):
    """A volume offered to another project; the auth key is kept only as a
    salted hash (backupd.api.handlers.transfers)."""
    __tablename__ = 'transfers'
    __table_args__ = (
        sa.Index('transfers_volume_id_idx', 'volume_id'),
        sa.Index('transfers_project_idx', 'source_project_id', 'deleted'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    volume_id = sa.Column(sa.String(UUID_LEN), sa.ForeignKey('volumes.id'),
                          nullable=False)
    display_name = sa.Column(sa.String(255))
    salt = sa.Column(sa.String(255), nullable=False)
    crypt_hash = sa.Column(sa.String(255), nullable=False)
    source_project_id = sa.Column(sa.String(255), nullable=False)
    destination_project_id = sa.Column(sa.String(255))
    accepted = sa.Column(sa.Boolean, default=False, nullable=False)
    no_snapshots = sa.Column(sa.Boolean, default=False, nullable=False)


class Message(TimestampMixin, Base):
    """A user message: why an asynchronous request of a project failed
    (GET /messages, backupd.messages)."""
    __tablename__ = 'messages'
    __table_args__ = (
        sa.Index('messages_project_idx', 'project_id', 'deleted'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    request_id = sa.Column(sa.String(255))
    resource_type = sa.Column(sa.String(255))
    resource_uuid = sa.Column(sa.String(UUID_LEN))
    event_id = sa.Column(sa.String(255), nullable=False)
    message_level = sa.Column(sa.String(255), nullable=False)
    user_message = sa.Column(sa.String(1024), nullable=False)
    expires_at = sa.Column(sa.DateTime)


class QosSpecs(CreatedUpdatedMixin, Base):
    """Named QoS keys with a consumer; deleted outright, as volume types."""
    __tablename__ = 'qos_specs'
    __table_args__ = (sa.UniqueConstraint('name',
                                          name='uniq_qos_specs0name'),)

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    consumer = sa.Column(sa.String(255), nullable=False)


class QosSpecKey(KeyValueMixin, Base):
    __tablename__ = 'qos_spec_keys'
    __table_args__ = (sa.UniqueConstraint('qos_specs_id', 'key',
                                          name='uniq_qos_spec_keys0qos_key'),)

    qos_specs_id = owner_id('qos_specs')


class GroupType(CreatedUpdatedMixin, Base):
    """A group type (3.11); deleted outright, as volume types."""
    __tablename__ = 'group_types'
    __table_args__ = (sa.UniqueConstraint('name',
                                          name='uniq_group_types0name'),)

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    description = sa.Column(sa.String(255))
    is_public = sa.Column(sa.Boolean, default=True, nullable=False)


class GroupTypeSpec(KeyValueMixin, Base):
    __tablename__ = 'group_type_specs'
    __table_args__ = (sa.UniqueConstraint(
        'group_type_id', 'key', name='uniq_group_type_specs0type_key'),)

    group_type_id = owner_id('group_types')


class VolumeTypeProject(CreatedUpdatedMixin, Base):
    """A project a private volume type is shared with (type access)."""
    __tablename__ = 'volume_type_projects'
    __table_args__ = (sa.UniqueConstraint(
        'volume_type_id', 'project_id',
        name='uniq_volume_type_projects0type_project'),)

    id = sa.Column(sa.Integer, primary_key=True)
    volume_type_id = sa.Column(sa.String(UUID_LEN),
                               sa.ForeignKey('volume_types.id'),
                               nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)


class Group(TimestampMixin, OwnedMixin, Base):
    """A group of volumes (3.13), Cinder's generic one: bookkeeping over
    per-volume operations."""
    __tablename__ = 'groups'
    __table_args__ = (sa.Index('groups_project_idx', 'project_id',
                               'deleted'),)

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    availability_zone = sa.Column(sa.String(255))
    group_type_id = sa.Column(sa.String(UUID_LEN), nullable=False)
    group_snapshot_id = sa.Column(sa.String(UUID_LEN))
    source_group_id = sa.Column(sa.String(UUID_LEN))


class GroupVolumeType(Base):
    """A volume type a group takes."""
    __tablename__ = 'group_volume_types'

    id = sa.Column(sa.Integer, primary_key=True)
    group_id = sa.Column(sa.String(UUID_LEN), sa.ForeignKey('groups.id'),
                         nullable=False, index=True)
    volume_type_id = sa.Column(sa.String(UUID_LEN), nullable=False)


class GroupSnapshot(TimestampMixin, OwnedMixin, Base):
    """A snapshot of every volume of a group (3.14)."""
    __tablename__ = 'group_snapshots'
    __table_args__ = (sa.Index('group_snapshots_project_idx', 'project_id',
                               'deleted'),)

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    group_id = sa.Column(sa.String(UUID_LEN), nullable=False)
    group_type_id = sa.Column(sa.String(UUID_LEN))
