"""backupd-scrubber's command line without services: usage errors, the lock
held by another process, an empty listing. Runs the real console script on
a private SQLite database."""
import os
import sys

from oslo_config import cfg
import pytest

from backupd.manager.scrub import lock
from tests.fixtures import services

BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope='module')
def conf_file(tmp_path_factory):
    """One config and database for the module: no test changes the
    database (its scrubs find nothing); the schema is made in this
    process (services.sync_schema), not by a backupd-manage per test."""
    state = tmp_path_factory.mktemp('scrubber-cli')
    path = state / 'backupd.conf'
    url = 'sqlite:///%s' % (state / 'backupd.sqlite')
    path.write_text('[DEFAULT]\nstate_path = %s\nbackup_driver = posix\n'
                    '[database]\nconnection = %s\n' % (state, url))
    services.sync_schema(url)
    return path


def _scrubber(conf_file, *args):
    return services.run_script(
        [os.path.join(BIN, 'backupd-scrubber'), '--config-file',
         str(conf_file)] + list(args))


@pytest.mark.parametrize('other', ['--daemon', '--list-pending'])
def test_restore_runs_alone(conf_file, other):
    result = _scrubber(conf_file, '--restore', 'b-1', other)
    assert result.returncode == 2
    assert '--restore cannot be combined with %s' % other in result.stderr


def test_refused_while_another_process_holds_the_lock(conf_file):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.StrOpt('state_path')])
    conf.register_opts([cfg.StrOpt('lock_path')], group='oslo_concurrency')
    conf([], default_config_files=[])
    conf.set_override('state_path', str(conf_file.parent))
    held = lock.acquire(conf)      # this test process is "the scrubber"
    try:
        for args in (('--restore', 'b-1'), (), ('--daemon',)):
            result = _scrubber(conf_file, *args)
            assert result.returncode == 3, result.stderr
            assert 'A scrubber is running' in result.stderr
            assert lock.NAME in result.stderr
            assert "b'" not in result.stderr    # a path, not bytes repr
    finally:
        lock.release(held)
    assert _scrubber(conf_file).returncode == 0


def test_empty_listing_and_run(conf_file):
    listed = _scrubber(conf_file, '--list-pending')
    assert listed.returncode == 0, listed.stderr
    assert 'Restorable until' in listed.stdout
    once = _scrubber(conf_file)
    assert once.returncode == 0, once.stderr
    assert 'scrubbed 0 backup(s)' in once.stdout
