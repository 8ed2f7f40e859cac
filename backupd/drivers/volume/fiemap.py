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
    every extent has its final place."""
    found = []
    start = 0
    flags = FIEMAP_FLAG_SYNC
    while True:
        request = bytearray(_HEADER.size + _BATCH * _EXTENT.size)
        _HEADER.pack_into(request, 0, start, 2 ** 64 - 1 - start, flags, 0,
                          _BATCH, 0)
        try:
            fcntl.ioctl(fd, FS_IOC_FIEMAP, request, True)
        except OSError as exc:
            raise Unsupported('FIEMAP: %s' % (exc.strerror or exc)) from exc
        mapped = _HEADER.unpack_from(request, 0)[3]
        if not mapped:
            return found
        for n in range(mapped):
            logical, physical, length, _, _, eflags, _, _, _ = \
                _EXTENT.unpack_from(request, _HEADER.size + n * _EXTENT.size)
            found.append((logical, physical, length, eflags))
            if eflags & FIEMAP_EXTENT_LAST:
                return found
        last = found[-1]
        start = last[0] + last[2]
        flags = 0       # synced once is enough


def _same_place(a, b):
    """Whether two extents that overlap logically map the overlap to the
    same physical bytes in the same state."""
    if (a[3] | b[3]) & _UNTRUSTED:
        return False
    if (a[3] ^ b[3]) & FIEMAP_EXTENT_UNWRITTEN:
        return False
    return a[1] - a[0] == b[1] - b[0]


def _shared(base, snap):
    """(start, end) ranges both lists map to the same physical place."""
    i = j = 0
    while i < len(base) and j < len(snap):
        a, b = base[i], snap[j]
        start, end = max(a[0], b[0]), min(a[0] + a[2], b[0] + b[2])
        if start < end and _same_place(a, b):
            yield start, end
        if a[0] + a[2] <= b[0] + b[2]:
            i += 1
        else:
            j += 1


def _union(ranges):
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _complement(ranges, size):
    """The parts of [0, size) outside the merged ``ranges``."""
    position = 0
    for start, end in ranges:
        if start > position:
            yield position, min(start, size)
        position = max(position, end)
        if position >= size:
            return
    if position < size:
        yield position, size


def changed_ranges(base_extents, base_size, snap_extents, snap_size):
    """[(offset, length)] of the snapshot that may differ from the base.

    Unchanged: ranges both map to the same physical blocks, and ranges
    that are holes in both. Everything past the base's size is changed.
    """
    limit = min(base_size, snap_size)
    mapped = _union([(e[0], e[0] + e[2]) for e in base_extents + snap_extents])
    same = _union(list(_shared(base_extents, snap_extents))
                  + list(_complement(mapped, limit)))
    changed = [(start, end - start)
               for start, end in _complement(same, limit)]
    if snap_size > limit:
        changed.append((limit, snap_size - limit))
    return _merge_adjacent(changed)


def _merge_adjacent(ranges):
    merged = []
    for offset, length in ranges:
        if merged and merged[-1][0] + merged[-1][1] == offset:
            merged[-1] = (merged[-1][0], merged[-1][1] + length)
        else:
            merged.append((offset, length))
    return merged


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
