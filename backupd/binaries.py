"""Each process's name, and each service's two names.

A process (console script, log and error prefix) is named by one constant
here. The process, its RPC topic and its ``services`` row are
``backupd-volume`` and ``backupd-backup``. What os-services, ``backupd-manage service list``
and the ``backupd`` CLI show as its binary is Cinder's name, because
Tempest and operators' monitoring look for ``cinder-volume`` and
``cinder-backup`` (doc/rest_api_version_history.rst).
"""
VOLUME = 'backupd-volume'
BACKUP = 'backupd-backup'
API = 'backupd-api'
SCRUBBER = 'backupd-scrubber'
MANAGE = 'backupd-manage'
ALL = 'backupd-all'
VOLUME_SHOWN = 'cinder-volume'
BACKUP_SHOWN = 'cinder-backup'

_SHOWN = {VOLUME: VOLUME_SHOWN, BACKUP: BACKUP_SHOWN}
_STORED = {shown: stored for stored, shown in _SHOWN.items()}


def shown(binary):
    """The binary name users see for the stored ``binary``."""
    return _SHOWN.get(binary, binary)


def stored(name):
    """The stored binary a filter names; either name is accepted."""
    return _STORED.get(name, name)
