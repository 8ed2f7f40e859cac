"""One restore: fetch along the incremental chain, check, write."""
import dataclasses
import os
import typing

from backupd import exception
from backupd.drivers.backup.engine import checksums
from backupd.drivers.backup.engine import codec
from backupd.drivers.backup.engine import manifest
from backupd.drivers.backup.engine import pipeline
from backupd.drivers.backup.engine import volume


@dataclasses.dataclass
class Layer:
    """A stored object that contributes to one chunk being restored."""

    container: str
    entry: manifest.ChunkEntry
    stored: typing.Any


class RestoreRun:
    """One restore: fetch the objects a chunk needs along the incremental
    chain, rebuild and check the chunk, then write it."""

    def __init__(self, driver, chain):
        self.driver = driver
        self.chain = chain      # [(container, Manifest)], newest first
        self.top = chain[0][1]
        self.codecs = codec.ThreadCodecs('none', None)
        self.fd = None

    def run(self, target_path, ticker):
        settings = self.driver.settings
        ticker.total = self.top.volume_size
        self.fd = os.open(target_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            self._fit_target(target_path)
            stages = [(self.fetch, settings.io_threads),
                      (self.rebuild, settings.worker_threads),
                      (self.write, settings.io_threads)]
            with pipeline.Pipeline(
                    self._tasks(), stages, settings.in_flight,
                    pipeline.Pace.of(settings.bandwidth_limit)) as pipe:
                for task in pipe.results(idle=ticker.tick):
                    ticker.add(task.length)
            os.fsync(self.fd)
        finally:
            os.close(self.fd)
        ticker.tick(force=True)

    def _tasks(self):
        """A task per data chunk, one per run of consecutive zero chunks."""
        chunks = self.top.chunks
        index = 0
        while index < len(chunks):
            first = chunks[index]
            if not first.zero:
                yield volume.ChunkTask(index, first.offset, first.length)
                index += 1
                continue
            last = index
            while last + 1 < len(chunks) and chunks[last + 1].zero:
                last += 1
            end = chunks[last].offset + chunks[last].length
            yield volume.ChunkTask(index, first.offset, end - first.offset,
                                   hole=True)
            index = last + 1

    def _fit_target(self, target_path):
        """Grow a file target (the new space is a hole); refuse a device
        smaller than the volume before writing anything to it."""
        size = volume.device_size(self.fd)
        if size >= self.top.volume_size:
            return
        if os.path.isfile(target_path):
            os.ftruncate(self.fd, self.top.volume_size)
            return
        raise exception.BackupDriverError(
            reason='Restore target %s holds %d bytes; backup %s needs %d. '
                   'Restore to a volume at least as large.'
                   % (target_path, size, self.top.backup_id,
                      self.top.volume_size))

    # Stage 1 (io threads): get every object the chunk is built from.
    def fetch(self, task):
        if task.hole:
            return task
        if self.top.version == 3:
            container = self.chain[0][0]
            task.stored = [Layer(container, layer,
                                 self.driver.get_stored(container, layer))
                           for layer in reversed(
                               self.top.chunks[task.index].layers)]
            return task
        layers = []
        for container, level in self.chain:
            entry = level.chunk_at(task.index)
            if entry is None or entry.zero or entry.length != task.length:
                break                    # what lies below is zeros
            if entry.source == 'parent':
                continue
            layers.append(Layer(container, entry, self.driver.get_stored(
                container, entry)))
            if entry.runs is None:
                break                    # a whole chunk: nothing below counts
        task.stored = layers
        return task

    # Stage 2 (worker threads): decompress, check, lay deltas over the base.
    def rebuild(self, task):
        if task.hole:
            return task
        wanted = self.top.chunks[task.index]
        layers, task.stored = task.stored, None
        decoder = self.codecs.get()
        data = None
        for layer in reversed(layers):  # oldest first
            entry = layer.entry
            size = (entry.payload_size(task.length)
                    if isinstance(entry, manifest.Layer)
                    else entry.payload_size)
            payload = checksums.checked_payload(
                decoder, layer.stored, entry.compression, size,
                entry.object_sha256, self.top.block_size, layer.container,
                entry.object)
            if entry.runs is None:
                data = payload
                continue
            data = bytearray(data if data is not None else task.length)
            view = memoryview(payload)
            for start, size in entry.runs:
                data[start:start + size] = view[:size]
                view = view[size:]
        if self._is_checked_whole(layers, wanted):
            task.data = data
            return task
        actual = checksums.checksum(data or b'', self.top.block_size)
        if actual != wanted.sha256:
            raise exception.BackupChecksumMismatch(
                reason='Chunk at offset %d of backup %s rebuilt from %s has '
                       'checksum %s, the manifest says %s; nothing written '
                       'for it.' % (task.offset, self.top.backup_id,
                                ', '.join(l.entry.object for l in layers)
                                or 'no object', actual, wanted.sha256))
        task.data = data
        return task

    @staticmethod
    def _is_checked_whole(layers, wanted):
        """The chunk is one whole object whose checksum, already checked,
        is the chunk's: checking it again would only burn CPU."""
        return (len(layers) == 1 and layers[0].entry.runs is None
                and layers[0].entry.object_sha256 == wanted.sha256)

    # Stage 3 (io threads): write; zeros stay holes where they are holes.
    def write(self, task):
        if task.hole:
            volume.write_zeros(self.fd, task.offset, task.length)
        else:
            volume.write_all(self.fd, task.data, task.offset)
            volume.start_writeback(self.fd, task.offset, task.length)
        task.data = None
        return task
