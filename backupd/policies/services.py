"""Rules for the service list."""
from oslo_policy import policy

from backupd.policies import base

INDEX = 'volume_extension:services:index'
UPDATE = 'volume_extension:services:update'
HOSTS = 'volume_extension:hosts'
CAPABILITIES = 'volume_extension:capabilities'

RULES = [
    policy.DocumentedRuleDefault(
        name=INDEX, check_str=base.ADMIN,
        description='List the volume and backup services and their state.',
        operations=[{'method': 'GET', 'path': '/os-services'}]),
    policy.DocumentedRuleDefault(
        name=UPDATE, check_str=base.ADMIN,
        description='Enable or disable a service (new volumes and backups '
                    'are not placed on a disabled one).',
        operations=[{'method': 'PUT', 'path': '/os-services/{action}'}]),
    policy.DocumentedRuleDefault(
        name=HOSTS, check_str=base.ADMIN,
        description='List the hosts of services, show a volume host\'s '
                    'usage.',
        operations=[{'method': 'GET', 'path': '/os-hosts'},
                    {'method': 'GET', 'path': '/os-hosts/{host_name}'}]),
    policy.DocumentedRuleDefault(
        name=CAPABILITIES, check_str=base.ADMIN,
        description='Show a volume backend\'s capabilities.',
        operations=[{'method': 'GET', 'path': '/capabilities/{host}'}]),
]


def list_rules():
    return RULES
