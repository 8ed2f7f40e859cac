"""backupd-scrubber: remove pending_delete backups, or bring one back.

  backupd-scrubber                  one scrub run (for cron), then exit
  backupd-scrubber --daemon         a scrub run every wakeup_time seconds
  backupd-scrubber --restore ID     pending_delete -> available, data kept
  backupd-scrubber --list-pending   what can still be restored, until when

Exit codes: 0 done; 1 a scrub run left failures (those backups stay
pending_delete) or the backup driver could not be set up; 2 wrong usage
(--restore with --daemon or --list-pending); 3 another scrubber is running
(it holds the scrubber lock under [oslo_concurrency] lock_path); 4 the
restore was refused (the message says why: unknown or scrubbed backup, not
pending_delete, parent pending too, stored data incomplete).
"""
import backupd.cmd  # noqa: F401  (monkey-patches first)

import sys

from oslo_config import cfg
import prettytable

from backupd import binaries
from backupd.cmd import common
from backupd.cmd import errors
from backupd import context as backupd_context
from backupd import exception
from backupd.manager.scrub import daemon
from backupd.manager.scrub import driver as scrub_driver
from backupd.manager.scrub import lock
from backupd.manager.scrub import scrub
from backupd.manager.scrub import undelete

OK, FAILED, USAGE, RUNNING, REFUSED = 0, 1, 2, 3, 4

CLI_OPTS = [
    cfg.BoolOpt('daemon', short='D', default=False,
                help='Run as a daemon: a scrub run every wakeup_time '
                     'seconds, holding the scrubber lock until stopped. '
                     'Without it, one run then exit (for cron). Exit code 3 '
                     'when another scrubber runs.'),
    cfg.StrOpt('restore', metavar='BACKUP_ID',
               help='Bring the pending_delete backup BACKUP_ID back to the '
                    'status it had before its delete (verified on the '
                    'backend first; all its metadata kept), then exit. Not '
                    'with --daemon (exit 2); refused while any scrubber runs '
                    '(exit 3) and unless the backup is pending_delete with '
                    'its data whole (exit 4).'),
    cfg.BoolOpt('list-pending', default=False,
                help='List the pending_delete backups: when each was '
                     'deleted and after when a scrubber may remove it (it '
                     'can be restored until then), then exit.'),
]


@errors.operator_errors(binaries.SCRUBBER)
def main(argv=None):
    common.CONF.register_cli_opts(CLI_OPTS)
    conf = common.prepare(binaries.SCRUBBER, argv=argv,
                          default_transport_url='fake://')
    if conf.restore and (conf.daemon or conf.list_pending):
        return common.cfg_exit(
            'backupd-scrubber: --restore cannot be combined with %s; a '
            'restore runs alone, while no scrubber runs.'
            % ('--daemon' if conf.daemon else '--list-pending'), USAGE)
    common.require_database(conf)
    if not conf.daemon:
        common.quiet_console(conf)
    context = backupd_context.get_admin_context()
    if conf.list_pending:
        return _list_pending(conf, context)
    try:
        held = lock.acquire(conf)
    except lock.ScrubberRunning as e:
        return common.cfg_exit('backupd-scrubber: %s' % e, RUNNING)
    try:
        if conf.daemon:
            return common.launch([daemon.ScrubberService(conf, held)])
        return _once(conf, context)
    finally:
        lock.release(held)


def _once(conf, context):
    try:
        driver = scrub_driver.load(conf, context)
    except exception.DriverNotInitialized as e:
        return common.cfg_exit('backupd-scrubber: %s' % e, FAILED)
    if conf.restore:
        return _restore(context, driver, conf.restore)
    report = scrub.run(conf, context, driver)
    # No next run in this process: its busy collections get one more try.
    scrub.retry_busy_collections(driver)
    print(report.summary())
    return FAILED if report.failed else OK


def _restore(context, driver, backup_id):
    try:
        row = undelete.restore(context, driver, backup_id)
    except undelete.Refused as e:
        return common.cfg_exit('backupd-scrubber: %s' % e, REFUSED)
    print('Backup %s restored: it is \'%s\' again.' % (row.id, row.status))
    return OK


def _list_pending(conf, context):
    table = prettytable.PrettyTable(
        ['Backup', 'Project', 'Volume', 'Name', 'Deleted at',
         'Restorable until', 'Waits for children'])
    for item in undelete.list_pending(conf, context):
        row = item.row
        table.add_row([row.id, row.project_id, row.volume_id,
                       row.display_name or '',
                       row.pending_delete_at.isoformat(' ', 'seconds'),
                       item.scrub_after.isoformat(' ', 'seconds'),
                       item.waits_for_children])
    print(table)
    return OK


if __name__ == '__main__':
    sys.exit(main())
