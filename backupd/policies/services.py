"""Rules for the service list."""
from oslo_policy import policy

from backupd.policies import base

INDEX = 'volume_extension:services:index'

RULES = [
    policy.DocumentedRuleDefault(
        name=INDEX, check_str=base.ADMIN,
        description='List the volume and backup services and their state.',
        operations=[{'method': 'GET', 'path': '/os-services'}]),
]


def list_rules():
    return RULES
