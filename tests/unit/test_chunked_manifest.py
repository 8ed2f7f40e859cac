"""The manifest format, checksums, change runs and object names."""
import json

import pytest

from backupd import exception
from backupd.drivers.backup.engine import checksums
from backupd.drivers.backup.engine import manifest

BLOCK = 4096


def a_manifest(**changes):
    data = b'x' * (3 * BLOCK)
    fields = dict(
        backup_id='b1', volume_id='v1', volume_size=5 * BLOCK,
        chunk_size=4 * BLOCK, block_size=BLOCK, compression='zstd',
        parent={'id': 'b0', 'container': 'c', 'manifest': 'backup_b0/manifest'},
        chunks=[manifest.ChunkEntry(0, 4 * BLOCK, sha256='aa',
                                   object='backup_b1/chunk_00000000',
                                   stored_size=10, compression='zstd',
                                   object_sha256=checksums.checksum(data, BLOCK),
                                   runs=[[0, BLOCK], [2 * BLOCK, 2 * BLOCK]]),
                manifest.ChunkEntry(4 * BLOCK, BLOCK, zero=True, hole=True)],
        block_hashes=[manifest.StoredObject('backup_b1/block_sha256_00000', 60,
                                           'zstd', 160, 'cc')])
    fields.update(changes)
    return manifest.Manifest(**fields)


def test_manifest_round_trip():
    original = a_manifest()
    loaded = manifest.Manifest.from_bytes(original.to_bytes(), 'c', 'm')
    assert loaded == original
    assert loaded.chunks[0].payload_size == 3 * BLOCK
    body = json.loads(original.to_bytes())
    assert body['format'] == manifest.MANIFEST_FORMAT
    assert body['version'] == 1          # no packs: readable by version 1
    assert set(body['chunks'][1]) >= {'offset', 'length', 'object',
                                      'stored_size', 'sha256', 'zero',
                                      'hole'}



def test_version_1_unless_deltas_are_packed():
    # Without packs the manifest is written as version 1 was (no
    # object_offset), so hosts of the previous release still read it.
    plain = json.loads(a_manifest().to_bytes())
    assert plain['version'] == 1
    assert all('object_offset' not in c for c in plain['chunks'])
    chunks = a_manifest().chunks
    chunks[0].object, chunks[0].object_offset = 'backup_b1/pack_00000000', 40
    packed = a_manifest(chunks=chunks)
    body = json.loads(packed.to_bytes())
    assert body['version'] == 2
    assert body['chunks'][0]['object_offset'] == 40
    assert body['chunks'][1]['object_offset'] is None
    loaded = manifest.Manifest.from_bytes(packed.to_bytes(), 'c', 'm')
    assert loaded == packed and loaded.chunks[0].object_offset == 40
    assert manifest.Manifest.from_bytes(
        a_manifest().to_bytes(), 'c', 'm').chunks[0].object_offset is None


@pytest.mark.parametrize('edit, message', [
    (lambda b: b.replace(b'"volume_size":20480', b'"volume_size":20481'),
     'checksum mismatch'),
    (lambda b: b[:-2], 'not JSON'),
    (lambda b: b.replace(b'"version":1', b'"version":99'), 'version 99'),
])
def test_a_damaged_manifest_is_refused_by_name(edit, message):
    data = edit(a_manifest().to_bytes())
    with pytest.raises(exception.BackupChecksumMismatch,
                       match='Manifest m in container c.*' + message):
        manifest.Manifest.from_bytes(data, 'c', 'm')


def test_checksum_is_a_sha256_list_of_blocks():
    data = bytes(range(256)) * 40     # 10240 bytes: 2 full blocks + a part
    digests = checksums.block_digests(data, BLOCK)
    assert len(digests) == 3 * checksums.DIGEST_SIZE
    assert checksums.checksum(data, BLOCK) == checksums.list_checksum(digests)
    assert checksums.checksum(data[:-1] + b'!', BLOCK) != \
        checksums.checksum(data, BLOCK)
    assert checksums.zero_block_digests(len(data), BLOCK) == \
        checksums.block_digests(bytes(len(data)), BLOCK)


def test_changed_runs_merge_neighbours_and_cut_the_last_block():
    length = 5 * BLOCK - 100
    before = bytearray(length)
    after = bytearray(length)
    for block in (1, 2, 4):
        after[block * BLOCK] = 1
    runs = checksums.changed_runs(checksums.block_digests(after, BLOCK),
                                checksums.block_digests(before, BLOCK),
                                BLOCK, length)
    assert runs == [[BLOCK, 2 * BLOCK], [4 * BLOCK, BLOCK - 100]]
    # Only within given runs (the blocks a tracked incremental read): a
    # difference elsewhere is not looked at; neighbours still merge.
    runs = checksums.changed_runs(checksums.block_digests(after, BLOCK),
                                checksums.block_digests(before, BLOCK),
                                BLOCK, length,
                                within=[[0, 2 * BLOCK], [2 * BLOCK, BLOCK],
                                        [4 * BLOCK, BLOCK - 100]])
    assert runs == [[BLOCK, 2 * BLOCK], [4 * BLOCK, BLOCK - 100]]
    assert checksums.changed_runs(checksums.block_digests(after, BLOCK),
                                  checksums.block_digests(before, BLOCK),
                                  BLOCK, length,
                                  within=[[0, BLOCK], [3 * BLOCK, BLOCK]]) \
        == []


def test_object_names_stay_under_the_backup_prefix():
    names = manifest.ObjectNames('1')
    assert names.prefix == 'backup_1/'
    assert not manifest.ObjectNames('10').prefix.startswith(names.prefix)
    for name in (names.manifest, names.chunk(7), names.block_hashes(0)):
        assert name.startswith(names.prefix)


@pytest.mark.parametrize('bad_id', ['', None, '../x', 'a/b', '.hidden'])
def test_object_names_refuse_ids_that_could_widen_a_prefix(bad_id):
    with pytest.raises(exception.BackupDriverError):
        manifest.ObjectNames(bad_id)


def _resealed(edit):
    """A manifest edited, then given a matching checksum again: what only
    write access to the store can make (the checksum is no secret)."""
    body = json.loads(a_manifest().to_bytes())
    body.pop('checksum')
    edit(body)
    body['checksum'] = manifest._body_checksum(body)
    return json.dumps(body).encode()


@pytest.mark.parametrize('edit', [
    lambda b: b.pop('chunk_size'),
    lambda b: b['chunks'][0].update(unknown=1),
    lambda b: b.update(parent='backup_b0/manifest'),
    lambda b: b.update(block_hashes=[['not', 'an', 'object']]),
])
def test_a_well_sealed_but_foreign_manifest_is_unusable_not_a_crash(edit):
    # Unusable (BackupChecksumMismatch) is what lets a delete go on by the
    # listing; a KeyError or TypeError stopped it ("error_deleting" forever).
    with pytest.raises(exception.BackupChecksumMismatch,
                       match='Manifest m in container c is unusable'):
        manifest.Manifest.from_bytes(_resealed(edit), 'c', 'm')
    with pytest.raises(exception.BackupChecksumMismatch, match='JSON'):
        manifest.Manifest.from_bytes(b'[1, 2]', 'c', 'm')


def test_foreign_objects_are_those_outside_the_backups_prefix():
    assert a_manifest().foreign_objects() == []
    chunks = a_manifest().chunks
    chunks[0].object = 'backup_b10/chunk_00000000'
    assert a_manifest(chunks=chunks).foreign_objects() == [
        'backup_b10/chunk_00000000']


# --- version 3, the shared layout (issue 18) ---

def _v3(**changes):
    from backupd.drivers.backup.engine import manifest as m
    repo = 'p_' + '0' * 32
    body = dict(
        backup_id='b3', volume_id='v', volume_size=2 * 4096,
        chunk_size=4096, block_size=4096, compression='zstd', parent=None,
        block_hashes=[m.StoredObject(repo + '/h_' + 'a' * 64, 10, 'framed',
                                     64, 'x')],
        chunks=[m.ChunkEntry(0, 4096, sha256='s', layers=[
                    m.Layer(repo + '/c_' + 'b' * 64, None, 100, 's'),
                    m.Layer(repo + '/k_' + 'c' * 32, 7, 20, 't',
                            [[0, 4096]])]),
                m.ChunkEntry(4096, 4096, zero=True)],
        repository=repo)
    body.update(changes)
    return m.Manifest(**body)


def test_version_3_round_trip_keeps_the_layers():
    from backupd.drivers.backup.engine import manifest as m
    record = _v3()
    again = m.Manifest.from_bytes(record.to_bytes(), 'c', 'n')
    assert again.version == 3 and again.repository == record.repository
    assert again.chunks[0].layers == record.chunks[0].layers
    assert again.chunks[1].zero and again.chunks[1].layers is None
    assert again.foreign_objects() == []
    assert [name for name, _, _ in again.data_objects()] == [
        record.block_hashes[0].name] + [
        layer.object for layer in record.chunks[0].layers]


def test_version_3_naming_objects_outside_its_repository_is_refused():
    from backupd.drivers.backup.engine import manifest as m
    record = _v3()
    record.chunks[0].layers[0].object = 'backup_other/chunk_00000000'
    again = m.Manifest.from_bytes(record.to_bytes(), 'c', 'n')
    assert again.foreign_objects() == ['backup_other/chunk_00000000']


def test_version_3_without_repository_or_layers_is_unusable():
    import json
    from backupd import exception
    from backupd.drivers.backup.engine import manifest as m
    body = json.loads(_v3().to_bytes())
    for broken in ({'repository': None}, {'chunks': [dict(
            body['chunks'][0], layers=[])]}):
        changed = dict(body, **broken)
        changed.pop('checksum')
        changed['checksum'] = m._body_checksum(changed)
        with pytest.raises(exception.BackupChecksumMismatch,
                           match='unusable'):
            m.Manifest.from_bytes(json.dumps(changed).encode(), 'c', 'n')


def test_frames_carry_compression_and_padding():
    from backupd.drivers.backup.engine import codec
    from backupd.drivers.backup.engine import repository
    stored, compression = codec.Codec('zstd', None).compress(b'a' * 5000)
    framed = repository.frame(stored, compression, pad_units=3)
    assert len(framed) == len(stored) + 2 + 3 * repository.PAD_UNIT
    payload, found = repository.unframe(framed)
    assert found == 'zstd' and bytes(payload) == stored
    with pytest.raises(ValueError):
        repository.unframe(b'\xff\x00')


def test_repository_names_differ_per_project():
    from backupd.drivers.backup.engine import repository
    one, two = repository.name_for('p1'), repository.name_for('p2')
    assert one != two and repository.NAME.match(one)


def test_disk_set_counts_each_string_once():
    from backupd.drivers.backup.engine import collect
    with collect.DiskSet() as marks:
        assert marks.add('a') and not marks.add('a') and marks.add('b')
        assert 'a' in marks and 'c' not in marks
