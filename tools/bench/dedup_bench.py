#!/usr/bin/env python3
"""Benchmark of the shared data layout (issue 18); prints ONE JSON line.

In one run, on the same store and machine:

1. ``backup_bench.py``'s phases (``cp``, full backup, restore, 1 %-changed
   incremental, with peak RSS), ``--runs`` times;
2. **clone**: a full backup of the volume, then the first full backup of
   an exact copy of it (another volume, same project): what the copy
   stores, as a fraction of the volume (target <= 2 %), and its restore
   checked byte-exact;
3. **chain**: that full backup and ``--chain - 1`` incrementals, 1 % of the
   32 KiB blocks rewritten at random before each; the full backup is
   deleted (its delete runs a collection), then a collection: bytes stored
   in the repository against the bytes the survivors reference (target
   <= 1.1x), the newest survivor restored byte-exact;
4. **many**: ``--many`` backups (incrementals of a ``--many-size`` volume,
   0.5 % rewritten before each) in one repository, then a collection over
   all of them (nothing to delete) and, after half their manifests and refs
   are dropped (what a delete does before collecting), one that sweeps:
   peak RSS of each collection (target < 300 MiB);
5. **sweep**: for each count of ``--sweep`` (default 20,000 and 200,000),
   a repository holding that many small unreferenced ``c_`` objects and
   one collection that sweeps them all: its peak RSS must stay flat as the
   count grows (the listing is streamed, the marks are on disk). POSIX
   objects are written as files directly (the driver's layout, without its
   fsync per object); on Swift through the driver.

Every engine phase runs in a child process, so its peak RSS and CPU are its
own. Examples::

    tools/bench/dedup_bench.py
    tools/bench/dedup_bench.py --runs 3 --chain 30 --many 1000
    tools/bench/dedup_bench.py --only-sweep --sweep 20000,200000
    tools/bench/dedup_bench.py --driver swift --swift-url \\
        http://127.0.0.1:8080/auth/v1.0 --swift-user test:tester \\
        --swift-key testing
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backup_bench as bench   # noqa: E402  (the shared phases and helpers)

MiB = bench.MiB
PROJECT = 'bench-project'


# --- child phases ------------------------------------------------------------

def _ref(backup_id, parent=None):
    from backupd.drivers.backup import base
    return base.BackupRef(backup_id, 'bench-volume', parent=parent,
                          project_id=PROJECT)


def _repository(driver):
    from backupd.drivers.backup.engine import repository
    return repository.Repository(driver, driver.default_container,
                                 repository.name_for(PROJECT))


def child_phase(spec):
    driver = bench.make_driver(spec)
    phase = getattr(sys.modules[__name__], '_child_' + spec['phase'])
    bench.print_measured(lambda: phase(driver, spec))


def _child_backup(driver, spec):
    parent = _ref(spec['parent']) if spec.get('parent') else None
    result = driver.backup(_ref(spec['backup_id'], parent), spec['volume'])
    return {'stored_bytes': result.stored_bytes,
            'objects': result.object_count,
            'incremental': result.is_incremental}


def _child_restore(driver, spec):
    driver.restore(_ref(spec['backup_id']), spec['target'])
    return {}


def _child_delete(driver, spec):
    driver.delete_backup(_ref(spec['backup_id']))
    return {}


def _child_collect(driver, spec):
    return {'report': driver.collect_garbage(None, PROJECT)}


def _child_usage(driver, spec):
    """Bytes of every data object of the repository (HEAD each)."""
    from backupd.drivers.backup.engine import repository
    repo = _repository(driver)
    total = count = 0
    for kind in repository.DATA_KINDS:
        for name in repo.list(kind):
            total += driver.head_object(driver.default_container, name) or 0
            count += 1
    return {'stored_bytes': total, 'objects': count}


def _child_many(driver, spec):
    """``count`` incrementals of one small volume, in this process."""
    parent = None
    for n in range(spec['count']):
        bench.rewrite_blocks(spec['volume'], 0.005, seed=spec['seed'] + n)
        ref = _ref('many-%05d' % n, parent)
        driver.backup(ref, spec['volume'])
        parent = ref
    return {}


def _child_drop_roots(driver, spec):
    """What a delete does before its collection, for every other backup:
    its manifest, then its ref."""
    repo = _repository(driver)
    for n in range(0, spec['count'], 2):
        backup_id = 'many-%05d' % n
        driver.delete_object(driver.default_container,
                             'backup_%s/manifest' % backup_id)
        repo.delete(repo.ref_name(backup_id))
    return {}


def _child_fill(driver, spec):
    """``count`` small unreferenced ``c_`` objects in the repository (and
    its key, so that a collection runs)."""
    import hashlib
    repo = _repository(driver)
    repo.key
    container = driver.default_container
    names = (repo.prefix + 'c_' + hashlib.sha256(b'%d' % n).hexdigest()
             for n in range(spec['count']))
    if spec['driver'] != 'posix':
        for name in names:
            driver.put_object(container, name, b'x' * 64)
        return {}
    directory = os.path.dirname(driver._path(container, repo.prefix + 'key'))
    for name in names:
        with open(os.path.join(directory, name.split('/')[1]), 'wb') as f:
            f.write(b'x' * 64)
    return {}


def phase(args, name, **spec):
    spec = dict(spec, driver=args.driver,
                options=bench.driver_options(args), phase=name)
    proc = subprocess.run([sys.executable, os.path.abspath(__file__),
                           '--child', json.dumps(spec)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the dedup phases ----------------------------------------------------------

def clone_and_chain(args, scratch):
    volume = os.path.join(scratch, 'origin')
    bench.build_volume(volume, args.size, args.size, args.seed + 7)
    out = {}
    full = phase(args, 'backup', backup_id='dd-full', volume=volume)
    clone = os.path.join(scratch, 'clone')
    shutil.copyfile(volume, clone)
    copy = phase(args, 'backup', backup_id='dd-clone', volume=clone)
    target = os.path.join(scratch, 'restored')
    phase(args, 'restore', backup_id='dd-clone', target=target)
    if bench.file_sha256(target) != bench.file_sha256(clone):
        sys.exit('restore of the clone differs from it')
    os.unlink(target)
    os.unlink(clone)
    out['clone'] = {
        'full_stored_bytes': full['stored_bytes'],
        'clone_stored_bytes': copy['stored_bytes'],
        'clone_stored_fraction': round(copy['stored_bytes'] / args.size, 5),
        'clone_seconds': round(copy['seconds'], 3),
        'clone_peak_rss_mib': round(copy['peak_rss_mib'], 1)}
    phase(args, 'delete', backup_id='dd-clone')

    parent, stored = 'dd-full', []
    for n in range(1, args.chain):
        bench.rewrite_blocks(volume, 0.01, seed=args.seed + 2000 + n)
        backup_id = 'dd-incr-%02d' % n
        done = phase(args, 'backup', backup_id=backup_id, volume=volume,
                     parent=parent)
        stored.append(done['stored_bytes'])
        parent = backup_id
    before = phase(args, 'usage')
    deleted = phase(args, 'delete', backup_id='dd-full')
    collected = phase(args, 'collect')
    after = phase(args, 'usage')
    referenced = collected['report']['referenced_bytes']
    phase(args, 'restore', backup_id=parent, target=target)
    if bench.file_sha256(target) != bench.file_sha256(volume):
        sys.exit('restore of the newest incremental differs from the volume')
    os.unlink(target)
    out['chain'] = {
        'backups': args.chain,
        'incremental_stored_fraction_median': round(
            sorted(stored)[len(stored) // 2] / args.size, 4),
        'incremental_stored_fraction_max': round(max(stored) / args.size, 4),
        'stored_before_delete': before['stored_bytes'],
        'delete_full_seconds': round(deleted['seconds'], 3),
        'stored_after_collect': after['stored_bytes'],
        'referenced_by_survivors': referenced,
        'stored_vs_referenced': round(after['stored_bytes'] / referenced, 3),
        'collect_report': collected['report']}
    for n in range(args.chain - 1, 0, -1):
        phase(args, 'delete', backup_id='dd-incr-%02d' % n)
    os.unlink(volume)
    return out


def many(args, scratch):
    volume = os.path.join(scratch, 'small')
    bench.build_volume(volume, args.many_size, args.many_size, args.seed + 9)
    made = phase(args, 'many', volume=volume, count=args.many,
                 seed=args.seed + 5000)
    full = phase(args, 'collect')
    phase(args, 'drop_roots', count=args.many)
    sweep = phase(args, 'collect')
    usage = phase(args, 'usage')
    os.unlink(volume)
    return {'many': {
        'backups': args.many, 'volume_bytes': args.many_size,
        'make_seconds': round(made['seconds'], 1),
        'collect_all_seconds': round(full['seconds'], 2),
        'collect_all_peak_rss_mib': round(full['peak_rss_mib'], 1),
        'collect_all_report': full['report'],
        'collect_half_dropped_seconds': round(sweep['seconds'], 2),
        'collect_half_dropped_peak_rss_mib': round(sweep['peak_rss_mib'], 1),
        'collect_half_dropped_report': sweep['report'],
        'stored_after': usage['stored_bytes']}}


def sweep(args, scratch):
    """Peak RSS of a collection sweeping N unreferenced objects, per N."""
    out = []
    for count in args.sweep:
        # what earlier phases' surviving backups still reference stays
        live = phase(args, 'usage')['objects']
        phase(args, 'fill', count=count)
        swept = phase(args, 'collect')
        usage = phase(args, 'usage')
        if swept['report']['deleted_objects'] != count or \
                usage['objects'] != live:
            sys.exit('the sweep of %d objects left %d of them (report %s)'
                     % (count, usage['objects'] - live, swept['report']))
        out.append({'objects': count,
                    'seconds': round(swept['seconds'], 2),
                    'cpu_seconds': round(swept['cpu_seconds'], 2),
                    'peak_rss_mib': round(swept['peak_rss_mib'], 1)})
    return {'sweep': out}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=bench.parse_size, default=1024 * MiB)
    parser.add_argument('--driver', choices=('posix', 'swift'),
                        default='posix')
    parser.add_argument('--runs', type=int, default=1,
                        help="runs of backup_bench's phases")
    parser.add_argument('--seed', type=int, default=4)
    parser.add_argument('--chain', type=int, default=30)
    parser.add_argument('--many', type=int, default=1000)
    parser.add_argument('--many-size', type=bench.parse_size,
                        default=16 * MiB)
    parser.add_argument('--sweep', default='20000,200000',
                        type=lambda text: [int(n) for n in text.split(',')],
                        help='object counts of the sweep phase')
    parser.add_argument('--only-sweep', action='store_true',
                        help='run the sweep phase alone')
    parser.add_argument('--workdir', default=None)
    parser.add_argument('--option', action='append', default=[],
                        metavar='NAME=VALUE')
    parser.add_argument('--swift-url')
    parser.add_argument('--swift-user')
    parser.add_argument('--swift-key')
    parser.add_argument('--no-drop-caches', action='store_true')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    bench.DROP_CACHES = not args.no_drop_caches
    if args.child:
        sys.path.insert(0, bench.REPO)
        return child_phase(json.loads(args.child))
    args.sparse_data, args.tracked = 0, False
    scratch = tempfile.mkdtemp(prefix='dedup-bench-', dir=args.workdir)
    args.store = os.path.join(scratch, 'store')
    try:
        out = {}
        if not args.only_sweep:
            runs = [bench.one_run(args, run, scratch)
                    for run in range(args.runs)]
            out = bench.summarize(args, runs)
            bench.DROP_CACHES = False    # the rest measures storage, not I/O
            out.update(clone_and_chain(args, scratch))
            out.update(many(args, scratch))
        out.update(sweep(args, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
