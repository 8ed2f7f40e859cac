"""Request bodies of os-reserve, os-unreserve, os-set_bootable and
os-update_readonly_flag (backupd.api.handlers.volume_flags)."""
from backupd.api.schemas import parameter_types as types

RESERVE = types.action('os-reserve', {'type': 'object'}, nullable=True)
UNRESERVE = types.action('os-unreserve', {'type': 'object'}, nullable=True)
SET_BOOTABLE = types.action('os-set_bootable', {
    'type': 'object',
    'properties': {'bootable': types.BOOL},
    'required': ['bootable'],
    'additionalProperties': False,
})
UPDATE_READONLY = types.action('os-update_readonly_flag', {
    'type': 'object',
    'properties': {'readonly': types.BOOL},
    'required': ['readonly'],
    'additionalProperties': False,
})
