"""Request bodies of os-reserve, os-unreserve, os-set_bootable and
os-update_readonly_flag (backupd.api.handlers.volume_flags)."""
from backupd.api.schemas import parameter_types as types

RESERVE = types.action('os-reserve', {'type': 'object'}, nullable=True)
UNRESERVE = types.action('os-unreserve', {'type': 'object'}, nullable=True)
SET_BOOTABLE = types.action('os-set_bootable', types.closed(
    {'bootable': types.BOOL}, required=['bootable']))
UPDATE_READONLY = types.action('os-update_readonly_flag', types.closed(
    {'readonly': types.BOOL}, required=['readonly']))
