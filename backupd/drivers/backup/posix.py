"""POSIX backup driver: the chunked engine's objects as files.

Layout: ``<backup_posix_path>/<container>/backup_<id>/<object>``, so every
backup has its own directory: a container is exactly one directory level
(backupd.names), an object one file in one backup's directory, every path
is checked once resolved, and listing never recurses.

An object is written to a hidden temporary name in that directory,
fsync'd, renamed over its final name and the directory fsync'd: after a
crash a file with an object's name is always whole (a leftover temporary
file is hidden from ``iter_objects`` and removed with its backup's
directory).
"""
import errno
import os
import shutil
import uuid

from oslo_config import cfg

from backupd import exception
from backupd import names as name_rules
from backupd import utils
from backupd.drivers.backup import chunked
from backupd.drivers.backup.engine import repository
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
                    'backups that do not name one; the container rule of '
                    'the API applies (1 to 256 bytes, no "/", not "." or '
                    '"..", no control character).'),
    cfg.IntOpt('backup_posix_min_free_space', default=1024, min=0,
               help='Free space, in MiB, that backup_posix_path must have '
                    'for the driver to report itself usable at start '
                    '(check_for_setup_error). 0 disables the check. It is '
                    'not a quota: a backup may still fill the filesystem.'),
]

TEMP_PREFIX = '.tmp-'
NAME_MAX = 255     # bytes of one path component on Linux filesystems


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

    OPTS = OPTS

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
        """Path of a container's directory, or of object ``name`` in it.

        A container is exactly one directory level under the root (the
        shared rule of backupd.names), an object exactly one file in one
        backup directory of it (``backup_<id>/<file>``, as the engine names
        them).
        """
        if not name:
            return self._resolved(container)
        directory, slash, filename = name.partition('/')
        if not slash or '/' in filename:
            raise name_rules.InvalidName(
                reason='object name %r in container %r is not '
                       '<backup directory>/<file>' % (name, container))
        return self._resolved(container, directory, filename)

    def _resolved(self, container, *parts):
        """root/container/parts..., each part one plain name, checked once
        resolved: a symlink planted on the way cannot lead outside the
        root either."""
        name_rules.check_container(container)
        for part in (container,) + parts:
            if part in ('', '.', '..') or '/' in part or \
                    part.startswith(TEMP_PREFIX) or \
                    name_rules.text_problem(part) or \
                    len(part.encode('utf-8')) > NAME_MAX:
                raise name_rules.InvalidName(
                    reason='invalid name %r in container %r: a POSIX backup '
                           'path is <container>/<backup directory>/<file>, '
                           'each a plain name of at most %d bytes, none '
                           'hidden as %s*' % (part, container, NAME_MAX,
                                              TEMP_PREFIX))
        root = os.path.realpath(self.root)
        path = os.path.join(root, container, *parts)
        resolved = os.path.realpath(path)
        if resolved != path:
            raise name_rules.InvalidName(
                reason='%s resolves to %s, not to itself under '
                       'backup_posix_path %s (a symlink?); refusing to use '
                       'it.' % (path, resolved, root))
        return path

    # --- primitives ---

    def put_container(self, container):
        os.makedirs(self._path(container), exist_ok=True)

    def put_object(self, container, name, data):
        path = self._path(container, name)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        temp = os.path.join(directory, TEMP_PREFIX + uuid.uuid4().hex)
        with utils.new_file(temp) as fd:
            volume.write_all(fd, data, 0)
            os.fsync(fd)
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
        if not repository.NAME.match(name.partition('/')[0]):
            self._remove_if_empty(os.path.dirname(path), container)

    def _remove_if_empty(self, directory, container):
        """Remove a backup's directory once its last object is gone, with
        any temporary file a crash left in it. Called for every deleted
        object, so it stops at the first real object it sees. Never for a
        shared repository's directory (``p_<token>``, which keeps its key
        for good): there a sweep deletes objects by the hundred thousand,
        and both the rmdir and the scan that find a directory not empty
        read past every emptied directory block first (ext4), which made
        each delete cost time in proportion to the objects already
        deleted."""
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

    def iter_objects(self, container, prefix):
        """Files of one backup directory whose names start with ``prefix``
        (``<dir>/`` or ``<dir>/<start>``), read from the directory as they
        are yielded; never recursive, so nothing nested deeper is ever
        listed (or deleted) with a backup. Names are checked now, before
        the first one is asked for.

        Deleting files already yielded while iterating is safe: Linux
        filesystems (ext4, XFS, btrfs, tmpfs) keep the readdir position
        of the entries that remain, so none is skipped or yielded twice.
        Were one skipped (some NFS servers), a sweep deletes it next time
        and a backup's delete leaves it to its next retry; a name given
        twice is deleted twice, which is idempotent."""
        directory, slash, start = (prefix or '').partition('/')
        if not directory or not slash or '/' in start:
            raise ValueError('iter_objects needs a prefix naming one backup '
                             'directory ("backup_<id>/"), not %r; refusing to '
                             'list container %r wider' % (prefix, container))
        path = self._resolved(container, directory)
        return self._scan(path, directory, start)

    @staticmethod
    def _scan(path, directory, start):
        try:
            entries = os.scandir(path)
        except FileNotFoundError:
            return
        with entries:
            for entry in entries:
                if entry.name.startswith(start) and \
                        not entry.name.startswith(TEMP_PREFIX) and \
                        entry.is_file(follow_symlinks=False):
                    yield '%s/%s' % (directory, entry.name)

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
