"""Changed ranges between two reflinked files, from their physical extents.

On a reflink filesystem (XFS with reflink=1, btrfs) a snapshot made by
FICLONE shares every extent with its source. A write to either side goes to
a new place (copy on write), so a range that two files still map to the
same physical blocks holds the same bytes in both; every other range may
differ. ``FS_IOC_FIEMAP`` lists a file's extents (logical offset, physical
offset, length, flags); comparing the lists of a base snapshot and a newer
snapshot of the same volume gives the ranges an incremental must read.

Whatever FIEMAP cannot vouch for counts as changed: extents whose physical
place is unknown (delayed allocation, inline or encoded data) and anything
past the base's end.
"""
import fcntl
import hashlib
import os
import struct

# _IOWR('f', 11, struct fiemap) from <linux/fs.h>.
FS_IOC_FIEMAP = 0xC020660B
FIEMAP_FLAG_SYNC = 0x1
FIEMAP_EXTENT_LAST = 0x1
FIEMAP_EXTENT_UNWRITTEN = 0x800
FIEMAP_EXTENT_SHARED = 0x2000
# Extents whose physical offset does not identify their bytes.
_UNTRUSTED = (0x2 |      # UNKNOWN: location not known yet
              0x4 |      # DELALLOC: not allocated yet
              0x8 |      # ENCODED: compressed or otherwise transformed
              0x80 |     # DATA_ENCRYPTED
              0x100 |    # NOT_ALIGNED
              0x200 |    # DATA_INLINE: in the inode, no block of its own
              0x400)     # DATA_TAIL: packed with other files' tails

_HEADER = struct.Struct('=QQIIII')            # struct fiemap
_EXTENT = struct.Struct('=QQQQQIIII')         # struct fiemap_extent
_BATCH = 1024                                 # extents per ioctl call


class Unsupported(Exception):
    """The filesystem cannot report extents (FIEMAP fails)."""


def extents(fd):
    """[(logical, physical, length, flags)] of the file, sorted by
    logical offset; dirty data is flushed first (FIEMAP_FLAG_SYNC) so
    every extent has its final place. Extents out of order or overlapping
    (which no filesystem should report) raise Unsupported: what changed
    is then not worked out from them."""
    found = []
    start = 0
    flags = FIEMAP_FLAG_SYNC
    request = bytearray(_HEADER.size + _BATCH * _EXTENT.size)
    while True:
        _HEADER.pack_into(request, 0, start, 2 ** 64 - 1 - start, flags, 0,
                          _BATCH, 0)
        try:
            fcntl.ioctl(fd, FS_IOC_FIEMAP, request, True)
        except OSError as exc:
            raise Unsupported('FIEMAP: %s' % (exc.strerror or exc)) from exc
        mapped = _HEADER.unpack_from(request, 0)[3]
        if not mapped:
            return found
        records = memoryview(request)[_HEADER.size:
                                      _HEADER.size + mapped * _EXTENT.size]
        for logical, physical, length, _, _, eflags, _, _, _ in \
                _EXTENT.iter_unpack(records):
            if logical < start:
                raise Unsupported('FIEMAP reported an extent at %d, before '
                                  'the end (%d) of the one before it'
                                  % (logical, start))
            found.append((logical, physical, length, eflags))
            start = logical + length
            if eflags & FIEMAP_EXTENT_LAST:
                return found
        flags = 0       # synced once is enough


def _same_place(a, b):
    """Whether two extents that overlap logically map the overlap to the
    same physical bytes in the same state."""
    if (a[3] | b[3]) & _UNTRUSTED:
        return False
    if (a[3] ^ b[3]) & FIEMAP_EXTENT_UNWRITTEN:
        return False
    return a[1] - a[0] == b[1] - b[0]


def changed_ranges(base_extents, base_size, snap_extents, snap_size):
    """[(offset, length)] of the snapshot that may differ from the base.

    Unchanged: ranges both map to the same physical blocks, and ranges
    that are holes in both. Everything past the base's size is changed.
    Both extent lists are sorted and do not overlap (as :func:`extents`
    returns them); one pass over both, in step.
    """
    limit = min(base_size, snap_size)
    changed = []
    i = j = 0
    position = 0
    while position < limit:
        while i < len(base_extents) and \
                base_extents[i][0] + base_extents[i][2] <= position:
            i += 1
        while j < len(snap_extents) and \
                snap_extents[j][0] + snap_extents[j][2] <= position:
            j += 1
        a = base_extents[i] if i < len(base_extents) else None
        b = snap_extents[j] if j < len(snap_extents) else None
        # Up to the next place where either list starts or ends an extent,
        # both sides stay as they are at ``position``.
        end = limit
        a_here = a is not None and a[0] <= position
        b_here = b is not None and b[0] <= position
        if a is not None:
            end = min(end, a[0] + a[2] if a_here else a[0])
        if b is not None:
            end = min(end, b[0] + b[2] if b_here else b[0])
        if a_here != b_here or (a_here and not _same_place(a, b)):
            _extend(changed, position, end)
        position = end
    if snap_size > limit:
        _extend(changed, limit, snap_size)
    return [(start, end - start) for start, end in changed]


def _extend(ranges, start, end):
    if ranges and ranges[-1][1] == start:
        ranges[-1][1] = end
    else:
        ranges.append([start, end])


def fingerprint(fd, file_extents=None):
    """A digest of what identifies a file's contents without reading them:
    inode, size, modification and change times, and the extent map. A
    write to the file changes its mtime/ctime (and, on shared extents, the
    map): a base whose fingerprint differs from the one recorded when its
    backup was made is not trusted."""
    st = os.fstat(fd)
    if file_extents is None:
        file_extents = extents(fd)
    digest = hashlib.sha256(b'fiemap-v1')
    digest.update(struct.pack('=QQQQQ', st.st_dev, st.st_ino, st.st_size,
                              st.st_mtime_ns, st.st_ctime_ns))
    for extent in _placement(file_extents):
        digest.update(struct.pack('=QQQI', *extent))
    return digest.hexdigest()


def _placement(file_extents):
    """The extents as placed on disk, whatever else shares them: a write
    to the *other* file unshares an extent, which FIEMAP reports as a flag
    change and a split, while this file's bytes stay where they were."""
    ignored = FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST
    merged = []
    for logical, physical, length, flags in file_extents:
        flags &= ~ignored
        if merged:
            last = merged[-1]
            if (last[0] + last[2] == logical and last[1] + last[2] == physical
                    and last[3] == flags):
                merged[-1] = (last[0], last[1], last[2] + length, flags)
                continue
        merged.append((logical, physical, length, flags))
    return merged
