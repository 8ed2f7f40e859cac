"""The versioned JSON manifest of one backup, and its object names."""
import dataclasses
import hashlib
import json
import re
import typing

from backupd import exception


CHUNKS_PER_HASH_SEGMENT = 256  # chunks whose block hashes share one object


_SAFE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


class ObjectNames:
    """Names of one backup's objects, all under ``backup_<id>/``.

    The prefix can never be empty or shared with another backup: the id
    must be non-empty and free of "/", and the prefix ends with "/" so that
    backup "1" never matches backup "10".
    """

    def __init__(self, backup_id):
        if not backup_id or not _SAFE_ID.match(str(backup_id)):
            raise exception.BackupDriverError(
                reason='backup id %r cannot name storage objects; it must be '
                       'non-empty letters, digits, "_", "." or "-".'
                       % (backup_id,))
        self.prefix = 'backup_%s/' % backup_id

    @property
    def manifest(self):
        return self.prefix + 'manifest'

    def owns(self, name):
        """Whether object ``name`` is one of this backup's own objects:
        directly under its prefix (one level, no "." or ".." part)."""
        if not isinstance(name, str) or not name.startswith(self.prefix):
            return False
        rest = name[len(self.prefix):]
        return bool(rest) and '/' not in rest and rest not in ('.', '..')

    def chunk(self, index):
        return '%schunk_%08d' % (self.prefix, index)

    def block_hashes(self, segment):
        return '%sblock_sha256_%05d' % (self.prefix, segment)

    def pack(self, number):
        return '%spack_%08d' % (self.prefix, number)


MANIFEST_FORMAT = 'backupd-chunked'
# Version 2 added ChunkEntry.object_offset (delta packs). A manifest without
# packs is still written as version 1, so hosts of the previous release
# keep reading full backups and unpacked incrementals.
# Version 3 (the shared layout, doc/dedup-and-gc.rst): chunks list their
# layers of shared, content-named objects of a repository; no parent is
# needed to restore.
MANIFEST_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
CHECKSUM_ALGORITHM = 'sha256-of-block-sha256'


@dataclasses.dataclass
class Layer:
    """One stored object (or pack range) a version 3 chunk is built from.

    ``runs`` None: the whole chunk; else the ``[start, length]`` ranges it
    holds, laid over the layers below (zeros below the first). Its bytes
    are framed (:func:`.repository.frame`): the compression is in them.
    """

    object: str
    object_offset: typing.Optional[int]
    stored_size: int
    object_sha256: str
    runs: typing.Optional[list] = None
    compression = 'framed'      # repository.FRAMED, not a field

    def payload_size(self, length):
        if self.runs is None:
            return length
        return sum(size for _, size in self.runs)

    def as_list(self):
        return [self.object, self.object_offset, self.stored_size,
                self.object_sha256, self.runs]


@dataclasses.dataclass
class ChunkEntry:
    """One chunk of the volume as one backup sees it.

    ``source``: "self" (data in this backup's ``object``, or zero) or
    "parent" (unchanged: the parent's chunk at the same offset).
    ``runs``: None when ``object`` holds the whole chunk; else the
    ``[start, length]`` ranges (relative to ``offset``) that ``object``
    holds, laid over the parent's chunk. ``sha256``: checksum (see
    CHECKSUM_ALGORITHM) of the chunk's bytes as restored (None for zero
    chunks); ``object_sha256``: checksum of the object's uncompressed
    payload. ``object_offset``: None when the payload is the whole
    ``object``; else its ``stored_size`` bytes start there (small deltas
    share a pack object).
    """

    offset: int
    length: int
    zero: bool = False
    hole: bool = False
    sha256: typing.Optional[str] = None
    source: str = 'self'
    object: typing.Optional[str] = None
    stored_size: int = 0
    compression: str = 'none'
    object_sha256: typing.Optional[str] = None
    runs: typing.Optional[list] = None
    object_offset: typing.Optional[int] = None
    # Version 3: the layers the chunk is rebuilt from, oldest first (the
    # fields above from "source" on are then unused).
    layers: typing.Optional[typing.List[Layer]] = None

    @property
    def payload_size(self):
        if self.runs is None:
            return self.length
        return sum(length for _, length in self.runs)


@dataclasses.dataclass
class StoredObject:
    """An object that is not a chunk (block hash segments)."""

    name: str
    stored_size: int
    compression: str
    payload_size: int
    sha256: str


@dataclasses.dataclass
class Manifest:
    """The versioned description of one backup, stored as JSON."""

    backup_id: str
    volume_id: str
    volume_size: int
    chunk_size: int
    block_size: int
    compression: str
    parent: typing.Optional[dict]   # {"id", "container", "manifest"}
    chunks: typing.List[ChunkEntry]
    block_hashes: typing.List[StoredObject]
    created_at: float = 0.0
    # Changed-block tracking (engine.tracked): the identity of the snapshot
    # this backup read and kept as the next incremental's base
    # ({"snapshot_id", "identity"}, None when not kept), and how the volume
    # was read ({"mode": "full" | "tracked", "reason", ...}).
    base: typing.Optional[dict] = None
    read: typing.Optional[dict] = None
    # Version 3: the repository (``p_<token>``) holding every object the
    # manifest names but itself.
    repository: typing.Optional[str] = None

    @property
    def version(self):
        if self.repository:
            return 3
        packed = any(c.object_offset is not None for c in self.chunks)
        return 2 if packed else 1

    def to_bytes(self):
        version = self.version
        if version == 3:
            chunks = [_v3_chunk(c) for c in self.chunks]
        else:
            chunks = [{k: v for k, v in vars(c).items() if k != 'layers'}
                      for c in self.chunks]
        if version == 1:
            chunks = [{k: v for k, v in c.items() if k != 'object_offset'}
                      for c in chunks]
        body = {
            'format': MANIFEST_FORMAT, 'version': version,
            'backup_id': self.backup_id, 'volume_id': self.volume_id,
            'created_at': self.created_at, 'volume_size': self.volume_size,
            'chunk_size': self.chunk_size, 'block_size': self.block_size,
            'checksum_algorithm': CHECKSUM_ALGORITHM,
            'compression': self.compression, 'parent': self.parent,
            'chunks_per_hash_segment': CHUNKS_PER_HASH_SEGMENT,
            # vars(), not dataclasses.asdict(): a shallow view is enough to
            # serialize, and asdict's deep copy dominated the cost of a
            # 10 GiB volume's 2560-entry manifest.
            'block_hashes': [vars(o) for o in self.block_hashes],
            'chunks': chunks,
        }
        # Optional keys: a reader that predates them ignores them.
        for key in ('base', 'read', 'repository'):
            if getattr(self, key) is not None:
                body[key] = getattr(self, key)
        body['checksum'] = _body_checksum(body)
        return json.dumps(body, separators=(',', ':')).encode()

    @classmethod
    def from_bytes(cls, data, container, name):
        def bad(reason):
            return exception.BackupChecksumMismatch(
                reason='Manifest %s in container %s is unusable: %s'
                       % (name, container, reason))
        try:
            body = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise bad('not JSON (%s)' % exc)
        if not isinstance(body, dict):
            raise bad('not a JSON object')
        if body.get('format') != MANIFEST_FORMAT:
            raise bad('format is %r, expected %r'
                      % (body.get('format'), MANIFEST_FORMAT))
        if body.get('version') not in READABLE_VERSIONS:
            raise bad('version %r is not supported (this engine reads %s)'
                      % (body.get('version'),
                         ', '.join(map(str, READABLE_VERSIONS))))
        if body.get('checksum_algorithm') != CHECKSUM_ALGORITHM:
            raise bad('checksum algorithm %r is not supported'
                      % body.get('checksum_algorithm'))
        if body.pop('checksum', None) != _body_checksum(body):
            raise bad('checksum mismatch (corrupted)')
        if not isinstance(body.get('parent'), (dict, type(None))):
            raise bad('its parent is not an object')
        if body['version'] == 3 and not isinstance(body.get('repository'),
                                                   str):
            raise bad('a version 3 manifest names no repository')
        try:
            return cls(
                backup_id=body['backup_id'], volume_id=body['volume_id'],
                volume_size=body['volume_size'],
                chunk_size=body['chunk_size'],
                block_size=body['block_size'],
                compression=body['compression'],
                parent=body['parent'], created_at=body['created_at'],
                chunks=[_chunk_of(c, body['version'])
                        for c in body['chunks']],
                block_hashes=[StoredObject(**o)
                              for o in body['block_hashes']],
                base=body.get('base'), read=body.get('read'),
                repository=body.get('repository'))
        except (KeyError, TypeError, ValueError) as exc:
            # Well-formed JSON with the right checksum, but not what this
            # engine writes: unusable like a corrupted one (so a delete
            # still goes by the listing), never an unexpected error.
            raise bad('a field is missing or of the wrong kind (%s: %s)'
                      % (type(exc).__name__, exc))

    def foreign_objects(self):
        """Object names this manifest reads as its own (chunks stored by
        this backup, block hash segments) that are not under its backup's
        prefix (version 3: not data objects of its repository): a manifest
        naming any cannot be trusted (it would make one backup read or
        vouch for another's data)."""
        if self.version == 3:
            names = [o.name for o in self.block_hashes]
            names += [layer.object for c in self.chunks
                      for layer in c.layers or ()]
            prefix = self.repository + '/'
            return sorted({n for n in names
                           if not (isinstance(n, str)
                                   and n.startswith(prefix)
                                   and _DATA_OBJECT.match(n))})
        own = ObjectNames(self.backup_id)
        names = [c.object for c in self.chunks
                 if c.object and c.source == 'self']
        names += [o.name for o in self.block_hashes]
        return sorted({n for n in names if not own.owns(n)})

    def chunk_at(self, index):
        return self.chunks[index] if index < len(self.chunks) else None

    def data_objects(self):
        """Every (object name, offset or None, stored size) a version 3
        manifest references, once each, block hash segments first."""
        seen = set()
        for obj in self.block_hashes:
            if obj.name not in seen:
                seen.add(obj.name)
                yield obj.name, None, obj.stored_size
        for chunk in self.chunks:
            for layer in chunk.layers or ():
                key = (layer.object, layer.object_offset)
                if key not in seen:
                    seen.add(key)
                    yield layer.object, layer.object_offset, \
                        layer.stored_size


_DATA_OBJECT = re.compile(r'p_[0-9a-f]{32}/(?:c_[0-9a-f]{64}|h_[0-9a-f]{64}'
                          r'|k_[0-9a-f]{32})\Z')


def _v3_chunk(chunk):
    body = {'offset': chunk.offset, 'length': chunk.length,
            'zero': chunk.zero, 'hole': chunk.hole, 'sha256': chunk.sha256}
    if not chunk.zero:
        body['layers'] = [layer.as_list() for layer in chunk.layers]
    return body


def _chunk_of(body, version):
    if version != 3:
        return ChunkEntry(**body)
    if not isinstance(body, dict):
        raise TypeError('a chunk is not an object')
    layers = body.get('layers')
    entry = ChunkEntry(body['offset'], body['length'], zero=body['zero'],
                       hole=body['hole'], sha256=body['sha256'])
    if entry.zero:
        return entry
    if not isinstance(layers, list) or not layers:
        raise ValueError('data chunk at %r has no layers' % entry.offset)
    entry.layers = []
    for layer in layers:
        if not isinstance(layer, list) or len(layer) != 5:
            raise ValueError('a layer is not [object, offset, size, '
                             'sha256, runs]')
        entry.layers.append(Layer(*layer))
    return entry


def _body_checksum(body):
    canonical = json.dumps(body, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()
