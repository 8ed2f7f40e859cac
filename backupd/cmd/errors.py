"""What an operator sees when a command cannot start: one line, no traceback.

A missing, unreadable or malformed config file, an option with a bad value,
or a database that is not there (no file, unreachable, no schema) ends the
command with one line on stderr that names the file, option or database
and the fix, and a documented exit code (doc/configuration.rst):

* ``CONFIG`` (2): the configuration or the command line is wrong;
* ``DATABASE`` (5): the database is missing, unreachable or not migrated.
"""
import functools
import os
import re
import sys

from oslo_config import cfg
from oslo_db import exception as db_exc
import sqlalchemy.engine

CONFIG, DATABASE = 2, 5

DOC = 'doc/configuration.rst'


# What an operator can fix; anything else (a bug) keeps its traceback.
_CONFIG_ERRORS = (cfg.ConfigFilesNotFoundError,
                  cfg.ConfigFilesPermissionDeniedError,
                  cfg.ConfigDirNotFoundError, cfg.ConfigFileParseError,
                  cfg.ConfigSourceValueError, cfg.RequiredOptError,
                  cfg.TemplateSubstitutionError)
_DATABASE_ERRORS = (db_exc.DBNonExistentDatabase, db_exc.DBConnectionError)


class StartupError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


OPERATOR_ERRORS = (StartupError,) + _CONFIG_ERRORS + _DATABASE_ERRORS


def operator_errors(binary):
    """Decorate a console script's ``main``: startup errors become one line
    on stderr and an exit code instead of a traceback."""
    def decorate(main):
        @functools.wraps(main)
        def wrapper(*args, **kwargs):
            try:
                return main(*args, **kwargs)
            except OPERATOR_ERRORS as e:
                error = as_startup_error(e)
                print('%s: %s' % (binary, error), file=sys.stderr)
                return error.code
        return wrapper
    return decorate


def as_startup_error(error):
    if isinstance(error, StartupError):
        return error
    if isinstance(error, cfg.ConfigFilesNotFoundError):
        return StartupError(
            'config file %s not found; give an existing file with '
            '--config-file, or none at all to use the defaults (%s).'
            % (', '.join(error.config_files), DOC), CONFIG)
    if isinstance(error, cfg.ConfigFilesPermissionDeniedError):
        return StartupError(
            'config file %s cannot be read (permission denied); run as a '
            'user who can read it, or fix its mode.'
            % ', '.join(error.config_files), CONFIG)
    if isinstance(error, cfg.ConfigDirNotFoundError):
        return StartupError('config directory %s not found; give an existing '
                            'one with --config-dir.' % error.config_dir,
                            CONFIG)
    if isinstance(error, _CONFIG_ERRORS):
        return StartupError('%s; fix the configuration (every option: '
                            'etc/backupd/backupd.conf.sample).' % error,
                            CONFIG)
    inner = error.inner_exception
    return StartupError(
        'cannot open the database: %s; check [database] connection (create '
        'the database if needed, then run "backupd-manage db sync").'
        % getattr(inner, 'orig', inner), DATABASE)


def check_option_values(conf):
    """Read every registered option once, so a bad value in a config file
    stops the command now, naming option and file, rather than later in
    whichever thread reads it first. Options registered later (by a driver
    or library when it loads) are checked when they are read."""
    for name in list(conf):
        value = _read(conf, 'DEFAULT', name)
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for opt in list(value):
                _read(value, name, opt)


def _read(namespace, section, name):
    try:
        return getattr(namespace, name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return None             # a section of options not registered yet
    except cfg.ConfigSourceValueError as e:
        # oslo.config says where only inside its message.
        found = _VALUE_ERROR.search(str(e))
        where, reason = found.groups() if found else ('?', str(e))
        raise StartupError(
            'option [%s] %s in %s is not valid: %s; fix it (its meaning and '
            'values: etc/backupd/backupd.conf.sample).'
            % (section, name, where, reason), CONFIG)


_VALUE_ERROR = re.compile(r"detail='(.*?)'\) is not valid: (.*)$", re.S)


def sqlite_file(connection):
    """The file of a SQLite URL, or None (another database, or in memory)."""
    url = sqlalchemy.engine.make_url(connection)
    if not url.drivername.startswith('sqlite') or not url.database or \
            url.database == ':memory:':
        return None
    return url.database


def require_sqlite_file(conf):
    """A SQLite database file that is not there is reported before
    anything connects: connecting would create it empty."""
    path = sqlite_file(conf.database.connection)
    if path is not None and not os.path.exists(path):
        raise StartupError(
            'no database at %s: state_path is %s (%s). Start backupd-all '
            'once, or run "backupd-manage db sync", or give the '
            'deployment\'s config with --config-file.'
            % (path, conf.state_path, origin(conf)), DATABASE)


def check_database(conf, version, head):
    """Raise StartupError unless the database exists and is at ``head``;
    ``version()`` reads its current revision (None: no schema)."""
    require_sqlite_file(conf)
    current = version()
    if current != head:
        raise StartupError(
            'the database %s (%s) is at schema revision %s, this backupd '
            'needs %s: run "backupd-manage db sync" (backupd-all does it at '
            'start).' % (conf.database.connection, origin(conf),
                         current or 'none (empty database)', head),
            DATABASE)


def origin(conf):
    """Where the configuration came from, for messages."""
    if conf.config_file or conf.config_dir:
        return 'config: %s' % ', '.join(
            list(conf.config_file) + list(conf.config_dir or []))
    return 'no config file found, defaults used'
