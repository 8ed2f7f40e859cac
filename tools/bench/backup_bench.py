#!/usr/bin/env python3
"""Benchmark of the backup data engine (issue 4); prints ONE JSON line.

Builds a volume from a fixed seed, then per run: ``cp`` of the volume,
read+sha256 of it, a full backup, a restore (checksums verified, as
always), and an incremental after rewriting 1% of its 32 KiB blocks at
random. The page cache is dropped before each timed phase when this
process may (``sync; echo 3 > /proc/sys/vm/drop_caches``); the JSON says
whether it could. Every engine phase runs in a child process so its peak
RSS and CPU time are its own. Figures are medians over ``--runs``.

Volumes: the default "mixed" volume is, per MiB and shuffled, 40% random
bytes, 30% zeros (written, not holes) and 30% log-like text. With
``--sparse-data N`` the volume is a sparse file of ``--size`` bytes holding
N bytes of mixed data at random MiB positions; then a dense volume of N
bytes is backed up too, for the "sparse costs at most 3x its data" ratio.

With ``--tracked`` (``--workdir`` on a reflink filesystem: XFS with
reflink=1 or btrfs) the volume lives in a file volume driver's
``volumes_dir`` and each run adds changed-block tracking (issue 19): a full
backup of a snapshot kept as the base, the same 1 % rewrite, then an
incremental that takes a new snapshot, compares its extents with the base
(FIEMAP) and reads only what changed (snapshot, comparison and backup all
timed, each also on its own under ``steps``), checked by a restore; then
one more with nothing changed. An XFS to run it on, as root (``discard``:
a 10 GiB run writes about 60 GB in all, and without it the image file
keeps every block it ever held)::

    truncate -s 50G /tmp/cbt19/img
    mkfs.xfs -q -m reflink=1 /tmp/cbt19/img
    mount -o loop,discard /tmp/cbt19/img /tmp/cbt19/mnt
    tools/bench/backup_bench.py --size 10G --runs 1 --tracked \\
        --workdir /tmp/cbt19/mnt/bench

On 2026-12-04 (2 cores, other suites running: load average 10-13) three
runs of that printed ``cp`` 29.6-39.0 s and a tracked incremental of
1.46-6.18 s, 0.037-0.21x ``cp`` (best: snapshot 0.11 s, identity 0.02 s,
changed ranges 0.04 s, backup 1.27 s; 0.85 CPU-s; stored 1.01 %), nothing
changed 0.37-1.13 s. doc/data-engine.rst has these figures, the earlier
ones and where the time goes.

Examples::

    tools/bench/backup_bench.py --runs 3
    tools/bench/backup_bench.py --size 10G --sparse-data 100M --runs 3
    tools/bench/backup_bench.py --driver swift --swift-url \\
        http://127.0.0.1:8080/auth/v1.0 --swift-user test:tester \\
        --swift-key testing
"""
import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MiB = 1024 * 1024
BLOCK = 32 * 1024
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, REPO)
from tests.helpers import files   # noqa: E402  (volume changes, sha256)


def parse_size(text):
    units = {'K': 1024, 'M': MiB, 'G': 1024 * MiB, 'T': 1024 ** 4}
    text = text.strip().upper().rstrip('IB').rstrip('B')
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


# --- volumes -------------------------------------------------------------------

def log_text(rnd, length):
    out = bytearray()
    while len(out) < length:
        out += ('2026-11-21T12:%02d:%02d.%06d INFO backupd.manager '
                '[req-%08x] volume %d: backup chunk %d stored in %d ms\n'
                % (rnd.randrange(60), rnd.randrange(60), rnd.randrange(10**6),
                   rnd.getrandbits(32), rnd.randrange(1000),
                   rnd.randrange(10**5), rnd.randrange(500))).encode()
    return bytes(out[:length])


def mixed_kinds(rnd, mib_count):
    """Per-MiB kinds: 40% random, 30% zero, 30% text, shuffled."""
    random_n = mib_count * 4 // 10
    zero_n = mib_count * 3 // 10
    kinds = (['random'] * random_n + ['zero'] * zero_n
             + ['text'] * (mib_count - random_n - zero_n))
    rnd.shuffle(kinds)
    return kinds


def build_volume(path, size, data_size, seed):
    """Mixed data; sparse (holes around ``data_size`` bytes) when smaller."""
    rnd = random.Random(seed)
    mib_count = -(-size // MiB)
    data_mibs = mib_count if data_size >= size else -(-data_size // MiB)
    positions = sorted(rnd.sample(range(mib_count), data_mibs)) \
        if data_mibs < mib_count else range(mib_count)
    text_pool = [log_text(rnd, MiB) for _ in range(16)]
    with open(path, 'wb') as f:
        f.truncate(size)
        for position, kind in zip(positions, mixed_kinds(rnd, data_mibs)):
            offset = position * MiB
            length = min(MiB, size - offset)
            if kind == 'random':
                data = rnd.randbytes(length)
            elif kind == 'zero':
                data = bytes(length)
            else:   # text: shuffled lines would cost minutes; vary a pool
                data = text_pool[rnd.randrange(16)][:length]
                data = data.replace(b'volume', b'vol%03d' % rnd.randrange(1000))
            os.pwrite(f.fileno(), data, offset)
        os.fsync(f.fileno())


def rewrite_blocks(path, fraction, seed):
    """The contract cases' change of a volume, fsynced before it is timed."""
    files.rewrite_blocks(path, fraction, seed, block=BLOCK, sync=True)


# --- measuring ----------------------------------------------------------------

# --no-drop-caches (smoke tests on a shared machine): leave the page cache.
DROP_CACHES = True


def drop_caches():
    if not DROP_CACHES:
        return False
    os.sync()
    try:
        with open('/proc/sys/vm/drop_caches', 'w') as f:
            f.write('3\n')
        return True
    except OSError:
        return False


def timed(function):
    dropped = drop_caches()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start, dropped


def cp_seconds(volume, scratch, then_sync=False):
    """Plain ``cp`` (its writes may still sit in the page cache when it
    ends), or ``cp`` followed by ``sync`` (durable, like the engine's
    fsync'd objects) when ``then_sync``."""
    target = os.path.join(scratch, 'cp-copy')

    def copy():
        # Never a reflink (cp's default on XFS and btrfs): a real copy.
        subprocess.run(['cp', '--sparse=auto', '--reflink=never', volume,
                        target], check=True)
        if then_sync:
            os.sync()
    seconds, dropped = timed(copy)
    os.unlink(target)
    return seconds, dropped


def sha256_seconds(volume):
    def read_and_hash():
        digest = hashlib.sha256()
        with open(volume, 'rb', buffering=0) as f:
            for piece in iter(lambda: f.read(4 * MiB), b''):
                digest.update(piece)
    return timed(read_and_hash)


def read_seconds(volume):
    """Only reading the volume (4 MiB reads, as the engine): the floor of
    any backup that must look at every byte, as an incremental does."""
    def read():
        buffer = bytearray(4 * MiB)
        with open(volume, 'rb', buffering=0) as f:
            while f.readinto(buffer):
                pass
    return timed(read)


file_sha256 = files.sha256_of


# --- engine phases run in a child process ----------------------------------------

def make_driver(spec):
    sys.path.insert(0, REPO)
    from oslo_config import cfg
    conf = cfg.ConfigOpts()
    conf([])
    if spec['driver'] == 'posix':
        from backupd.drivers.backup import posix
        driver = posix.PosixBackupDriver(conf)
    else:
        from backupd.drivers.backup import swift
        driver = swift.SwiftBackupDriver(conf)
    for name, value in spec['options'].items():
        conf.set_override(name, value)
    driver.do_setup()
    return driver


def make_volume_driver(volumes_dir):
    sys.path.insert(0, REPO)
    from oslo_config import cfg
    from backupd.drivers.volume import file as file_driver
    conf = cfg.ConfigOpts()
    conf([])
    driver = file_driver.FileVolumeDriver(conf)
    conf.set_override('volumes_dir', volumes_dir)
    conf.set_override('file_volume_reflink', 'always')
    driver.check_for_setup_error()
    return driver


def tracked_backup(spec, driver, volumes, ref):
    """What the backup and volume services do for a tracked incremental:
    snapshot the volume, compare it with the base, back up what changed
    (``volumes``: the file volume driver, set up as a service has it)."""
    from backupd.drivers.backup.engine import tracked
    from backupd.drivers.volume import base as volume_base
    steps = {}
    started = time.perf_counter()

    def step(name):
        nonlocal started
        now = time.perf_counter()
        steps[name] = round(now - started, 3)
        started = now
    volumes.create_snapshot(spec['snapshot'], TRACKED_VOLUME)
    step('snapshot')
    snapshot = {'snapshot_id': spec['snapshot'],
                'identity': volumes.snapshot_identity(spec['snapshot'],
                                                      TRACKED_VOLUME)}
    step('identity')
    base = spec.get('base')
    changes = tracked.Changes(snapshot=snapshot, base=base)
    if base:
        try:
            changes = tracked.Changes(
                snapshot=snapshot, base=base,
                ranges=volumes.changed_ranges(base['snapshot_id'],
                                              base['identity'],
                                              spec['snapshot'],
                                              TRACKED_VOLUME))
        except volume_base.CannotTrackChanges as exc:
            changes = tracked.Changes(snapshot=snapshot, base=base,
                                      reason=str(exc))
        step('changed_ranges')
    result = driver.backup(ref, volumes.snapshot_path(spec['snapshot'],
                                                      TRACKED_VOLUME),
                           changes=changes)
    step('backup')
    found = json.loads(driver.get_object(result.container,
                                         result.service_metadata))
    return result, {'snapshot': snapshot, 'read': found['read'],
                    'steps': steps}


def child_phase(spec):
    """Run one engine phase; print wall time, peak RSS and CPU as JSON."""
    from backupd.drivers.backup import base
    driver = make_driver(spec)
    parent = None
    if spec.get('parent'):
        parent = base.BackupRef(spec['parent'], 'bench-volume',
                                container=spec.get('container'))
    ref = base.BackupRef(spec['backup_id'], 'bench-volume', parent=parent,
                         container=spec.get('container'))
    if spec['phase'] == 'tracked':
        volumes = make_volume_driver(spec['volumes_dir'])

    def phase():
        out = {}
        if spec['phase'] == 'backup':
            result = driver.backup(ref, spec['volume'])
            out.update(stored_bytes=result.stored_bytes,
                       changed_bytes=result.changed_bytes,
                       objects=result.object_count,
                       container=result.container)
        elif spec['phase'] == 'tracked':
            result, extra = tracked_backup(spec, driver, volumes, ref)
            out.update(extra, stored_bytes=result.stored_bytes,
                       changed_bytes=result.changed_bytes,
                       objects=result.object_count,
                       container=result.container)
        elif spec['phase'] == 'restore':
            driver.restore(ref, spec['target'])
        elif spec['phase'] == 'delete':
            driver.delete_backup(ref)
        return out
    print_measured(phase)


def print_measured(phase):
    """Run ``phase`` (it returns a dict of figures) and print that dict as
    the child's JSON line, with the phase's wall and CPU seconds and this
    process's peak RSS added."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    out = phase()
    out['seconds'] = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    out['cpu_seconds'] = (after.ru_utime - before.ru_utime
                          + after.ru_stime - before.ru_stime)
    out['peak_rss_mib'] = after.ru_maxrss / 1024
    print(json.dumps(out))


def run_phase(args, phase, backup_id, volume=None, target=None, parent=None,
              container=None, **extra):
    spec = {'driver': args.driver, 'options': driver_options(args),
            'phase': phase, 'backup_id': backup_id, 'volume': volume,
            'target': target, 'parent': parent, 'container': container,
            **extra}
    dropped = drop_caches() if phase != 'delete' else None
    proc = subprocess.run([sys.executable, os.path.abspath(__file__),
                           '--child', json.dumps(spec)],
                          check=True, capture_output=True, text=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result['caches_dropped'] = dropped
    return result


def driver_options(args):
    options = dict(o.split('=', 1) for o in args.option)
    if args.driver == 'posix':
        options.setdefault('backup_posix_path', args.store)
        options.setdefault('backup_posix_min_free_space', '0')
    else:
        url = args.swift_url or os.environ.get('BACKUPD_BENCH_SWIFT_URL')
        user = args.swift_user or os.environ.get('BACKUPD_BENCH_SWIFT_USER')
        key = args.swift_key or os.environ.get('BACKUPD_BENCH_SWIFT_KEY')
        if not (url and user and key):
            sys.exit('--driver swift needs --swift-url, --swift-user and '
                     '--swift-key (or BACKUPD_BENCH_SWIFT_URL/_USER/_KEY)')
        options.setdefault('backup_swift_auth_url', url)
        options.setdefault('backup_swift_user', user)
        options.setdefault('backup_swift_key', key)
        options.setdefault('backup_swift_container', 'backup-bench')
    return options


# --- one run -------------------------------------------------------------------

TRACKED_VOLUME = 'bench'


def one_run(args, run, scratch):
    volumes_dir = os.path.join(scratch, 'volumes')
    os.makedirs(volumes_dir, exist_ok=True)
    volume = os.path.join(volumes_dir, 'volume-%s' % TRACKED_VOLUME)
    build_volume(volume, args.size, args.sparse_data or args.size, args.seed)
    figures = {}
    figures['cp'], dropped = cp_seconds(volume, scratch)
    figures['cp_sync'], _ = cp_seconds(volume, scratch, then_sync=True)
    figures['sha256'], _ = sha256_seconds(volume)
    full_id, incr_id = 'bench-full-%d' % run, 'bench-incr-%d' % run
    full = run_phase(args, 'backup', full_id, volume=volume)
    tracked_ids = []
    if args.tracked:      # its full backup, of a snapshot kept as the base
        tracked_ids.append('bench-tfull-%d' % run)
        tracked_full = run_phase(args, 'tracked', tracked_ids[-1],
                                 volumes_dir=volumes_dir,
                                 snapshot='tfull-%d' % run)
    target = os.path.join(scratch, 'restored')
    restore = run_phase(args, 'restore', full_id, target=target,
                        container=full['container'])
    if file_sha256(target) != file_sha256(volume):
        sys.exit('restore of run %d differs from the volume' % run)
    os.unlink(target)
    rewrite_blocks(volume, 0.01, seed=args.seed + 1000 + run)
    figures['read'], _ = read_seconds(volume)
    incremental = run_phase(args, 'backup', incr_id, volume=volume,
                            parent=full_id, container=full['container'])
    figures.update(full=full, restore=restore, incremental=incremental,
                   caches_dropped=dropped, load=os.getloadavg()[0])
    if args.tracked:
        figures.update(tracked_full=tracked_full, **tracked_incrementals(
            args, run, scratch, volume, tracked_ids, tracked_full))
    if args.sparse_data:
        dense = os.path.join(scratch, 'dense')
        build_volume(dense, args.sparse_data, args.sparse_data, args.seed)
        figures['dense'] = run_phase(args, 'backup', 'bench-dense-%d' % run,
                                     volume=dense)
        os.unlink(dense)
        run_phase(args, 'delete', 'bench-dense-%d' % run,
                  container=full['container'])
    for backup_id in [incr_id, full_id] + tracked_ids[::-1]:
        run_phase(args, 'delete', backup_id, container=full['container'])
    shutil.rmtree(volumes_dir)
    return figures


def tracked_incrementals(args, run, scratch, volume, ids, full):
    """The 1 %-changed tracked incremental (checked by a restore), then
    one with nothing changed; the volume already holds the 1 % rewrite."""
    figures = {}
    base, parent = full['snapshot'], ids[-1]
    expected = file_sha256(volume)
    for phase in ('tracked_incremental', 'tracked_unchanged'):
        ids.append('bench-%s-%d' % (phase.replace('_', '-'), run))
        figures[phase] = run_phase(
            args, 'tracked', ids[-1], parent=parent,
            container=full['container'], volumes_dir=os.path.dirname(volume),
            snapshot='%s-%d' % (phase, run), base=base)
        if figures[phase]['read']['mode'] != 'tracked':
            sys.exit('%s of run %d read the whole volume: %s'
                     % (phase, run, figures[phase]['read']))
        base, parent = figures[phase]['snapshot'], ids[-1]
    target = os.path.join(scratch, 'restored')
    run_phase(args, 'restore', ids[-2], target=target,
              container=full['container'])
    if file_sha256(target) != expected:
        sys.exit('restore of the tracked incremental of run %d differs from '
                 'the volume' % run)
    os.unlink(target)
    return figures


def summarize(args, runs):
    size = args.size
    data = args.sparse_data or size

    def median(getter):
        return statistics.median(getter(r) for r in runs)

    def mbps(seconds, nbytes=size):
        return round(nbytes / seconds / 1e6, 1)

    cp = median(lambda r: r['cp'])
    out = {
        'driver': args.driver, 'runs': len(runs), 'volume_bytes': size,
        'data_bytes': data, 'cpus': os.cpu_count(),
        # Other work on the machine skews every figure; say how much.
        'load_average_1min_max': max(r['load'] for r in runs),
        'caches_dropped': all(r['caches_dropped'] for r in runs),
        'cp': {'seconds': round(cp, 3), 'MBps': mbps(cp)},
        'cp_then_sync': {'seconds': round(median(lambda r: r['cp_sync']), 3),
                         'MBps': mbps(median(lambda r: r['cp_sync']))},
        'read_only': {'seconds': round(median(lambda r: r['read']), 3),
                      'MBps': mbps(median(lambda r: r['read']))},
        'read_sha256': {'seconds': round(median(lambda r: r['sha256']), 3),
                        'MBps': mbps(median(lambda r: r['sha256']))},
    }
    for phase in ('full', 'restore', 'incremental', 'dense', 'tracked_full',
                  'tracked_incremental', 'tracked_unchanged'):
        if phase not in runs[0]:
            continue
        nbytes = data if phase == 'dense' else size
        seconds = median(lambda r: r[phase]['seconds'])
        cpu = median(lambda r: r[phase]['cpu_seconds'])
        figures = {
            'seconds': round(seconds, 3), 'MBps': mbps(seconds, nbytes),
            'ratio_to_cp': round(cp / seconds, 2),
            'peak_rss_mib': round(max(r[phase]['peak_rss_mib']
                                      for r in runs), 1),
            'cpu_seconds': round(cpu, 2),
            'cpu_utilisation': round(cpu / seconds / os.cpu_count(), 2),
        }
        if 'stored_bytes' in runs[0][phase]:
            stored = median(lambda r: r[phase]['stored_bytes'])
            figures.update(stored_bytes=int(stored),
                           stored_fraction=round(stored / nbytes, 4),
                           objects=int(median(lambda r: r[phase]['objects'])))
        out[phase] = figures
    out['incremental']['time_vs_cp'] = round(
        out['incremental']['seconds'] / cp, 2)
    # An incremental reads the whole volume to find what changed: reading
    # alone is its floor, whatever the engine does.
    out['incremental']['time_vs_read_only'] = round(
        out['incremental']['seconds'] / out['read_only']['seconds'], 2)
    for phase in ('tracked_incremental', 'tracked_unchanged'):
        if phase in out:
            out[phase]['time_vs_cp'] = round(out[phase]['seconds'] / cp, 3)
            out[phase]['read'] = runs[-1][phase]['read']
            # Where its time went (last run): snapshot, its identity, the
            # comparison with the base, the engine's backup.
            out[phase]['steps'] = runs[-1][phase]['steps']
    if 'dense' in out:
        out['sparse_vs_dense_time'] = round(
            out['full']['seconds'] / out['dense']['seconds'], 2)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=parse_size, default=1024 * MiB,
                        help='volume size, e.g. 1G (default), 10G, 100M')
    parser.add_argument('--sparse-data', type=parse_size, default=0,
                        help='make the volume sparse with this much data')
    parser.add_argument('--driver', choices=('posix', 'swift'),
                        default='posix')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--seed', type=int, default=4)
    parser.add_argument('--workdir', default=None,
                        help='where the volume, copies and the POSIX store '
                             'go (default: a temporary directory in /tmp)')
    parser.add_argument('--option', action='append', default=[],
                        metavar='NAME=VALUE',
                        help='driver option override, repeatable, e.g. '
                             'backup_chunk_size=8388608')
    parser.add_argument('--swift-url', help='tempauth v1 auth URL')
    parser.add_argument('--swift-user', help='e.g. test:tester')
    parser.add_argument('--swift-key')
    parser.add_argument('--no-drop-caches', action='store_true',
                        help='never drop the page cache (figures then '
                             'measure cached reads; for smoke tests on a '
                             'shared machine)')
    parser.add_argument('--tracked', action='store_true',
                        help='add the changed-block tracking phases; '
                             '--workdir must be on XFS (reflink=1) or '
                             'btrfs')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    global DROP_CACHES
    DROP_CACHES = not args.no_drop_caches
    if args.child:
        sys.path.insert(0, REPO)
        return child_phase(json.loads(args.child))
    scratch = tempfile.mkdtemp(prefix='backup-bench-', dir=args.workdir)
    args.store = os.path.join(scratch, 'store')
    try:
        runs = [one_run(args, run, scratch) for run in range(args.runs)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(summarize(args, runs)))


if __name__ == '__main__':
    main()
