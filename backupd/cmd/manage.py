"""backupd-manage: operator commands (db sync/version, service list,
backup verify)."""
import os
import sys

from oslo_config import cfg
import prettytable

from backupd import binaries
from backupd.cmd import common
from backupd.cmd import errors
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import backups as backup_db
from backupd.db import migration
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd.manager import states
from backupd import servicegroup

# Exit codes of backup verify.
VERIFY_OK, VERIFY_PROBLEMS, VERIFY_USAGE, VERIFY_NO_DRIVER = 0, 1, 2, 3
# Exit code of db sync when the schema cannot reach head (or no scripts).
DB_SYNC_FAILED = 1


def db_sync(conf, args):
    path = errors.sqlite_file(conf.database.connection)
    if path is not None:    # as backupd-all: create the state directory
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        reached = migration.upgrade(db.get_engine(), args.version or 'head')
    except migration.MigrationError as e:
        print('db sync failed: %s' % e, file=sys.stderr)
        return DB_SYNC_FAILED
    print('Database is at revision %s' % reached)


def db_version(conf, args):
    print(migration.version(db.get_engine()) or 'None (empty database)')


def service_list(conf, args):
    table = prettytable.PrettyTable(
        ['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At', 'Reason',
         'Free GiB', 'Total GiB', 'Provisioned GiB', 'Capacity At'])
    for svc in db.service_get_all(backupd_context.get_admin_context()):
        reason = servicegroup.why_down(svc, conf)
        table.add_row([binaries.shown(svc.binary), svc.host, svc.availability_zone,
                       'disabled' if svc.disabled else 'enabled',
                       'down' if reason else 'up',
                       servicegroup.last_seen(svc), reason or '']
                      + _capacity_cells(svc))
    print(table)


def _capacity_cells(svc):
    """What a volume service last reported for placement; blank for
    other services and for a volume service that never reported."""
    if svc.capacity_reported_at is None:
        return ['', '', '', '']
    return ['%.2f' % svc.free_capacity_gb, '%.2f' % svc.total_capacity_gb,
            '%.2f' % (svc.provisioned_capacity_gb or 0.0),
            svc.capacity_reported_at]


def backup_verify(conf, args):
    """Re-read and check every stored object of backups (and of the
    backups they depend on) with this host's backup driver; nothing is
    changed. One line per backup; exit 1 when any has a problem or could
    not be checked, 3 when the driver cannot be set up."""
    # Imported here: the backup manager and its drivers' engine are only
    # this command's, not every backupd-manage start's.
    from backupd.manager.backup import common as backup_common
    from backupd.manager.backup import manager as backup_manager
    ctx = backupd_context.get_admin_context()
    if bool(args.backup_ids) == bool(args.all):
        print('give backup ids or --all (the available backups of host %s)'
              % conf.host, file=sys.stderr)
        return VERIFY_USAGE
    if args.all:
        rows = backup_db.on_host(ctx, conf.host, (states.Backup.AVAILABLE,))
    else:
        try:
            rows = [backup_common.backup_row(ctx, backup_id)
                    for backup_id in args.backup_ids]
        except exception.BackupNotFound as exc:
            print('%s Nothing verified.' % exc, file=sys.stderr)
            return VERIFY_USAGE
    try:
        # do_setup only: check_for_setup_error also probes that the store
        # takes writes, and verifying only reads (a full or read-only store
        # can still be checked).
        driver = backup_manager.BackupManager(conf, conf.host).load_driver()
        driver.do_setup()
    except Exception as exc:
        print('Cannot verify on host %s: backup driver %s: %s'
              % (conf.host, conf.backup_driver, exc), file=sys.stderr)
        return VERIFY_NO_DRIVER
    # One pass: an object several backups share is read once (a damaged
    # one is named by every backup using it).
    with driver.verify_pass() as checked:
        failed = sum(not _verify_row(conf, ctx, driver, row, checked)
                     for row in rows)
    print('%d backup(s) verified, %d with problems' % (len(rows), failed))
    return VERIFY_PROBLEMS if failed else VERIFY_OK


def _verify_row(conf, ctx, driver, row, checked):
    """Print the verdict on one backup; whether it is sound."""
    from backupd.manager.backup import common as backup_common
    where = '' if row.host == conf.host else (
        ' (made on host %s: its store may not be reachable from %s)'
        % (row.host, conf.host))
    try:
        report = driver.verify(backup_common.ref_of(ctx, row), checked)
    except Exception as exc:     # e.g. the store unreachable: go on
        print('ERROR: backup %s could not be verified: %s%s'
              % (row.id, exc, where))
        return False
    print('%s: %s%s' % ('OK' if report.ok else 'FAILED',
                        report.summary(), where))
    return report.ok


# Exit code of quota check when a usage counter differs from the rows.
QUOTA_DRIFT = 1


def quota_check(conf, args):
    """Compare each project's quota usage counters with what its rows
    count (as cinder-manage quota check); nothing is changed."""
    found = quotas_db.drift(backupd_context.get_admin_context(),
                            args.project_id)
    _print_drift(found, 'would be set to')
    return QUOTA_DRIFT if found else 0


def quota_sync(conf, args):
    """Set every drifted usage counter to what the rows count."""
    found = quotas_db.sync(backupd_context.get_admin_context(),
                           args.project_id)
    _print_drift(found, 'set to')
    print('%d usage counter(s) repaired' % len(found))


def _print_drift(found, verb):
    if not found:
        print('Quota usage matches the database rows.')
        return
    table = prettytable.PrettyTable(['Project', 'Resource', 'Recorded',
                                     'Counted'])
    for row in found:
        table.add_row(row)
    print(table)
    print('%d usage counter(s) differ from the rows; they %s the counted '
          'value%s.' % (len(found), verb, '' if verb == 'set to' else
                        ' by backupd-manage quota sync'))


COMMANDS = {
    'db': {'sync': db_sync, 'version': db_version},
    'service': {'list': service_list},
    'backup': {'verify': backup_verify},
    'quota': {'check': quota_check, 'sync': quota_sync},
}


def _add_parsers(subparsers):
    for category, actions in COMMANDS.items():
        cat = subparsers.add_parser(category)
        cat_sub = cat.add_subparsers(dest='action')
        cat_sub.required = True
        for action in actions:
            p = cat_sub.add_parser(action)
            if (category, action) == ('db', 'sync'):
                p.add_argument('version', nargs='?', help='target revision')
            if category == 'quota':
                p.add_argument('--project-id', default=None,
                               help='only this project (default: all)')
            if (category, action) == ('backup', 'verify'):
                p.add_argument('backup_ids', nargs='*', metavar='BACKUP_ID')
                p.add_argument('--all', action='store_true',
                               help='every available backup of this host')


CATEGORY_OPT = cfg.SubCommandOpt('category', title='Commands',
                                 handler=_add_parsers,
                                 help='db sync|version, service list, '
                                      'backup verify, quota check|sync')


@errors.operator_errors(binaries.MANAGE)
def main(argv=None):
    common.CONF.register_cli_opt(CATEGORY_OPT)
    conf = common.prepare(binaries.MANAGE, argv=argv, with_bus=False)
    common.quiet_console(conf)
    category = conf.category
    if category.name != 'db':
        common.require_database(conf)
    elif category.action == 'version':
        errors.require_sqlite_file(conf)
    return COMMANDS[category.name][category.action](conf, category) or 0


if __name__ == '__main__':
    sys.exit(main())
