"""verify(): re-read every object of a backup chain, check size and
checksum, and report every problem (not only the first).
"""
import dataclasses
import typing

from backupd import exception
from backupd.drivers.backup import base
from backupd.drivers.backup.engine import checksums
from backupd.drivers.backup.engine import codec
from backupd.drivers.backup.engine import pipeline


@dataclasses.dataclass
class VerifyItem:
    backup_id: str
    container: str
    name: str
    stored_size: int
    compression: str
    payload_size: int
    sha256: str
    block_size: int
    offset: typing.Optional[int] = None   # in a pack object
    pack_fault: bool = False     # the pack itself is missing or too short
    stored: typing.Any = None
    problem: typing.Optional[str] = None


class VerifyRun:
    """Re-read every object of a backup chain and check size and sha256."""

    def __init__(self, driver, chain, checked=None):
        self.driver = driver
        self.chain = chain
        # Objects a pass already found sound (a DiskSet, or None): a shared
        # object is read once per pass, not once per backup.
        self.checked = checked
        self.codecs = codec.ThreadCodecs('none', None)
        # A pack holds many deltas: HEAD it once, not once per delta (a
        # race only costs a second HEAD).
        self._sizes = {}

    def items(self):
        for item in self._all_items():
            if self.checked is None or _key(item) not in self.checked:
                yield item

    def _all_items(self):
        for container, level in self.chain:
            if level.version == 3:
                yield from self._shared_items(container, level)
                continue
            for obj in level.block_hashes:
                yield VerifyItem(level.backup_id, container, obj.name,
                                 obj.stored_size, obj.compression,
                                 obj.payload_size, obj.sha256,
                                 level.block_size)
            for entry in level.chunks:
                if entry.object and entry.source == 'self':
                    yield VerifyItem(level.backup_id, container,
                                     entry.object, entry.stored_size,
                                     entry.compression, entry.payload_size,
                                     entry.object_sha256, level.block_size,
                                     entry.object_offset)

    def _shared_items(self, container, level):
        for obj in level.block_hashes:
            yield VerifyItem(level.backup_id, container, obj.name,
                             obj.stored_size, obj.compression,
                             obj.payload_size, obj.sha256, level.block_size)
        seen = set()     # chunks of one volume sharing an object
        for entry in level.chunks:
            for layer in entry.layers or ():
                key = (layer.object, layer.object_offset)
                if key in seen:
                    continue
                seen.add(key)
                yield VerifyItem(level.backup_id, container, layer.object,
                                 layer.stored_size, layer.compression,
                                 layer.payload_size(entry.length),
                                 layer.object_sha256, level.block_size,
                                 layer.object_offset)

    def run(self, report):
        settings = self.driver.settings
        stages = [(self.fetch, settings.io_threads),
                  (self.check, settings.worker_threads)]
        with pipeline.Pipeline(self.items(), stages,
                               settings.in_flight) as pipe:
            packs = set()
            pack_faults = {}    # a missing or short pack: one problem
            for item in pipe.results(idle=lambda: None):
                key = (item.backup_id, item.container, item.name)
                if item.offset is None or key not in packs:
                    report.checked_objects += 1     # objects, not deltas
                if item.offset is not None:
                    packs.add(key)
                    if item.pack_fault:
                        fault = pack_faults.setdefault(key, [item.problem, 0])
                        fault[1] += 1
                        continue
                if item.problem:
                    report.problems.append(base.VerifyProblem(
                        *key, item.problem))
                else:
                    report.checked_bytes += item.stored_size
                    if self.checked is not None:
                        self.checked.add(_key(item))
        for key, (problem, deltas) in pack_faults.items():
            report.problems.append(base.VerifyProblem(
                *key, '%s (a pack: %d of its deltas unreadable)'
                % (problem, deltas)))
        return report

    def fetch(self, item):
        size = self._size(item)
        item.pack_fault = item.offset is not None and (
            size is None or size < item.offset + item.stored_size)
        if size is None:
            item.problem = 'missing'
        elif item.offset is None and size != item.stored_size:
            item.problem = ('stored size %d, the manifest says %d'
                            % (size, item.stored_size))
        elif item.offset is not None and size < item.offset + \
                item.stored_size:
            item.problem = ('stored size %d, shorter than the manifest '
                            'says' % size)
        else:
            try:
                item.stored = (
                    self.driver.get_object(item.container, item.name)
                    if item.offset is None else
                    self.driver.get_object_range(item.container, item.name,
                                                 item.offset,
                                                 item.stored_size))
            except exception.BackupObjectNotFound:
                item.problem = 'missing'
        return item

    def _size(self, item):
        key = (item.container, item.name)
        if item.offset is None:
            return self.driver.head_object(*key)
        if key not in self._sizes:
            self._sizes[key] = self.driver.head_object(*key)
        return self._sizes[key]

    def check(self, item):
        stored, item.stored = item.stored, None
        if item.problem is None:
            try:
                checksums.checked_payload(
                    self.codecs.get(), stored, item.compression,
                    item.payload_size, item.sha256, item.block_size,
                    item.container, item.name)
            except exception.BackupChecksumMismatch as exc:
                item.problem = str(exc)
        return item


def _key(item):
    return '%s\0%s\0%s' % (item.container, item.name, item.offset)
