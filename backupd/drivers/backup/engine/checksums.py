"""Checksums of the engine: sha256 lists of block digests.

A checksum is the sha256 of the concatenated sha256 digests of each
``block_size`` block of the data (CHECKSUM_ALGORITHM in the manifest).
It is as strong as a plain sha256, and the block digests are what
incrementals compare, so backup hashes the data once.
"""
import functools
import hashlib

from backupd import exception
from backupd.drivers.backup.engine import repository


DIGEST_SIZE = hashlib.sha256().digest_size


@functools.lru_cache(maxsize=8)
def zero_bytes(length):
    return bytes(length)


@functools.lru_cache(maxsize=8)
def zero_block_digests(length, block_size):
    return b''.join(hashlib.sha256(zero_bytes(min(block_size, length - off)))
                    .digest() for off in range(0, length, block_size))


@functools.lru_cache(maxsize=8)
def zero_block_digest(block_size):
    return hashlib.sha256(zero_bytes(block_size)).digest()


def block_digests(data, block_size):
    """Concatenated sha256 digests of each ``block_size`` block of data
    (``bytes`` or ``bytearray``).

    An all-zero block (common inside volumes) gets its known digest: the
    ``startswith`` test is a memcmp that stops at the first non-zero byte,
    far cheaper than hashing the block.
    """
    if not isinstance(data, (bytes, bytearray)):
        data = bytes(data)
    view = memoryview(data)
    zero = zero_bytes(block_size)
    zero_digest = zero_block_digest(block_size)
    return b''.join(
        zero_digest if data.startswith(zero, off)
        else hashlib.sha256(view[off:off + block_size]).digest()
        for off in range(0, len(view), block_size))


def list_checksum(digests):
    """The checksum of data whose block digests are ``digests``."""
    return hashlib.sha256(digests).hexdigest()


def checksum(data, block_size):
    """CHECKSUM_ALGORITHM of ``data``: sha256 of its block sha256 list."""
    return list_checksum(block_digests(data, block_size))


def changed_runs(digests, parent_digests, block_size, length, within=None):
    """``[start, length]`` runs of blocks whose digest differs; only among
    the blocks of the ``within`` runs when given (a tracked incremental's
    other digests are the parent's)."""
    runs = []
    if within is None:
        offsets = range(0, length, block_size)
    else:
        offsets = (off for start, size in within
                   for off in range(start - start % block_size,
                                    min(start + size, length), block_size))
    for off in offsets:
        at = off // block_size * DIGEST_SIZE
        if digests[at:at + DIGEST_SIZE] == parent_digests[at:at + DIGEST_SIZE]:
            continue
        size = min(block_size, length - off)
        if runs and runs[-1][0] + runs[-1][1] == off:
            runs[-1][1] += size
        else:
            runs.append([off, size])
    return runs


def checked_payload(codec, stored, compression, payload_size, expected,
                    block_size, container, name):
    """Uncompressed payload of an object, or BackupChecksumMismatch naming
    the object when it does not decompress to the recorded checksum.
    ``compression`` "framed": the object says it (shared layout)."""
    try:
        if compression == 'framed':
            stored, compression = repository.unframe(stored)
        payload = codec.decompress(stored, compression, payload_size)
        if isinstance(payload, memoryview):
            payload = bytes(payload)
    except Exception as exc:        # any codec error means corrupted data
        raise exception.BackupChecksumMismatch(
            reason='Object %s in container %s is corrupted: it does not '
                   'decompress (%s: %s).' % (name, container, compression,
                                              exc))
    actual = checksum(payload, block_size)
    if len(payload) != payload_size or actual != expected:
        raise exception.BackupChecksumMismatch(
            reason='Object %s in container %s is corrupted: checksum %s (%d '
                   'bytes), the manifest says %s (%d bytes).'
                   % (name, container, actual, len(payload), expected,
                      payload_size))
    return payload
