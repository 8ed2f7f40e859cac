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
    stored: typing.Any = None
    problem: typing.Optional[str] = None


class VerifyRun:
    """Re-read every object of a backup chain and check size and sha256."""

    def __init__(self, driver, chain):
        self.driver = driver
        self.chain = chain
        self.codecs = codec.ThreadCodecs('none', None)

    def items(self):
        for container, level in self.chain:
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
                                     entry.object_sha256, level.block_size)

    def run(self, report):
        settings = self.driver.settings
        stages = [(self.fetch, settings.io_threads),
                  (self.check, settings.worker_threads)]
        with pipeline.Pipeline(self.items(), stages,
                               settings.in_flight) as pipe:
            for item in pipe.results(idle=lambda: None):
                report.checked_objects += 1
                if item.problem:
                    report.problems.append(base.VerifyProblem(
                        item.backup_id, item.container, item.name,
                        item.problem))
                else:
                    report.checked_bytes += item.stored_size
        return report

    def fetch(self, item):
        size = self.driver.head_object(item.container, item.name)
        if size is None:
            item.problem = 'missing'
        elif size != item.stored_size:
            item.problem = ('stored size %d, the manifest says %d'
                            % (size, item.stored_size))
        else:
            try:
                item.stored = self.driver.get_object(item.container,
                                                     item.name)
            except exception.BackupObjectNotFound:
                item.problem = 'missing'
        return item

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
