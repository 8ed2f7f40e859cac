"""The ``file`` volume driver: each volume a sparse file under volumes_dir.

``volumes_dir/volume-<id>`` holds a volume, ``volumes_dir/snapshot-<id>`` a
snapshot, both as sparse files of the volume's size, so a new volume uses no
space until written. Snapshots and clones are reflinks (FICLONE) where the
filesystem shares extents (XFS with reflink=1, btrfs): instant, atomic and
free until either side is written. Elsewhere (ext4) they are copies of the
data regions only, so holes stay holes; such a copy is point-in-time only if
nobody writes the volume meanwhile (the manager snapshots attached volumes
only with ``force``).
"""
import contextlib
import os
import uuid

from oslo_config import cfg
from oslo_log import log as logging

from backupd import exception
from backupd import utils
from backupd.drivers.volume import base
from backupd.drivers.volume import fiemap
from backupd.drivers.volume import sparse

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.StrOpt('volumes_dir', default='$state_path/volumes',
               help='Directory holding the file volume driver\'s volumes '
                    '(volume-<id>) and snapshots (snapshot-<id>) as sparse '
                    'files. Created at start if missing; must be writable by '
                    'backupd-volume and readable by backupd-backup on the '
                    'same host. Put it on XFS (mkfs.xfs -m reflink=1) or '
                    'btrfs to get instant, space-sharing snapshots and '
                    'clones. Possible values: an absolute path. Related: '
                    'state_path, file_volume_reflink, volume_driver.'),
    cfg.StrOpt('file_volume_reflink', default='auto',
               choices=[('auto', 'use reflinks when volumes_dir supports '
                                 'them, else sparse copies'),
                        ('always', 'refuse to start unless volumes_dir '
                                   'supports reflinks')],
               help='Whether snapshots and clones of file volumes must share '
                    'extents with their source (reflink, FICLONE), so they '
                    'are instant and use no space until written. Sparse '
                    'copies are the fallback; note that on XFS and btrfs '
                    'the kernel\'s copy_file_range shares extents as well, '
                    'so there is no "never". Related: volumes_dir.'),
]


def list_opts():
    return [(None, OPTS)]


class FileVolumeDriver(base.VolumeDriver):
    """Volumes and snapshots as sparse files; see the module docstring."""

    driver_name = 'file'
    OPTS = OPTS
    supports_snapshot_local_path = True

    @property
    def volumes_dir(self):
        return self.conf.volumes_dir

    # -- lifecycle ----------------------------------------------------------

    def do_setup(self):
        path = self.volumes_dir
        with _failing('Cannot create volumes_dir %s' % path):
            os.makedirs(path, mode=0o750, exist_ok=True)

    def check_for_setup_error(self):
        path = self.volumes_dir
        if not os.path.isdir(path):
            raise exception.VolumeDriverError(
                reason='volumes_dir %s is not a directory; create it or set '
                       'volumes_dir to a writable directory.' % path)
        supported = self._probe(path)
        mode = self.conf.file_volume_reflink
        if mode == 'always' and not supported:
            raise exception.VolumeDriverError(
                reason='file_volume_reflink is "always" but the filesystem '
                       'of volumes_dir %s cannot reflink (FICLONE); use XFS '
                       'with reflink=1 or btrfs, or set file_volume_reflink '
                       'to "auto".' % path)
        self.supports_reflink = supported
        # Extents tell what changed only where snapshots share them.
        self.supports_change_tracking = supported
        LOG.info('File volume driver: volumes in %s; reflink %s; snapshots '
                 'and clones are %s.', path,
                 'supported' if supported else 'not supported',
                 'reflinks' if supported else 'sparse copies')

    def _probe(self, path):
        """Write, reflink and remove probe files; True if reflink works."""
        probe = os.path.join(path, '.probe-%s' % uuid.uuid4().hex)
        clone = probe + '.clone'
        with _failing('volumes_dir %s is not writable; fix its owner or '
                      'permissions, or set volumes_dir' % path):
            try:
                with open(probe, 'xb') as f:
                    f.write(b'backupd probe\n')
                    f.flush()
                    os.fsync(f.fileno())
                return sparse.clone_file(probe, clone)
            finally:
                for name in (clone, probe):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(name)

    # -- paths --------------------------------------------------------------

    def local_path(self, volume_id):
        return os.path.join(self.volumes_dir, base.volume_name(volume_id))

    def snapshot_path(self, snapshot_id, volume_id):
        return os.path.join(self.volumes_dir, base.snapshot_name(snapshot_id))

    # -- volumes and snapshots ----------------------------------------------

    def create_volume(self, volume_id, size_gb):
        size = base.size_bytes(size_gb)
        path = self.local_path(volume_id)
        with _failing('Cannot create volume %s at %s' % (volume_id, path)):
            with utils.new_file(path) as fd:
                os.ftruncate(fd, size)

    def delete_volume(self, volume_id):
        path = self.local_path(volume_id)
        with _failing('Cannot delete volume %s at %s' % (volume_id, path)):
            _remove(path)

    def create_snapshot(self, snapshot_id, volume_id):
        src = self.local_path(volume_id)
        dst = self.snapshot_path(snapshot_id, volume_id)
        self._copy('snapshot %s of volume %s' % (snapshot_id, volume_id),
                   src, dst)

    def delete_snapshot(self, snapshot_id, volume_id):
        path = self.snapshot_path(snapshot_id, volume_id)
        with _failing('Cannot delete snapshot %s of volume %s at %s'
                      % (snapshot_id, volume_id, path)):
            _remove(path)

    def create_volume_from_snapshot(self, volume_id, size_gb, snapshot_id,
                                    src_volume_id):
        src = self.snapshot_path(snapshot_id, src_volume_id)
        self._copy('volume %s from snapshot %s' % (volume_id, snapshot_id),
                   src, self.local_path(volume_id), size_gb)

    def create_cloned_volume(self, volume_id, size_gb, src_volume_id):
        src = self.local_path(src_volume_id)
        self._copy('volume %s as a clone of volume %s'
                   % (volume_id, src_volume_id),
                   src, self.local_path(volume_id), size_gb)

    def extend_volume(self, volume_id, new_size_gb):
        size = base.size_bytes(new_size_gb)
        path = self.local_path(volume_id)
        with _failing('Cannot extend volume %s at %s' % (volume_id, path)):
            current = os.stat(path).st_size
            if size < current:
                raise exception.VolumeDriverError(
                    reason='Cannot shrink volume %s from %d to %d GiB; '
                           'volumes only grow.'
                           % (volume_id, current // base.GiB, new_size_gb))
            os.truncate(path, size)

    def _copy(self, what, src, dst, size_gb=None):
        """Make dst from src by reflink or sparse copy, grown to size_gb."""
        size = None if size_gb is None else base.size_bytes(size_gb)
        with _failing('Cannot create %s' % what):
            src_size = os.stat(src).st_size
            if size is not None and size < src_size:
                raise exception.VolumeDriverError(
                    reason='Cannot create %s: %d GiB is smaller than its '
                           'source (%d GiB).'
                           % (what, size_gb, src_size // base.GiB))
            shared = sparse.clone_file(src, dst, size,
                                       use_reflink=self.supports_reflink)
        LOG.debug('Created %s at %s by %s.', what, dst,
                  'reflink' if shared else 'sparse copy')

    # -- changed-block tracking ----------------------------------------------

    def snapshot_identity(self, snapshot_id, volume_id):
        self._require_tracking()
        path = self.snapshot_path(snapshot_id, volume_id)
        with self._tracking('snapshot %s' % snapshot_id, path):
            fd = os.open(path, os.O_RDONLY)
            try:
                return fiemap.fingerprint(fd)
            finally:
                os.close(fd)

    def changed_ranges(self, base_snapshot_id, base_identity, snapshot_id,
                       volume_id):
        """Compare the physical extents of the base and the snapshot; see
        :mod:`.fiemap`. The base must still have the identity recorded
        when it was kept (no write since)."""
        self._require_tracking()
        base_path = self.snapshot_path(base_snapshot_id, volume_id)
        snap_path = self.snapshot_path(snapshot_id, volume_id)
        with self._tracking('base snapshot %s' % base_snapshot_id,
                            base_path):
            base_fd = os.open(base_path, os.O_RDONLY)
            try:
                base_extents = fiemap.extents(base_fd)
                if fiemap.fingerprint(base_fd, base_extents) != base_identity:
                    raise base.CannotTrackChanges(
                        reason='base snapshot %s was modified since its '
                               'backup was made (its identity changed).'
                               % base_snapshot_id)
                base_size = os.fstat(base_fd).st_size
            finally:
                os.close(base_fd)
        with self._tracking('snapshot %s' % snapshot_id, snap_path):
            snap_fd = os.open(snap_path, os.O_RDONLY)
            try:
                snap_extents = fiemap.extents(snap_fd)
                snap_size = os.fstat(snap_fd).st_size
            finally:
                os.close(snap_fd)
        return fiemap.changed_ranges(base_extents, base_size, snap_extents,
                                     snap_size)

    def _require_tracking(self):
        if not self.supports_change_tracking:
            raise base.CannotTrackChanges(
                reason='volumes_dir %s cannot reflink, so snapshots share no '
                       'extents to compare.' % self.volumes_dir)

    @staticmethod
    @contextlib.contextmanager
    def _tracking(what, path):
        try:
            yield
        except FileNotFoundError:
            raise base.CannotTrackChanges(
                reason='%s is gone (%s).' % (what, path))
        except (OSError, fiemap.Unsupported) as e:
            raise base.CannotTrackChanges(
                reason='cannot read the extents of %s at %s: %s.'
                       % (what, path, e))

    # -- stats --------------------------------------------------------------

    def get_capacity_gb(self):
        st = os.statvfs(self.volumes_dir)
        return (round(st.f_blocks * st.f_frsize / base.GiB, 2),
                round(st.f_bavail * st.f_frsize / base.GiB, 2))

    def get_stats(self):
        stats = super().get_stats()
        stats['thin_provisioning_support'] = True
        return stats


def _remove(path):
    """Unlink path; already gone counts as done."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@contextlib.contextmanager
def _failing(action):
    """Turn an OSError into a VolumeDriverError saying what failed and why."""
    try:
        yield
    except OSError as e:
        detail = e.strerror or str(e)
        if e.filename:
            detail += ' (%s)' % e.filename
        raise exception.VolumeDriverError(
            reason='%s: %s.' % (action, detail)) from e
