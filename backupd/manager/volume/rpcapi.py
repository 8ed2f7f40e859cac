"""Client of the volume manager's RPC API.

Every method goes to the manager on the volume's ``host`` (the plain
service host stored in ``volumes.host``). Long work is a ``cast``; the
backup service's questions and its temp resources are ``call``s.

History:
  1.0 - initial version
  1.1 - create_volume, delete_volume (cascade), create_snapshot,
        delete_snapshot, extend_volume, attach_volume, detach_volume
        (casts)
  1.2 - capabilities, get_backup_device, remove_backup_device,
        get_volume_path, create_volume_sync (calls, for the backup service)
  1.3 - track_changes (call, for the backup service: changed-block
        tracking, issue 19); capabilities() adds change_tracking
"""
from backupd.manager import rpcapi

# Calls that copy data (a temporary snapshot or clone on a filesystem
# without reflinks, a new volume) may take minutes for large volumes.
DATA_CALL_TIMEOUT = 3600
# ... but the volume service heartbeats a running call this often (x0.5),
# so a reply lost in a broker restart fails the call after this long
# instead of holding the backup for DATA_CALL_TIMEOUT.
CALL_MONITOR_TIMEOUT = 60


class VolumeAPI(rpcapi.Ping, rpcapi.RPCClient):
    TOPIC_OPT = 'volume_topic'
    VERSION = '1.3'

    # --- casts (API flows) ---------------------------------------------------
    def create_volume(self, ctxt, host, volume_id):
        self.cast(ctxt, host, version='1.1', method='create_volume',
                  volume_id=volume_id)

    def delete_volume(self, ctxt, host, volume_id, cascade=False):
        self.cast(ctxt, host, version='1.1', method='delete_volume',
                  volume_id=volume_id, cascade=cascade)

    def create_snapshot(self, ctxt, host, snapshot_id):
        self.cast(ctxt, host, version='1.1', method='create_snapshot',
                  snapshot_id=snapshot_id)

    def delete_snapshot(self, ctxt, host, snapshot_id):
        self.cast(ctxt, host, version='1.1', method='delete_snapshot',
                  snapshot_id=snapshot_id)

    def extend_volume(self, ctxt, host, volume_id, new_size):
        self.cast(ctxt, host, version='1.1', method='extend_volume',
                  volume_id=volume_id, new_size=new_size)

    def attach_volume(self, ctxt, host, volume_id, attachment_id, connector):
        self.cast(ctxt, host, version='1.1', method='attach_volume',
                  volume_id=volume_id, attachment_id=attachment_id,
                  connector=connector)

    def detach_volume(self, ctxt, host, volume_id, attachment_id=None):
        self.cast(ctxt, host, version='1.1', method='detach_volume',
                  volume_id=volume_id,
                  attachment_id=attachment_id)

    # --- calls (the backup service) ------------------------------------------
    def capabilities(self, ctxt, host):
        """``{'snapshot_local_path': bool, 'reflink': bool,
        'change_tracking': bool}``: the volume driver's ``supports_*`` flags
        (``backupd.drivers.base.Driver.capabilities``)."""
        return self.prepare(host, '1.2').call(ctxt, 'capabilities')

    def get_backup_device(self, ctxt, host, volume_id, snapshot_id=None,
                          temp_snapshot_id=None, temp_volume_id=None):
        """``{'path': str}`` a backup reads from; see the manager."""
        return self.prepare(host, '1.2', timeout=DATA_CALL_TIMEOUT,
                            call_monitor_timeout=CALL_MONITOR_TIMEOUT).call(
            ctxt, 'get_backup_device', volume_id=volume_id,
            snapshot_id=snapshot_id, temp_snapshot_id=temp_snapshot_id,
            temp_volume_id=temp_volume_id)

    def remove_backup_device(self, ctxt, host, temp_snapshot_id=None,
                             temp_volume_id=None):
        """Remove a backup's temporary snapshot/clone; already gone is fine."""
        return self.prepare(host, '1.2', timeout=DATA_CALL_TIMEOUT,
                            call_monitor_timeout=CALL_MONITOR_TIMEOUT).call(
            ctxt, 'remove_backup_device', temp_snapshot_id=temp_snapshot_id,
            temp_volume_id=temp_volume_id)

    def track_changes(self, ctxt, host, volume_id, snapshot_id,
                      base_snapshot_id=None, base_identity=None):
        """``{'identity', 'ranges', 'reason'}``: what changed in temporary
        snapshot ``snapshot_id`` since the base; see the manager."""
        return self.prepare(host, '1.3', timeout=DATA_CALL_TIMEOUT).call(
            ctxt, 'track_changes', volume_id=volume_id,
            snapshot_id=snapshot_id, base_snapshot_id=base_snapshot_id,
            base_identity=base_identity)

    def get_volume_path(self, ctxt, host, volume_id):
        return self.prepare(host, '1.2').call(ctxt, 'get_volume_path',
                                              volume_id=volume_id)

    def create_volume_sync(self, ctxt, host, volume_id):
        """Create the volume of a ``creating`` row; returns once it is
        ``available``, raises (row left ``error``) on failure."""
        return self.prepare(host, '1.2', timeout=DATA_CALL_TIMEOUT,
                            call_monitor_timeout=CALL_MONITOR_TIMEOUT).call(
            ctxt, 'create_volume_sync', volume_id=volume_id)
