"""A backupd process does not import, before it serves, what only some
deployments or commands need (doc/contributor/testing.rst, Keep a process
start cheap): the tests start some 300 of them, and each module a start
loads costs every one of them its import time.

One child process, set up as backupd-all is (``common.prepare`` on SQLite
and ``fake://``, then ``all.build``, all of a start but serving, on a
database already at head), reports what it loaded; then it is told its
database is PostgreSQL and reports whether psycopg2 was made green, as a
plain ``eventlet.monkey_patch()`` made it at import before. Nothing is
mocked.
"""
import json
import subprocess
import sys
import textwrap

from oslo_utils import strutils

from backupd import utils
from tests.fixtures import schema_template

CHILD = textwrap.dedent('''
    import json
    import sys

    import backupd.cmd.manage
    manage = set(sys.modules)

    import backupd.cmd
    from backupd.cmd import all as all_cmd
    from backupd.cmd import common
    import backupd.cmd.scrubber  # noqa: F401
    imported = set(sys.modules)

    conf = common.prepare('backupd-all', argv=['--config-file', sys.argv[1]],
                          defaults=all_cmd.EMBEDDED_DEFAULTS,
                          default_transport_url='fake://')
    prepared = set(sys.modules)
    all_cmd.build(conf)
    built = set(sys.modules)

    from oslo_messaging import opts
    listed = [o.name for group, opts in opts.list_opts() if group is None
              for o in opts]
    registered = [o.name for opts in common.MESSAGING_DEFAULT_OPTS
                  for o in opts]

    conf.set_override('connection', 'postgresql+psycopg2://u@127.0.0.1/x',
                      group='database')
    backupd.cmd.green_psycopg2(conf)
    from eventlet import patcher
    import psycopg2.extensions
    print(json.dumps({
        'manage': sorted(manage), 'imported': sorted(imported),
        'prepared': sorted(prepared), 'built': sorted(built),
        'listed': listed, 'registered': registered,
        'thread_patched': patcher.is_monkey_patched('thread'),
        'psycopg_patched': patcher.is_monkey_patched('psycopg'),
        'wait_callback': repr(psycopg2.extensions.get_wait_callback()),
    }))
''')

# What a process on SQLite and fake:// never needs: the rabbit driver
# (kombu, amqp; oslo_messaging.opts imports it), psycopg2, and oslo.utils'
# strutils (its regular expressions; processutils imports it); and on a
# database at head, alembic (and mako, pygments through mako's plugin),
# which only a migration needs (backupd.db.migration.sync).
NOT_AT_START = ('kombu', 'amqp', 'yaml', 'oslo_messaging.opts',
                'oslo_messaging._drivers.impl_rabbit', 'psycopg2',
                'oslo_utils.strutils', 'oslo_concurrency.processutils',
                'alembic', 'mako', 'pygments')


def test_a_start_loads_only_what_it_needs(tmp_path):
    config = tmp_path / 'backupd.conf'
    # port 0: the API binds a port of its own in build
    config.write_text('[DEFAULT]\nstate_path = %s\n'
                      'osapi_volume_listen_port = 0\n' % tmp_path)
    schema_template.copy_to(str(tmp_path))     # at head
    done = subprocess.run([sys.executable, '-c', CHILD, str(config)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    for stage in ('manage', 'imported', 'prepared', 'built'):
        loaded = set(seen[stage]) & set(NOT_AT_START)
        assert not loaded, '%s: %s' % (stage, sorted(loaded))
    # backupd-manage's service list or db sync do not load the backup
    # manager and its drivers' engine (backup verify does).
    assert 'backupd.manager.backup.manager' not in seen['manage']
    assert 'backupd.manager.backup.manager' in seen['imported']

    # The [DEFAULT] options of oslo.messaging that every binary registers
    # before parsing are exactly the ones its opts.list_opts() names.
    assert seen['registered'] == seen['listed']

    # Patched as before: everything at import, psycopg2 once the database
    # is PostgreSQL.
    assert seen['thread_patched'] and seen['psycopg_patched']
    assert 'eventlet_wait_callback' in seen['wait_callback']


def test_mask_url_masks_what_mask_password_masks():
    # mask_url skips strutils for a URL without key=value parameters (the
    # start test above checks it stays unloaded); with them, strutils masks.
    url = 'mysql+pymysql://u:pw@h/db?charset=utf8&token=abc'
    assert utils.mask_url(url) == (
        'mysql+pymysql://u:***@h/db?charset=utf8&token=***')
    plain = 'sqlite:////var/lib/backupd/backupd.sqlite'
    assert utils.mask_url(plain) == strutils.mask_password(plain) == plain
