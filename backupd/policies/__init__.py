"""Policy-in-code (oslo.policy): defaults per resource module, one enforcer.

Rule names follow Cinder's so an operator's policy.yaml overrides carry over.
"""
import itertools
import time

from oslo_config import cfg
from oslo_policy import policy

from backupd import exception
from backupd.policies import backups
from backupd.policies import group_types
from backupd.policies import groups
from backupd.policies import messages
from backupd.policies import qos_specs
from backupd.policies import base
from backupd.policies import quotas
from backupd.policies import scheduler_stats
from backupd.policies import services
from backupd.policies import snapshots
from backupd.policies import transfers
from backupd.policies import volume_types
from backupd.policies import volumes

_MODULES = (base, services, backups, volumes, snapshots, scheduler_stats,
            quotas, volume_types, transfers, messages, qos_specs,
            group_types, groups)
_ENFORCER = None


def list_rules():
    return list(itertools.chain.from_iterable(m.list_rules() for m in _MODULES))


class _Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking for a changed policy file at most
    every RELOAD_CHECK_SECONDS instead of before every check (there it
    searches the config directories for the file and policy.d and walks
    every rule: a fifth of the CPU of a show, issue 15), and remembering
    its decisions until then: a decision depends only on the rules, the
    caller's credentials and the target. A changed policy.yaml applies
    within a second, without a restart."""
    RELOAD_CHECK_SECONDS = 1.0
    # Decisions kept between two looks at the policy file, at most.
    MAX_DECISIONS = 4096
    _checked_at = None

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if (force_reload or self._checked_at is None
                or now - self._checked_at >= self.RELOAD_CHECK_SECONDS):
            super().load_rules(force_reload)
            self._checked_at = now
            self.decisions = {}

    def set_rules(self, *args, **kwargs):
        super().set_rules(*args, **kwargs)
        self.decisions = {}

    def clear(self):
        super().clear()
        self._checked_at = None
        self.decisions = {}

    def decide(self, action, target, context):
        """Whether ``context`` may do ``action`` on ``target``."""
        self.load_rules()
        creds, frozen_creds = _creds(context)
        try:
            key = (action, frozen_creds, _frozen(target))
            allowed = self.decisions.get(key)
        except TypeError:    # a value that is not hashable: no memory
            key = allowed = None
        if allowed is None:
            allowed = bool(self.enforce(action, target, creds))
            if key is not None:
                if len(self.decisions) >= self.MAX_DECISIONS:
                    self.decisions = {}
                self.decisions[key] = allowed
        return allowed


def _creds(context):
    """(the policy credentials of ``context``, the same as a decision's
    key), built once per request, and again when what they are built from
    changes after a first decision: the admin flag (set by the auth
    middleware from a decision) and the project (filled in from the URL by
    the router for noauth callers without one).
    """
    stamp = (context.is_admin, context.project_id, context.user_id,
             tuple(context.roles or ()))
    cached = context.__dict__.get('_policy_creds')
    if cached is None or cached[0] != stamp:
        creds = dict(context.to_policy_values())
        cached = (stamp, creds, _frozen(creds))
        context.__dict__['_policy_creds'] = cached
    return cached[1:]


def _frozen(mapping):
    return tuple(sorted((key, tuple(value) if isinstance(value, list)
                         else value) for key, value in mapping.items()))


def get_enforcer(conf=None):
    """The enforcer; also the entry point oslopolicy-sample-generator uses."""
    global _ENFORCER
    if _ENFORCER is None:
        conf = conf or cfg.CONF
        _ENFORCER = _Enforcer(conf)
        _ENFORCER.register_defaults(list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    _ENFORCER = None


def check_is_admin(context):
    """Whether ``context_is_admin`` holds for the caller: the one place that
    decides who is an administrator (visibility and all_tenants included)."""
    return get_enforcer().decide(
        'context_is_admin',
        {'project_id': context.project_id, 'user_id': context.user_id},
        context)


def authorize(context, action, target=None):
    """Raise Forbidden (403) unless ``context`` may do ``action`` on
    ``target``. Decided once for each caller, action and target while the
    policy file is unchanged: the items of a list of one project share it.
    """
    target = target or {'project_id': context.project_id,
                        'user_id': context.user_id}
    if action not in get_enforcer().registered_rules:
        # oslo.policy's own error for a rule nobody registered (a bug)
        get_enforcer().authorize(action, target, context)
    if not get_enforcer().decide(action, target, context):
        raise exception.Forbidden(action=action)
