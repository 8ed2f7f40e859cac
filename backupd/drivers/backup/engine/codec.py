"""Compression of stored objects: zstd, zlib, bz2 or none; a payload
that does not shrink is stored raw.
"""
import bz2
import zlib

import zstandard

from backupd import utils


COMPRESSIONS = ('zstd', 'zlib', 'bz2', 'none')
# zstd 1, not zstd's own default 3: on the benchmark's mixed volume level 1
# used half the CPU (0.81 s against 1.64 s per GiB on one core) and stored
# slightly less (494.0 MB against 497.4 MB); compression is the largest CPU
# cost of a backup.
DEFAULT_LEVELS = {'zstd': 1, 'zlib': 6, 'bz2': 9}


class Codec:
    """Compression of one algorithm, one instance per thread (zstd contexts
    are not thread-safe; creating them per chunk would be slow)."""

    def __init__(self, algorithm, level):
        self.algorithm = algorithm
        self.level = DEFAULT_LEVELS.get(algorithm) if level is None else level
        if algorithm == 'zstd':
            self._zstd = zstandard.ZstdCompressor(
                level=self.level, write_content_size=True)
            self._unzstd = zstandard.ZstdDecompressor()

    def compress(self, payload):
        """(stored bytes, algorithm); raw when compression does not shrink."""
        if self.algorithm == 'none':
            return payload, 'none'
        if self.algorithm == 'zstd':
            packed = self._zstd.compress(payload)
        elif self.algorithm == 'zlib':
            packed = zlib.compress(payload, self.level)
        else:
            packed = bz2.compress(payload, self.level)
        if len(packed) >= len(payload):
            return payload, 'none'
        return packed, self.algorithm

    def decompress(self, stored, algorithm, payload_size):
        if algorithm == 'none':
            return stored
        if algorithm == 'zstd':
            unzstd = getattr(self, '_unzstd', None)
            if unzstd is None:
                unzstd = self._unzstd = zstandard.ZstdDecompressor()
            return unzstd.decompress(stored, max_output_size=payload_size)
        if algorithm == 'zlib':
            return zlib.decompress(stored)
        if algorithm == 'bz2':
            return bz2.decompress(stored)
        raise ValueError('unknown compression %r' % algorithm)


class ThreadCodecs:
    """A :class:`Codec` per native thread."""

    def __init__(self, algorithm, level):
        self._local = utils.native_threading().local()
        self._args = (algorithm, level)

    def get(self):
        codec = getattr(self._local, 'codec', None)
        if codec is None:
            codec = self._local.codec = Codec(*self._args)
        return codec
