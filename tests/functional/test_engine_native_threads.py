"""The engine keeps the eventlet hub free: hashing, compression and I/O run
on native threads.

A child process (the patch must come first and must not leak into the
test process) monkey-patches like a service, starts a green thread that
ticks every 100 ms, and runs a 1 GiB backup through the POSIX driver via
``backupd.hub.call``, as a manager does. The hub must never stall for
a second, and the engine's stages must show up as OS threads.
"""
import json
import os
import subprocess
import sys

from tests.contracts import backup_driver_cases as cases

CHILD = r'''
import eventlet
eventlet.monkey_patch()

import json
import re
import sys
import time

from oslo_config import cfg

from backupd import hub
from backupd import utils
from backupd.drivers.backup import base
from backupd.drivers.backup import posix

volume, store = sys.argv[1], sys.argv[2]
conf = cfg.ConfigOpts()
conf([])
driver = posix.PosixBackupDriver(conf)
conf.set_override('backup_posix_path', store)
conf.set_override('backup_posix_min_free_space', 0)
ticks = [time.monotonic()]
running = [True]
native_names = set()


def heartbeat():
    while running[0]:
        eventlet.sleep(0.1)
        ticks.append(time.monotonic())
        # OS threads alive now (green threads are not in this list).
        native_names.update(re.sub(r'-[0-9]+$', '', t.name)
                            for t in utils.native_threading().enumerate())


beat = eventlet.spawn(heartbeat)
eventlet.sleep(0.3)
started = time.monotonic()
result = hub.call(driver.backup, base.BackupRef('hub', 'vol-1'), volume)
finished = time.monotonic()
running[0] = False
beat.wait()
during = [t for t in ticks if started <= t <= finished + 0.2]
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
print(json.dumps({'max_gap': max(gaps), 'ticks_during': len(during),
                  'backup_seconds': finished - started,
                  'stored_bytes': result.stored_bytes,
                  'native_threads': sorted(native_names)}))
'''


def test_hub_keeps_ticking_during_a_1gib_backup(tmp_path):
    # 1 GiB with 256 MiB of random data (every 4th MiB; the rest holes)
    # keeps the test fast while the engine hashes, compresses and writes.
    volume = cases.write_volume(tmp_path / 'vol', 1024 * cases.MiB, seed=1,
                                layout='sparse')
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    proc = subprocess.run(
        [sys.executable, '-c', CHILD, str(volume), str(tmp_path / 'store')],
        capture_output=True, text=True, timeout=300, env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures['stored_bytes'] >= 256 * cases.MiB  # random: no shrink
    assert figures['ticks_during'] >= 1
    assert figures['max_gap'] < 1.0, figures
    # The engine's stages ran on OS threads of their own (not green threads
    # inside the tpool thread, which would also spare the hub but put the
    # whole backup on one core).
    assert {'backup-source', 'backup-hash_and_compress',
            'backup-write'} <= set(figures['native_threads']), figures
