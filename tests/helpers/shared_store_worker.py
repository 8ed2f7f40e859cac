"""One backup driver operation in a process of its own, for the randomized
crash test (tests/functional/test_shared_store_random.py), which kills it
with SIGKILL at a random moment.

Usage: python -m tests.helpers.shared_store_worker '<json>' where the JSON
is {"driver": "posix" | "swift", "options": {...}, "op": ..., ...}:

* ``backup``: ``id``, ``volume_id``, ``project``, ``path``, ``parent``
  (a backup id or null), ``cancel_after`` (progress calls before it
  cancels itself, then deletes itself: a force-delete mid-creation; or
  null);
* ``delete``: ``id``, ``project``;
* ``import``: ``id`` (the new id), ``project``, ``record`` (from
  ``export_record``);
* ``collect``: ``project``.

Prints one JSON line with the outcome.
"""
import json
import sys

from oslo_config import cfg

from backupd import exception
from backupd.drivers.backup import base


def make_driver(kind, options):
    conf = cfg.ConfigOpts()
    conf([], project='backupd-test', default_config_files=[],
         default_config_dirs=[])
    if kind == 'posix':
        from backupd.drivers.backup import posix
        driver = posix.PosixBackupDriver(conf)
    else:
        from backupd.drivers.backup import swift
        driver = swift.SwiftBackupDriver(conf)
    for name, value in options.items():
        conf.set_override(name, value)
    driver.do_setup()
    return driver


def ref(job, backup_id=None):
    backup_id = backup_id or job['id']
    return base.BackupRef(
        backup_id, job.get('volume_id') or 'vol', project_id=job['project'],
        service_metadata='backup_%s/manifest' % backup_id)


def run(job):
    driver = make_driver(job['driver'], job['options'])
    op = job['op']
    if op == 'backup':
        parent = ref(job, job['parent']) if job.get('parent') else None
        calls = []

        def cancelled():
            return job.get('cancel_after') is not None and \
                len(calls) > job['cancel_after']
        new = base.BackupRef(job['id'], job['volume_id'], parent=parent,
                             project_id=job['project'])
        try:
            result = driver.backup(new, job['path'],
                                   progress=lambda d, t: calls.append(d),
                                   is_cancelled=cancelled)
        except exception.BackupCancelled:
            driver.delete_backup(ref(job))
            return {'cancelled': True}
        return {'stored_bytes': result.stored_bytes,
                'incremental': result.is_incremental}
    if op == 'delete':
        driver.delete_backup(ref(job))
        return {}
    if op == 'import':
        done = driver.import_record(
            base.BackupRef(job['id'], 'vol', project_id=job['project']),
            job['record'])
        return {'manifest': done.service_metadata}
    if op == 'collect':
        return driver.collect_garbage(None, job['project'])
    raise ValueError('unknown op %r' % op)


if __name__ == '__main__':
    print(json.dumps(run(json.loads(sys.argv[1]))))
