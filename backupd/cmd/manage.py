"""backupd-manage: operator commands (db sync/version, service list)."""
import sys

from oslo_config import cfg
import prettytable

from backupd.cmd import common
from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import migration
from backupd import servicegroup


def db_sync(conf, args):
    migration.upgrade(db.get_engine(), args.version or 'head')
    print('Database is at revision %s' % migration.version(db.get_engine()))


def db_version(conf, args):
    print(migration.version(db.get_engine()) or 'None (empty database)')


def service_list(conf, args):
    table = prettytable.PrettyTable(
        ['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At', 'Reason'])
    for svc in db.service_get_all(backupd_context.get_admin_context()):
        reason = servicegroup.why_down(svc, conf)
        table.add_row([svc.binary, svc.host, svc.availability_zone,
                       'disabled' if svc.disabled else 'enabled',
                       'down' if reason else 'up',
                       servicegroup.last_seen(svc), reason or ''])
    print(table)


COMMANDS = {
    'db': {'sync': db_sync, 'version': db_version},
    'service': {'list': service_list},
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


CATEGORY_OPT = cfg.SubCommandOpt('category', title='Commands',
                                 handler=_add_parsers,
                                 help='db sync|version, service list')


def main(argv=None):
    common.CONF.register_cli_opt(CATEGORY_OPT)
    conf = common.prepare('backupd-manage', argv=argv, with_bus=False)
    category = conf.category
    COMMANDS[category.name][category.action](conf, category)
    return 0


if __name__ == '__main__':
    sys.exit(main())
