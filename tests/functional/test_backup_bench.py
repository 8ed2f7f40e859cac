"""tools/bench/backup_bench.py runs end to end and prints its figures.

A smoke test on a small volume, page cache left alone (this machine is
shared): the figures themselves mean nothing here, only that every phase
ran, its restore matched the volume (the tool exits non-zero otherwise) and
the JSON line carries what the issue asks the benchmark to report.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'tools', 'bench', 'backup_bench.py')
PHASE_KEYS = {'seconds', 'MBps', 'ratio_to_cp', 'peak_rss_mib',
              'cpu_seconds', 'cpu_utilisation'}


def run_bench(tmp_path, *args, env=None):
    proc = subprocess.run(
        [sys.executable, BENCH, '--runs', '1', '--no-drop-caches',
         '--workdir', str(tmp_path), *args],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.strip().splitlines()
    assert os.listdir(tmp_path) == []       # scratch space removed
    return json.loads(line)


def check_figures(out, size):
    assert out['volume_bytes'] == size and out['caches_dropped'] is False
    for key in ('cp', 'cp_then_sync', 'read_only', 'read_sha256'):
        assert out[key]['seconds'] > 0
    for phase in ('full', 'restore', 'incremental'):
        assert PHASE_KEYS <= set(out[phase]), phase
    # The mixed volume: 30% zeros are not stored, random data does not
    # shrink, so about half of it is stored; 1% of blocks changed.
    assert 0.3 * size < out['full']['stored_bytes'] < 0.8 * size
    assert out['incremental']['stored_fraction'] <= 0.02
    assert out['incremental']['time_vs_cp'] > 0
    assert out['incremental']['time_vs_read_only'] > 0


def test_posix_bench(tmp_path):
    size = 32 * 1024 * 1024
    out = run_bench(tmp_path, '--size', '32M')
    assert out['driver'] == 'posix'
    check_figures(out, size)


def test_posix_bench_sparse_volume(tmp_path):
    out = run_bench(tmp_path, '--size', '64M', '--sparse-data', '8M')
    assert out['data_bytes'] == 8 * 1024 * 1024
    assert out['full']['stored_bytes'] < 8 * 1024 * 1024
    assert out['dense']['seconds'] > 0 and out['sparse_vs_dense_time'] > 0


def test_swift_bench(tmp_path, swift):
    env = dict(os.environ, BACKUPD_BENCH_SWIFT_URL=swift.auth_url,
               BACKUPD_BENCH_SWIFT_USER=swift.user,
               BACKUPD_BENCH_SWIFT_KEY=swift.key)
    size = 32 * 1024 * 1024
    out = run_bench(tmp_path, '--driver', 'swift', '--size', '32M', env=env)
    assert out['driver'] == 'swift'
    check_figures(out, size)
    # The bench deletes its backups: nothing of theirs is left in the
    # container. The repository's key stays (written once, so later
    # backups of the project still find data by content; see
    # doc/dedup-and-gc.rst).
    left = swift.object_names('backup-bench')
    assert [name.rsplit('/', 1)[-1] for name in left] in ([], ['key']), left


def test_tracked_bench_on_xfs(xfs_dir):
    # --tracked (issue 19): a file volume driver on XFS with reflink; the
    # tool exits non-zero when a tracked incremental read everything or
    # its restore differs from the volume.
    size = 32 * 1024 * 1024
    out = run_bench(xfs_dir, '--size', '32M', '--tracked')
    check_figures(out, size)
    assert PHASE_KEYS <= set(out['tracked_full'])
    for phase in ('tracked_incremental', 'tracked_unchanged'):
        assert out[phase]['read']['mode'] == 'tracked'
        assert set(out[phase]['steps']) == {
            'snapshot', 'identity', 'changed_ranges', 'backup'}
        assert out[phase]['time_vs_cp'] > 0
    assert out['tracked_incremental']['stored_fraction'] <= 0.02
    assert out['tracked_incremental']['read']['changed_bytes'] > 0
    assert out['tracked_unchanged']['read']['changed_bytes'] == 0
