"""Quota defaults and the default volume type (Cinder's option names).

A project's limit on a resource is its own (``cinder quota-update``), else
the ``default`` quota class's (``cinder quota-class-update``) when
``use_default_quota_class`` is set, else the option below. -1 means no
limit. See doc/quotas-and-types.rst.
"""
from oslo_config import cfg

OPTS = [
    cfg.IntOpt('quota_volumes', default=10, min=-1,
               help='Number of volumes a project may have. -1: no limit. '
                    'Related: quota_gigabytes, use_default_quota_class.'),
    cfg.IntOpt('quota_snapshots', default=10, min=-1,
               help='Number of volume snapshots a project may have. -1: no '
                    'limit.'),
    cfg.IntOpt('quota_gigabytes', default=1000, min=-1,
               help='GiB of volumes and snapshots (a snapshot counts its '
                    'volume\'s size) a project may have. -1: no limit. '
                    'Related: per_volume_size_limit.'),
    cfg.IntOpt('quota_backups', default=10, min=-1,
               help='Number of volume backups a project may have (a '
                    'delayed-deleted backup counts until the scrubber '
                    'removes it). -1: no limit.'),
    cfg.IntOpt('quota_backup_gigabytes', default=1000, min=-1,
               help='GiB of backups (each counts its volume\'s size) a '
                    'project may have. -1: no limit.'),
    cfg.IntOpt('quota_groups', default=10, min=-1,
               help='Number of volume groups a project may have (a group '
                    'counts until it is deleted). -1: no limit.'),
    cfg.IntOpt('per_volume_size_limit', default=-1, min=-1,
               help='Largest volume, in GiB, a project may create '
                    '(quota per_volume_gigabytes). -1: no limit beyond '
                    'max_volume_size.'),
    cfg.BoolOpt('use_default_quota_class', default=True,
                help='Take default limits from the "default" quota class '
                     '(os-quota-class-sets/default) before the quota_* '
                     'options. False: the options only.'),
    cfg.StrOpt('default_volume_type', default='__DEFAULT__',
               help='Volume type of a volume created without one. Must name '
                    'an existing type; it cannot be deleted. The '
                    '"__DEFAULT__" type always exists (created by the '
                    'database migration), as in Cinder.'),
]


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
