"""How far a running backup or restore is, as response headers.

Cinder's backup body has no such keys and strict clients reject extra
keys, so ``GET /backups/{id}`` of a ``creating`` or ``restoring`` backup
carries them as headers (doc/rest_api_version_history.rst):

* ``X-Backupd-Progress``: percent of the data stored or restored, 0-100;
* ``X-Backupd-Phase``: what the run is doing, read from the row's own
  fields, so a run that sits at 0 % while its temporary snapshot is copied
  (no reflink) or at 100 % while it finishes says so.
"""
from backupd.manager import states

B = states.Backup

# The columns ``headers`` reads of a row.
COLUMNS = ('status', 'progress', 'service', 'temp_snapshot_id',
           'temp_volume_id')

PROGRESS_HEADER = 'X-Backupd-Progress'
PHASE_HEADER = 'X-Backupd-Phase'

STARTING = 'starting'
TEMP_SNAPSHOT = 'preparing temporary snapshot'
TEMP_CLONE = 'preparing temporary clone'
STORING = 'storing data'
RESTORING = 'restoring data'
FINISHING = 'finishing'


def headers(row):
    """The two headers of ``row``, or None when no operation runs."""
    if row.status not in (B.CREATING, B.RESTORING):
        return None
    percent = max(0, min(100, row.progress or 0))
    return {PROGRESS_HEADER: str(percent), PHASE_HEADER: phase(row, percent)}


def phase(row, percent):
    if percent >= 100:
        return FINISHING
    if row.status == B.RESTORING:
        return RESTORING
    # The backup service records ``service`` just before its driver starts
    # storing, and a temporary device's id just before asking for it.
    if row.service:
        return STORING
    if row.temp_snapshot_id:
        return TEMP_SNAPSHOT
    if row.temp_volume_id:
        return TEMP_CLONE
    return STARTING
