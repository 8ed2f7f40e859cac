"""What every console script does first: config, logging, database, bus."""
import contextlib
import io
import sys

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_messaging.rpc import client as messaging_client
from oslo_messaging.rpc import dispatcher as messaging_dispatcher
from oslo_messaging import server as messaging_server
from oslo_messaging import transport as messaging_transport
from oslo_service import service as os_service

import backupd.cmd
from backupd.cmd import errors
from backupd.conf import CONF
from backupd.conf import opts as conf_opts
from backupd.db import api as db
from backupd.db import migration
from backupd import hub
from backupd import rpc
from backupd import version


# oslo.messaging's [DEFAULT] options: the lists its opts.list_opts() gives
# for group None, taken from the modules that define them (loaded with
# oslo_messaging anyway). opts itself imports every driver (impl_rabbit:
# kombu, amqp, yaml; kafka's options), a tenth of a second at each start
# that a fake:// process never needs (tests/unit/test_cmd_imports.py
# checks the two lists stay equal).
MESSAGING_DEFAULT_OPTS = (messaging_server._pool_opts,
                          messaging_client._client_opts,
                          messaging_transport._transport_opts,
                          messaging_dispatcher._dispatcher_opts)


def register_messaging_opts(conf):
    """Register oslo.messaging's [DEFAULT] options now, so defaults can be set."""
    for opts in MESSAGING_DEFAULT_OPTS:
        conf.register_opts(opts)


def prepare(binary, argv=None, defaults=None, with_bus=True,
            default_transport_url=None):
    """Parse config and set up logging, database and (optionally) the bus.

    ``defaults`` maps option names to defaults this binary prefers (the
    embedded ``backupd-all`` uses it); config files still win. Likewise
    ``default_transport_url`` is used unless transport_url is configured.
    """
    logging.register_options(CONF)
    oslo_messaging.set_transport_defaults('backupd')
    register_messaging_opts(CONF)
    conf_opts.set_defaults(CONF)
    for name, value in (defaults or {}).items():
        CONF.set_default(name, value)
    parse_command_line(binary, sys.argv[1:] if argv is None else argv)
    errors.check_option_values(CONF)
    backupd.cmd.green_psycopg2(CONF)
    logging.setup(CONF, 'backupd')
    # Native threads and the hub: logging, garbage collection (hub.py).
    hub.install()
    db.configure(CONF)
    if with_bus:
        url = None
        if (default_transport_url and CONF.get_location('transport_url')
                .location == cfg.Locations.opt_default):
            url = default_transport_url
        rpc.init(CONF, '%s.%s' % (binary, CONF.host), url=url)
    return CONF


def parse_command_line(binary, argv):
    """CONF(argv), with a wrong option or argument reported in one line
    (argparse would print the whole usage first)."""
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            CONF(argv, project='backupd', prog=binary,
                 version=version.VERSION)
    except SystemExit as e:
        said = captured.getvalue().strip().splitlines()
        if e.code != 2 or not said:
            sys.stderr.write(captured.getvalue())
            raise
        raise errors.StartupError('%s; see %s --help' % (
            said[-1].split(': error: ', 1)[-1], binary), errors.CONFIG)
    sys.stderr.write(captured.getvalue())


def require_database(conf):
    """Stop with one line (exit 5) unless the database exists and has the
    schema this code needs."""
    try:
        head = migration.head()
    except migration.MigrationError as exc:
        raise errors.StartupError(str(exc), errors.DATABASE) from None
    errors.check_database(conf, lambda: migration.version(db.get_engine()),
                          head)


def quiet_console(conf):
    """One-shot commands (backupd-manage, a scrubber run): what they print
    is their output, so their INFO log lines stay off the terminal unless
    asked for (--debug) or sent elsewhere (log_file, syslog, journal)."""
    if not (conf.debug or conf.log_file or conf.use_syslog or
            conf.use_journal):
        import logging as stdlib_logging
        stdlib_logging.getLogger().setLevel(stdlib_logging.WARNING)


def launch(services, workers=None):
    """Run services until SIGTERM/SIGINT; returns the exit code."""
    if workers and workers > 1:
        launcher = os_service.ProcessLauncher(CONF, restart_method='mutate')
        for svc in services:
            launcher.launch_service(svc, workers=workers)
    else:
        launcher = os_service.ServiceLauncher(CONF, restart_method='mutate')
        for svc in services:
            launcher.launch_service(svc)
    return launcher.wait() or 0


def cfg_exit(message, code=2):
    print(message, file=sys.stderr)
    return code


__all__ = ['CONF', 'cfg', 'prepare', 'launch', 'require_database']
