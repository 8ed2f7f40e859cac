"""Policy-in-code (oslo.policy): defaults per resource module, one enforcer.

Rule names follow Cinder's so an operator's policy.yaml overrides carry over.
"""
import itertools

from oslo_config import cfg
from oslo_policy import policy

from backupd import exception
from backupd.policies import backups
from backupd.policies import messages
from backupd.policies import base
from backupd.policies import quotas
from backupd.policies import scheduler_stats
from backupd.policies import services
from backupd.policies import snapshots
from backupd.policies import transfers
from backupd.policies import volume_types
from backupd.policies import volumes

_MODULES = (base, services, backups, volumes, snapshots, scheduler_stats,
            quotas, volume_types, transfers, messages)
_ENFORCER = None


def list_rules():
    return list(itertools.chain.from_iterable(m.list_rules() for m in _MODULES))


def get_enforcer(conf=None):
    """The enforcer; also the entry point oslopolicy-sample-generator uses."""
    global _ENFORCER
    if _ENFORCER is None:
        conf = conf or cfg.CONF
        _ENFORCER = policy.Enforcer(conf)
        _ENFORCER.register_defaults(list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    _ENFORCER = None


def check_is_admin(context):
    """Whether ``context_is_admin`` holds for the caller: the one place that
    decides who is an administrator (visibility and all_tenants included)."""
    return get_enforcer().authorize(
        'context_is_admin',
        {'project_id': context.project_id, 'user_id': context.user_id},
        context)


def authorize(context, action, target=None):
    """Raise Forbidden (403) unless ``context`` may do ``action`` on ``target``."""
    target = target or {'project_id': context.project_id,
                        'user_id': context.user_id}
    get_enforcer().authorize(action, target, context,
                             do_raise=True, exc=exception.Forbidden,
                             action=action)
