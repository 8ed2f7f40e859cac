"""Reading and writing a volume's bytes in place, and its sha256.

tools/bench/backup_bench.py and dedup_bench.py change their volumes and
check their restores with these too (stdlib only, so a bench can import
this module with nothing but the repository on ``sys.path``).
"""
import hashlib
import os
import random

MiB = 1024 * 1024


def write_at(path, offset, data):
    with open(path, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def read_at(path, offset, length):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(length)


def rewrite_blocks(path, fraction, seed, block=32 * 1024, sync=False):
    """Overwrite ``fraction`` of the file's ``block``-sized blocks, chosen
    at random from ``seed``, with random bytes (fsynced when ``sync``);
    returns how many bytes changed: the change an incremental stores."""
    rnd = random.Random(seed)
    size = os.path.getsize(path)
    blocks = size // block
    chosen = rnd.sample(range(blocks), max(1, int(blocks * fraction)))
    with open(path, 'r+b') as f:
        for index in chosen:
            os.pwrite(f.fileno(), rnd.randbytes(block), index * block)
        if sync:
            os.fsync(f.fileno())
    return len(chosen) * block


def sha256_of(path):
    """The sha256 hex digest of every byte of ``path``."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for piece in iter(lambda: f.read(4 * MiB), b''):
            digest.update(piece)
    return digest.hexdigest()
