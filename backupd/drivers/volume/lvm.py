"""LVM volume driver: volumes and snapshots as logical volumes of one VG.

Thick mode (``lvm_type = default``) makes linear LVs and copy-on-write
snapshots sized by ``lvm_snapshot_size_ratio``; a clone is a new LV filled
with ``dd`` from a snapshot. Thin mode (``lvm_type = thin``) puts every volume
in the thin pool ``<volume_group>-pool`` (created by ``do_setup()`` when
missing); snapshots and clones are thin snapshots sharing blocks with their
source. Whether a snapshot or clone is thin follows its source LV, so volumes
made before a switch of ``lvm_type`` keep working.

All lvm2 commands go through :mod:`backupd.drivers.volume.lvm_cmd`.
"""
import contextlib
import hashlib
import math
import os

from oslo_config import cfg
from oslo_log import log as logging

from backupd import exception
from backupd.drivers.volume import base
from backupd.drivers.volume import lvm_cmd
from backupd.drivers.volume import thin_delta

LOG = logging.getLogger(__name__)

MiB = 1024 ** 2

# Share of the VG's free space a new thin pool takes: the rest is left for
# the pool's metadata LV, its spare and metadata growth.
THIN_POOL_PERCENT_OF_FREE = 95

OPTS = [
    cfg.StrOpt('volume_group', default='backupd-volumes',
               help='LVM volume group holding the volumes and snapshots. It '
                    'must exist before the volume service starts '
                    '(vgcreate). Related: lvm_type.'),
    cfg.StrOpt('lvm_type', default='default', choices=[
                   ('default', 'thick: linear LVs, copy-on-write snapshots'),
                   ('thin', 'thin LVs in the pool <volume_group>-pool, '
                            'created when missing')],
               help='How volumes are provisioned in volume_group. Related: '
                    'lvm_snapshot_size_ratio (thick only).'),
    cfg.FloatOpt('lvm_snapshot_size_ratio', default=1.0, min=0.01, max=1.0,
                 help='Thick mode: size of a snapshot\'s copy-on-write area '
                      'as a fraction of its volume (0.01 to 1.0). A snapshot '
                      'becomes invalid when more of its volume changes than '
                      'this; 1.0 can never overflow. Ignored for thin '
                      'volumes.'),
    cfg.StrOpt('volume_clear', default='zero', choices=[
                   ('zero', 'overwrite with zeros'),
                   ('none', 'do not clear')],
               help='How a deleted thick volume, and a deleted thick '
                    'snapshot\'s copy-on-write area, are cleared so their '
                    'data never reaches the next user of the space. Thin '
                    'volumes are not cleared: the pool zeroes new blocks. '
                    'Related: volume_clear_size.'),
    cfg.IntOpt('volume_clear_size', default=0, min=0,
               help='MiB to clear at the start of a deleted volume when '
                    'volume_clear is "zero"; 0 clears all of it.'),
    cfg.StrOpt('root_helper', default='sudo',
               help='Command put in front of every lvm2 and dd command: '
                    '"sudo", "sudo backupd-rootwrap '
                    '/etc/backupd/rootwrap.conf" or a privsep helper. Not '
                    'used when the service runs as root.'),
    cfg.StrOpt('lvm_conf_file', default='',
               help='Path of an lvm.conf (the file must be named lvm.conf) '
                    'for every lvm2 command, passed as LVM_SYSTEM_DIR; e.g. '
                    'to filter the devices LVM scans. Empty: the system\'s '
                    '/etc/lvm/lvm.conf.'),
    cfg.StrOpt('lvm_dev_dir', default='/dev',
               help='Directory of the LV device nodes, /dev/<vg>/<lv>: '
                    'change it only with LVM\'s devices/dir setting (tests '
                    'point it at a simulated lvm).'),
]


def list_opts():
    return [(None, OPTS)]


def _snapshot_lv_name(snapshot_id):
    # lvm2 refuses LV names starting with "snapshot" (reserved), hence the
    # underscore Cinder uses too.
    return '_' + base.snapshot_name(snapshot_id)


def _mib(size_bytes):
    return int(math.ceil(size_bytes / MiB))


class LVMVolumeDriver(base.VolumeDriver):
    """Volumes as LVs of ``volume_group``; see the module docstring."""

    driver_name = 'lvm'
    OPTS = OPTS
    supports_snapshot_local_path = True

    # -- configuration read at call time, so overrides made after __init__
    # (tests, reloads) take effect --------------------------------------

    @property
    def lvm(self):
        conf = self.conf
        execute = lvm_cmd.Executor(
            conf.root_helper, lvm_cmd.system_dir_of(conf.lvm_conf_file))
        return lvm_cmd.LVM(conf.volume_group, execute)

    @property
    def thin(self):
        return self.conf.lvm_type == 'thin'

    @property
    def pool_name(self):
        return '%s-pool' % self.conf.volume_group

    @property
    def supports_change_tracking(self):
        # Thin snapshots share blocks, and the pool's metadata says which.
        return self.thin

    # -- lifecycle ----------------------------------------------------------

    def do_setup(self):
        conf_file = self.conf.lvm_conf_file
        if conf_file and os.path.basename(conf_file) != 'lvm.conf':
            raise exception.VolumeDriverError(
                reason='lvm_conf_file %s must be named lvm.conf: lvm2 reads '
                       'only that name from LVM_SYSTEM_DIR.' % conf_file)
        lvm = self.lvm
        self._require_vg(lvm)
        if self.thin and lvm.get_lv(self.pool_name) is None:
            LOG.info('Creating thin pool %s in volume group %s.',
                     self.pool_name, lvm.vg_name)
            with self._doing('create thin pool %s' % self.pool_name):
                lvm.create_thin_pool(self.pool_name,
                                     THIN_POOL_PERCENT_OF_FREE)

    def check_for_setup_error(self):
        lvm = self.lvm
        self._require_vg(lvm)
        if self.thin:
            pool = lvm.get_lv(self.pool_name)
            if pool is None or not pool.is_thin_pool:
                raise exception.VolumeDriverError(
                    reason='lvm_type is "thin" but volume group %s has no '
                           'thin pool %s; do_setup() creates it, or create it '
                           'with "lvcreate -T -l %d%%FREE %s/%s".'
                           % (lvm.vg_name, self.pool_name,
                              THIN_POOL_PERCENT_OF_FREE, lvm.vg_name,
                              self.pool_name))

    def _require_vg(self, lvm):
        with self._doing('read volume group %s' % lvm.vg_name):
            vg = lvm.get_vg()
        if vg is None:
            raise exception.VolumeDriverError(
                reason='Volume group %s does not exist on host %s. Create it '
                       '("vgcreate %s <device>") or set volume_group.'
                       % (lvm.vg_name, self.host, lvm.vg_name))
        return vg

    # -- volumes ------------------------------------------------------------

    def create_volume(self, volume_id, size_gb):
        size_mib = _mib(base.size_bytes(size_gb))
        with self._doing('create volume %s' % volume_id):
            self._create_empty_lv(self.lvm, base.volume_name(volume_id),
                                  size_mib)

    def delete_volume(self, volume_id):
        lvm = self.lvm
        name = base.volume_name(volume_id)
        with self._doing('delete volume %s' % volume_id):
            lvs = lvm.list_lvs()
            lv = lvm_cmd.find_lv(lvs, name)
            if lv is None:
                LOG.info('Volume %s is already gone.', volume_id)
                return
            # lvremove -f would take thick snapshots along; thin snapshots
            # are independent LVs and may outlive their origin.
            snapshots = [other.name for other in lvs
                         if other.origin == name and other.is_thick_snapshot]
            if snapshots:
                raise exception.VolumeDriverError(
                    reason='Volume %s has snapshots (%s); delete them first.'
                           % (volume_id, ', '.join(snapshots)))
            if not lv.is_thin:
                self._clear(lvm, self.local_path(volume_id), lv.size)
            lvm.remove_lv(name)

    def extend_volume(self, volume_id, new_size_gb):
        lvm = self.lvm
        new_size_mib = _mib(base.size_bytes(new_size_gb))
        with self._doing('extend volume %s' % volume_id):
            lv = self._require_lv(lvm, base.volume_name(volume_id),
                                  'Volume %s' % volume_id)
            if new_size_mib * MiB <= lv.size:
                raise exception.VolumeDriverError(
                    reason='Volume %s is already %d bytes; it can only grow, '
                           'not to %d GiB.' % (volume_id, lv.size,
                                               new_size_gb))
            lvm.extend_lv(lv.name, new_size_mib)

    def create_cloned_volume(self, volume_id, size_gb, src_volume_id):
        lvm = self.lvm
        size_mib = _mib(base.size_bytes(size_gb))
        name = base.volume_name(volume_id)
        with self._doing('clone volume %s into volume %s'
                         % (src_volume_id, volume_id)):
            src = self._require_lv(lvm, base.volume_name(src_volume_id),
                                   'Source volume %s' % src_volume_id)
            if src.is_thin:
                self._thin_copy(lvm, name, src, size_mib)
                return
            # Copy from a temporary snapshot: the source may be in use, and
            # the clone must be one point in time.
            temp = _snapshot_lv_name('clone-%s' % volume_id)
            lvm.create_snapshot(temp, src.name, self._cow_mib(src))
            try:
                self._copy_into_new_lv(lvm, name, size_mib,
                                       self._dev_path(temp))
            finally:
                self._remove_snapshot(lvm, lvm.get_lv(temp))

    def create_volume_from_snapshot(self, volume_id, size_gb, snapshot_id,
                                    src_volume_id):
        lvm = self.lvm
        size_mib = _mib(base.size_bytes(size_gb))
        name = base.volume_name(volume_id)
        with self._doing('create volume %s from snapshot %s'
                         % (volume_id, snapshot_id)):
            snap = self._require_lv(lvm, _snapshot_lv_name(snapshot_id),
                                    'Snapshot %s' % snapshot_id)
            if snap.is_thin:
                self._thin_copy(lvm, name, snap, size_mib)
            else:
                self._copy_into_new_lv(
                    lvm, name, size_mib,
                    self.snapshot_path(snapshot_id, src_volume_id))

    # -- snapshots ----------------------------------------------------------

    def create_snapshot(self, snapshot_id, volume_id):
        lvm = self.lvm
        with self._doing('create snapshot %s of volume %s'
                         % (snapshot_id, volume_id)):
            origin = self._require_lv(lvm, base.volume_name(volume_id),
                                      'Volume %s' % volume_id)
            cow_mib = None if origin.is_thin else self._cow_mib(origin)
            lvm.create_snapshot(_snapshot_lv_name(snapshot_id), origin.name,
                                cow_mib)

    def delete_snapshot(self, snapshot_id, volume_id):
        lvm = self.lvm
        with self._doing('delete snapshot %s of volume %s'
                         % (snapshot_id, volume_id)):
            lv = lvm.get_lv(_snapshot_lv_name(snapshot_id))
            if lv is None:
                LOG.info('Snapshot %s is already gone.', snapshot_id)
                return
            self._remove_snapshot(lvm, lv)

    # -- paths --------------------------------------------------------------

    def local_path(self, volume_id):
        return self._dev_path(base.volume_name(volume_id))

    def snapshot_path(self, snapshot_id, volume_id):
        return self._dev_path(_snapshot_lv_name(snapshot_id))

    def _dev_path(self, lv_name):
        return os.path.join(self.conf.lvm_dev_dir, self.conf.volume_group,
                            lv_name)

    def _cow_path(self, lv_name):
        # device-mapper's name for a thick snapshot's copy-on-write area:
        # <vg>-<lv>-cow with every '-' inside a name doubled.
        dm_name = '%s-%s-cow' % (self.conf.volume_group.replace('-', '--'),
                                 lv_name.replace('-', '--'))
        return os.path.join(self.conf.lvm_dev_dir, 'mapper', dm_name)

    # -- changed-block tracking (thin) --------------------------------------

    def snapshot_identity(self, snapshot_id, volume_id):
        """Make the snapshot read-only (a base is the record of what a
        backup read: nothing may write it) and identify it by its uuid,
        thin device id and size."""
        lvm = self.lvm
        name = _snapshot_lv_name(snapshot_id)
        with self._tracking('identify snapshot %s' % snapshot_id):
            lvm.set_read_only(name)
            return self._identity(lvm.thin_info(name))

    def changed_ranges(self, base_snapshot_id, base_identity, snapshot_id,
                       volume_id):
        """``thin_delta`` of the base and the snapshot on a metadata
        snapshot of the pool; see :mod:`.thin_delta`."""
        if not self.thin:
            raise base.CannotTrackChanges(
                reason='thick LVM snapshots keep no map of what changed.')
        lvm = self.lvm
        with self._tracking('compare snapshot %s with base snapshot %s'
                            % (snapshot_id, base_snapshot_id)):
            old = lvm.thin_info(_snapshot_lv_name(base_snapshot_id))
            if self._identity(old) != base_identity or old.attr[1:2] != 'r':
                raise base.CannotTrackChanges(
                    reason='base snapshot %s was modified or replaced since '
                           'its backup was made (identity or read-only '
                           'permission changed).' % base_snapshot_id)
            new = lvm.thin_info(_snapshot_lv_name(snapshot_id))
            tpool = thin_delta.dm_name(lvm.vg_name, self.pool_name, '-tpool')
            tmeta = os.path.join(self.conf.lvm_dev_dir, 'mapper',
                                 thin_delta.dm_name(lvm.vg_name,
                                                    self.pool_name, '_tmeta'))
            lvm.pool_message(tpool, 'reserve_metadata_snap')
            try:
                report = lvm.thin_delta(tmeta, old.thin_id, new.thin_id)
            finally:
                lvm.pool_message(tpool, 'release_metadata_snap')
            return thin_delta.clip(thin_delta.parse(report), old.size,
                                   new.size)

    @staticmethod
    def _identity(info):
        text = 'lvm-thin-v1|%s|%d|%d' % (info.uuid, info.thin_id, info.size)
        return hashlib.sha256(text.encode()).hexdigest()

    @staticmethod
    @contextlib.contextmanager
    def _tracking(action):
        try:
            yield
        except base.CannotTrackChanges:
            raise
        except (exception.VolumeDriverError, thin_delta.Unreadable) as e:
            raise base.CannotTrackChanges(
                reason='Could not %s: %s' % (action, e))

    # -- stats --------------------------------------------------------------

    def get_capacity_gb(self):
        lvm = self.lvm
        if self.thin:
            pool = lvm.get_lv(self.pool_name)
            if pool is not None:
                used = pool.size * (pool.data_percent or 0.0) / 100.0
                return pool.size / base.GiB, (pool.size - used) / base.GiB
        vg = self._require_vg(lvm)
        return vg.size / base.GiB, vg.free / base.GiB

    def get_stats(self):
        stats = super().get_stats()
        lvm = self.lvm
        provisioned = sum(lv.size for lv in lvm.list_lvs()
                          if not lv.is_thin_pool)
        stats.update({
            'volume_group': lvm.vg_name,
            'lvm_type': self.conf.lvm_type,
            'thin_provisioning_support': self.thin,
            'thick_provisioning_support': not self.thin,
            'provisioned_capacity_gb': provisioned / base.GiB,
            'physical_volumes': [pv.name for pv in lvm.list_pvs()],
        })
        return stats

    # -- helpers ------------------------------------------------------------

    @staticmethod
    @contextlib.contextmanager
    def _doing(action):
        """Name what the driver was doing in a failed command's error."""
        try:
            yield
        except lvm_cmd.LVMCommandError as e:
            if e.action:
                raise
            raise e.while_doing(action) from e

    def _require_lv(self, lvm, lv_name, what):
        lv = lvm.get_lv(lv_name)
        if lv is None:
            raise exception.VolumeDriverError(
                reason='%s not found: no logical volume %s in volume group '
                       '%s.' % (what, lv_name, lvm.vg_name))
        return lv

    def _create_empty_lv(self, lvm, name, size_mib):
        if self.thin:
            lvm.create_thin_lv(name, size_mib, self.pool_name)
        else:
            lvm.create_lv(name, size_mib)

    def _thin_copy(self, lvm, name, src, size_mib):
        """A thin snapshot of ``src`` as a new volume, grown to size_mib."""
        lvm.create_snapshot(name, src.name)
        if size_mib * MiB > src.size:
            with _removed_on_failure(lvm, name):
                lvm.extend_lv(name, size_mib)

    def _copy_into_new_lv(self, lvm, name, size_mib, src_path):
        self._create_empty_lv(lvm, name, size_mib)
        with _removed_on_failure(lvm, name):
            lvm.copy_device(src_path, self._dev_path(name))

    def _cow_mib(self, origin):
        return max(1, _mib(origin.size * self.conf.lvm_snapshot_size_ratio))

    def _remove_snapshot(self, lvm, lv):
        if lv is None:
            return
        if lv.is_thick_snapshot:
            # Only the COW area holds data of its own (blocks the origin
            # overwrote); writing through the snapshot device would fill it.
            self._clear(lvm, self._cow_path(lv.name), lv.size)
        lvm.remove_lv(lv.name)

    def _clear(self, lvm, path, size_bytes):
        if self.conf.volume_clear != 'zero':
            return
        size_mib = _mib(size_bytes)
        if self.conf.volume_clear_size:
            size_mib = min(size_mib, self.conf.volume_clear_size)
        lvm.zero_device(path, size_mib)


@contextlib.contextmanager
def _removed_on_failure(lvm, lv_name):
    """Remove a just-made LV if filling it fails: a half-made volume must
    not stay behind looking complete. The first error is the one raised."""
    try:
        yield
    except Exception:
        with contextlib.suppress(exception.VolumeDriverError):
            lvm.remove_lv(lv_name)
        raise
