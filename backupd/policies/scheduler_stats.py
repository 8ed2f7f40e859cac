"""Rules for the storage pools the scheduler knows."""
from oslo_policy import policy

from backupd.policies import base

GET_POOLS = 'scheduler_extension:scheduler_stats:get_pools'

RULES = [
    policy.DocumentedRuleDefault(
        name=GET_POOLS, check_str=base.ADMIN,
        description='List the volume back-end pools new volumes may be '
                    'placed on, with their capacity.',
        operations=[{'method': 'GET',
                     'path': '/scheduler-stats/get_pools'}]),
]


def list_rules():
    return RULES
