"""POSIX backup driver: the chunked engine's objects as files.

Layout: ``<backup_posix_path>/<container>/backup_<id>/<object>``, so every
backup has its own directory. An object is written to a hidden temporary
name in that directory, fsync'd, renamed over its final name and the
directory fsync'd: after a crash a file with an object's name is always
whole (a leftover temporary file is hidden from ``list_objects`` and
removed with its backup's directory).
"""
import errno
import os
import shutil
import uuid

from oslo_config import cfg

from backupd import exception
from backupd.drivers.backup import chunked
from backupd.drivers.backup.engine import volume

OPTS = [
    cfg.StrOpt('backup_posix_path', default='$state_path/backup',
               help='Directory holding POSIX backups (a local filesystem or '
                    'a mounted NFS/CephFS share); created when missing. Each '
                    'container is a sub-directory, each backup a directory '
                    'in it. Related: backup_container, '
                    'backup_posix_min_free_space.'),
    cfg.StrOpt('backup_container', default='backups',
               help='Container (sub-directory of backup_posix_path) for '
                    'backups that do not name one. A name of letters, '
                    'digits, "_", "." and "-".'),
    cfg.IntOpt('backup_posix_min_free_space', default=1024, min=0,
               help='Free space, in MiB, that backup_posix_path must have '
                    'for the driver to report itself usable at start '
                    '(check_for_setup_error). 0 disables the check. It is '
                    'not a quota: a backup may still fill the filesystem.'),
]

TEMP_PREFIX = '.tmp-'


def list_opts():
    return [(None, OPTS)]


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PosixBackupDriver(chunked.ChunkedBackupDriver):
    """Backups as files under ``backup_posix_path``."""

    def __init__(self, conf):
        conf.register_opts(OPTS)
        super().__init__(conf)

    @property
    def root(self):
        # Read when used: "$state_path" only resolves in a conf that has
        # the core options registered (a service's), not in a bare one.
        return self.conf.backup_posix_path

    @property
    def default_container(self):
        return self.conf.backup_container

    # --- names to paths ---

    def _path(self, container, name=''):
        """Path of an object; refuses names that could leave the root."""
        parts = container.split('/') + (name.split('/') if name else [])
        for part in parts:
            if part in ('', '.', '..') or '\0' in part or \
                    part.startswith(TEMP_PREFIX):
                raise exception.BackupDriverError(
                    reason='invalid container or object name %r/%r'
                           % (container, name))
        return os.path.join(self.root, *parts)

    # --- primitives ---

    def put_container(self, container):
        os.makedirs(self._path(container), exist_ok=True)

    def put_object(self, container, name, data):
        path = self._path(container, name)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        temp = os.path.join(directory, TEMP_PREFIX + uuid.uuid4().hex)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            volume.write_all(fd, data, 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        os.close(fd)
        os.rename(temp, path)
        _fsync_dir(directory)

    def get_object(self, container, name):
        try:
            with open(self._path(container, name), 'rb') as f:
                return f.read()
        except FileNotFoundError:
            raise exception.BackupObjectNotFound(name=name,
                                                 container=container)

    def get_object_range(self, container, name, offset, length):
        try:
            with open(self._path(container, name), 'rb') as f:
                pieces = []
                while length > 0:    # short reads happen on NFS, CephFS
                    piece = os.pread(f.fileno(), length, offset)
                    if not piece:
                        break        # the object ends here
                    pieces.append(piece)
                    offset += len(piece)
                    length -= len(piece)
                return b''.join(pieces)
        except FileNotFoundError:
            raise exception.BackupObjectNotFound(name=name,
                                                 container=container)

    def head_object(self, container, name):
        try:
            return os.stat(self._path(container, name)).st_size
        except FileNotFoundError:
            return None

    def delete_object(self, container, name):
        path = self._path(container, name)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self._remove_if_empty(os.path.dirname(path), container)

    def _remove_if_empty(self, directory, container):
        """Remove a backup's directory once its last object is gone, with
        any temporary file a crash left in it. Called for every deleted
        object, so it stops at the first real object it sees."""
        if directory == self._path(container):
            return
        try:
            os.rmdir(directory)
            return
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        try:
            with os.scandir(directory) as entries:
                if any(not e.name.startswith(TEMP_PREFIX) for e in entries):
                    return
        except FileNotFoundError:
            return
        shutil.rmtree(directory, ignore_errors=True)

    def list_objects(self, container, prefix):
        if not prefix:
            raise ValueError('list_objects needs a non-empty prefix; '
                             'refusing to list container %r whole'
                             % container)
        top = self._path(container)
        subdir = prefix.rpartition('/')[0]
        start = os.path.join(top, subdir) if subdir else top
        names = []
        for directory, _, files in os.walk(start):
            relative = os.path.relpath(directory, top)
            for filename in files:
                if filename.startswith(TEMP_PREFIX):
                    continue
                name = filename if relative == '.' else \
                    '%s/%s' % (relative, filename)
                if name.startswith(prefix):
                    names.append(name)
        return sorted(names)

    def check_backend(self):
        root = self.root
        if os.path.exists(root) and not os.path.isdir(root):
            raise exception.BackupDriverError(
                reason='backup_posix_path %s is not a directory.' % root)
        try:
            os.makedirs(root, exist_ok=True)
        except OSError as exc:
            raise exception.BackupDriverError(
                reason='backup_posix_path %s does not exist and cannot be '
                       'created (%s); create it or fix its parent\'s '
                       'permissions.' % (root, exc.strerror))
        probe = os.path.join(root, TEMP_PREFIX + 'probe-' + uuid.uuid4().hex)
        try:
            with open(probe, 'wb') as f:
                f.write(b'backupd write probe')
            os.unlink(probe)
        except OSError as exc:
            raise exception.BackupDriverError(
                reason='backup_posix_path %s is not writable (%s); check its '
                       'owner, mode and mount options.' % (root, exc.strerror))
        stat = os.statvfs(root)
        free_mib = stat.f_bavail * stat.f_frsize // (1024 * 1024)
        wanted = self.conf.backup_posix_min_free_space
        if free_mib < wanted:
            raise exception.BackupDriverError(
                reason='backup_posix_path %s has %d MiB free, less than '
                       'backup_posix_min_free_space (%d MiB); free space or '
                       'lower the option.' % (root, free_mib, wanted))
