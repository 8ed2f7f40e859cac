"""Quota limits with their defaults, and charging a create against them.

A project's limit on a resource is, in order: its own (os-quota-sets PUT),
the ``default`` quota class's (os-quota-class-sets/default PUT, when
``use_default_quota_class``), the ``quota_*`` option; per-type resources
(``volumes_<type>`` ...) default to -1 (no limit). Handlers create a row
inside :func:`charged`, which counts it in the same transaction
(backupd.db.quotas.consume) or rolls everything back with a 413.
"""
import contextlib

from oslo_config import cfg

from backupd.db import api as db
from backupd.db import quotas as quotas_db
from backupd.db import volume_types as types_db
from backupd import exception

DEFAULT_CLASS = 'default'
# Resources of a quota set, in Cinder's order, with their default option.
OPTIONS = {
    'volumes': 'quota_volumes',
    'snapshots': 'quota_snapshots',
    'gigabytes': 'quota_gigabytes',
    'backups': 'quota_backups',
    'backup_gigabytes': 'quota_backup_gigabytes',
    'groups': 'quota_groups',
    'per_volume_gigabytes': 'per_volume_size_limit',
}


def resources(context):
    """Every resource a quota set shows: the fixed ones, then the per-type
    ones of each volume type."""
    names = list(OPTIONS)
    for type_name in types_db.names(context):
        names.extend(quotas_db.typed(r, type_name)
                     for r in quotas_db.PER_TYPE)
    return names


def defaults(context, conf=None):
    """{resource: default limit} of every project."""
    conf = conf or cfg.CONF
    values = {r: -1 for r in resources(context)}
    values.update({r: getattr(conf, opt) for r, opt in OPTIONS.items()})
    if conf.use_default_quota_class:
        values.update({r: v for r, v in quotas_db.class_limits(
            context, DEFAULT_CLASS).items() if r in values})
    return values


def limits(context, project_id):
    """{resource: limit} in force for ``project_id``."""
    values = defaults(context)
    values.update({r: v for r, v in quotas_db.project_limits(
        context, project_id).items() if r in values})
    return values


def in_use(context, project_id):
    """{resource: in use}: the project's counters; what its rows count for
    a resource it has no counter of yet (its first create makes one)."""
    used = quotas_db.counted(context, project_id).get(project_id, {})
    used.update(quotas_db.usages(context, project_id))
    return used


@contextlib.contextmanager
def charged(context, project_id, deltas):
    """A writer transaction that, at its end, counts ``deltas`` (resource
    -> amount, from backupd.db.quotas.of_*) against the project's limits:
    over a limit, OverQuota (413) rolls back everything the block did."""
    if not deltas:
        with db.writer.using(context):
            yield
        return
    quotas_db.ensure(context, project_id, list(deltas))
    in_force = limits(context, project_id)
    with db.writer.using(context):
        yield
        quotas_db.consume(context, project_id, deltas, in_force)


def check_volume_size(context, project_id, size):
    """413 when ``size`` GiB is over the project's per_volume_gigabytes."""
    limit = limits(context, project_id)['per_volume_gigabytes']
    if 0 <= limit < size:
        raise exception.VolumeSizeExceedsLimit(size=size, limit=limit,
                                               project_id=project_id)
