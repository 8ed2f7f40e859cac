"""Copy a file the cheap way: reflink when possible, else a hole-keeping copy.

Used by the file volume driver for snapshots and clones. Both paths keep
memory bounded: a reflink shares extents in the kernel, ``copy_file_range``
copies in the kernel, and the last-resort fallback streams through one
fixed-size buffer.
"""
import errno
import fcntl
import os

from backupd import utils

# FICLONE = _IOW(0x94, 9, int) from <linux/fs.h>: make dst share all of
# src's extents (XFS with reflink=1, btrfs, bcachefs, ...).
FICLONE = 0x40049409

# errnos meaning "this filesystem/kernel cannot do that", not "it went wrong".
_UNSUPPORTED = frozenset((errno.EOPNOTSUPP, errno.ENOTTY, errno.EINVAL,
                          errno.EXDEV, errno.ENOSYS))

_KERNEL_COPY_STEP = 64 * 1024 * 1024   # bytes per copy_file_range call
_BUFFER = 1024 * 1024                  # bytes per read in the fallback copy


def reflink(src_fd, dst_fd):
    """Share src's extents with dst; False when the filesystem can't."""
    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
    except OSError as e:
        if e.errno in _UNSUPPORTED:
            return False
        raise
    return True


def data_extents(fd, size):
    """Yield (offset, length) of each data region of fd below size.

    Holes are skipped with SEEK_DATA/SEEK_HOLE; where those are unknown the
    whole file is one region (correct, just not sparse).
    """
    seek_data = getattr(os, 'SEEK_DATA', None)
    if seek_data is None:
        if size:
            yield 0, size
        return
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, seek_data)
        except OSError as e:
            if e.errno == errno.ENXIO:      # no data after offset
                return
            raise
        if start >= size:
            return
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        yield start, end - start
        offset = end


def _copy_range_buffered(src_fd, dst_fd, offset, length):
    while length > 0:
        chunk = os.pread(src_fd, min(_BUFFER, length), offset)
        if not chunk:
            return
        os.pwrite(dst_fd, chunk, offset)
        offset += len(chunk)
        length -= len(chunk)


def _copy_range(src_fd, dst_fd, offset, length):
    """Copy one data region, in the kernel when it allows."""
    while length > 0:
        try:
            done = os.copy_file_range(src_fd, dst_fd,
                                      min(length, _KERNEL_COPY_STEP),
                                      offset, offset)
        except OSError as e:
            if e.errno not in _UNSUPPORTED:
                raise
            return _copy_range_buffered(src_fd, dst_fd, offset, length)
        if done == 0:                       # source shrank under us
            return
        offset += done
        length -= done


def sparse_copy(src_fd, dst_fd):
    """Copy src's data regions into dst; holes stay holes in dst."""
    size = os.fstat(src_fd).st_size
    for offset, length in data_extents(src_fd, size):
        _copy_range(src_fd, dst_fd, offset, length)
    os.ftruncate(dst_fd, size)


def clone_file(src_path, dst_path, size=None, use_reflink=True, mode=0o600):
    """Create dst_path as a copy of src_path; return True if reflinked.

    dst_path must not exist (a copy never overwrites a volume). With size
    larger than the source the copy is then extended sparsely; a smaller
    size is refused by the caller, never truncated here. On any error the
    partial destination is removed.
    """
    src_fd = os.open(src_path, os.O_RDONLY)
    try:
        with utils.new_file(dst_path, mode) as dst_fd:
            shared = use_reflink and reflink(src_fd, dst_fd)
            if not shared:
                sparse_copy(src_fd, dst_fd)
            if size is not None and size > os.fstat(dst_fd).st_size:
                os.ftruncate(dst_fd, size)
            os.fsync(dst_fd)
    finally:
        os.close(src_fd)
    return shared
