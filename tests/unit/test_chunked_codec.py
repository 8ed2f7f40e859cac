"""Compression choices and the engine's option checks."""
import os

from oslo_config import cfg
import pytest

from backupd import exception
from backupd.drivers.backup import chunked
from backupd.drivers.backup.engine import codec

TEXT = b'2026-11-21 INFO backupd chunk stored\n' * 10000


@pytest.mark.parametrize('algorithm', codec.COMPRESSIONS)
def test_every_algorithm_round_trips(algorithm):
    coder = codec.Codec(algorithm, None)
    stored, used = coder.compress(TEXT)
    assert used == algorithm
    assert (len(stored) < len(TEXT)) == (algorithm != 'none')
    assert coder.decompress(stored, used, len(TEXT)) == TEXT


@pytest.mark.parametrize('algorithm', ['zstd', 'zlib', 'bz2'])
def test_data_that_does_not_shrink_is_stored_raw(algorithm):
    data = os.urandom(64 * 1024)
    stored, used = codec.Codec(algorithm, None).compress(data)
    assert (stored, used) == (data, 'none')


def test_levels_default_per_algorithm():
    assert codec.Codec('zstd', None).level == 1
    assert codec.Codec('zlib', None).level == 6
    assert codec.Codec('zlib', 1).level == 1


def settings(**overrides):
    conf = cfg.ConfigOpts()
    conf([])
    conf.register_opts(chunked.OPTS)
    for name, value in overrides.items():
        conf.set_override(name, value)
    return chunked.EngineSettings.from_conf(conf)


def test_settings_defaults():
    found = settings()
    assert found.chunk_size % found.block_size == 0
    assert found.worker_threads == os.cpu_count()
    assert found.in_flight == found.worker_threads + found.io_threads + 2


def test_chunk_size_must_be_a_multiple_of_the_block_size():
    with pytest.raises(exception.BackupDriverError, match='multiple'):
        settings(backup_chunk_size=100000)


def test_zlib_and_bz2_levels_are_checked():
    with pytest.raises(exception.BackupDriverError, match='1 to 9'):
        settings(backup_compression_algorithm='zlib',
                 backup_compression_level=12)


def test_every_option_documents_itself():
    for opt in chunked.OPTS:
        assert len(opt.help) > 60, opt.name
