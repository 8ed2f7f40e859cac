"""Console scripts that cannot start say why in one line, with the
documented exit code (doc/configuration.rst), and no traceback: without a
config file every command looks for the same state under
~/.local/share/backupd (here an empty HOME).

Runs the real console scripts; the MariaDB case uses the real server.
"""
import concurrent.futures
import os
import subprocess
import sys
import uuid

import pytest

BIN = os.path.dirname(sys.executable)
CONFIG, DATABASE = 2, 5


@pytest.fixture
def home(tmp_path):
    path = tmp_path / 'home'
    path.mkdir()
    return path


def run(home, *argv):
    env = dict(os.environ, HOME=str(home))
    env.pop('XDG_CONFIG_HOME', None)
    return subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]),
                          capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=120, cwd=home)


def run_all(home, *argvs):
    """Independent commands at once (each start costs seconds)."""
    with concurrent.futures.ThreadPoolExecutor(len(argvs)) as pool:
        return list(pool.map(lambda argv: run(home, *argv), argvs))


def assert_one_line(result, code, *words):
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert 'Traceback' not in output and result.stdout == '', output
    assert len(result.stderr.strip().splitlines()) == 1, output
    for word in words:
        assert word in result.stderr, output


def write(path, text):
    path.write_text(text)
    return str(path)


def test_no_database_in_the_shared_default_state(home):
    db = str(home / '.local' / 'share' / 'backupd' / 'backupd.sqlite')
    for result in run_all(home, ('backupd-manage', 'backup', 'verify', '--all'),
                          ('backupd-scrubber', '--list-pending'),
                          ('backupd-manage', 'db', 'version'),
                          ('backupd-volume',)):
        assert_one_line(result, DATABASE, db, 'db sync',
                        'no config file found')
    assert not os.path.exists(db)       # nothing created as a side effect
    # db sync creates it where every command then finds it
    assert run(home, 'backupd-manage', 'db', 'sync').returncode == 0
    listing = run(home, 'backupd-scrubber', '--list-pending')
    assert listing.returncode == 0 and 'Traceback' not in listing.stderr
    verify = run(home, 'backupd-manage', 'backup', 'verify', '--all')
    assert verify.returncode == 0, verify.stderr
    assert '0 backup(s) verified' in verify.stdout


def test_config_file_missing_malformed_or_with_a_bad_value(home, tmp_path):
    missing = str(tmp_path / 'nope.conf')
    malformed = write(tmp_path / 'bad.conf', '[DEFAULT\n')
    bad_value = write(tmp_path / 'port.conf',
                      '[DEFAULT]\nosapi_volume_listen_port = eighty\n')
    results = run_all(
        home, ('backupd-scrubber', '--config-file', missing),
        ('backupd-manage', '--config-file', malformed, 'db', 'version'),
        ('backupd-all', '--config-file', bad_value),
        # a wrong option or argument: one line, not argparse's whole usage
        ('backupd-all', '--bogus'),
        ('backupd-manage', 'backup', 'verfy'))
    assert_one_line(results[0], CONFIG, missing, 'not found')
    assert_one_line(results[1], CONFIG, malformed)
    assert_one_line(results[2], CONFIG, '[DEFAULT] osapi_volume_listen_port',
                    bad_value, "'eighty'")
    assert_one_line(results[3], CONFIG, '--bogus', 'backupd-all --help')
    assert_one_line(results[4], CONFIG, "'verfy'", "'verify'")


def test_schema_behind_or_database_missing_on_the_server(home, tmp_path):
    old = write(tmp_path / 'old.conf', '[database]\nconnection = sqlite:///%s\n'
                % (tmp_path / 'old.sqlite'))
    assert run(home, 'backupd-manage', '--config-file', old,
               'db', 'sync', '0003').returncode == 0
    assert_one_line(run(home, 'backupd-scrubber', '--config-file', old),
                    DATABASE, 'revision 0003', 'db sync')
    absent = write(tmp_path / 'mysql.conf',
                   '[database]\nconnection = mysql+pymysql://root@127.0.0.1/'
                   'absent_%s\n' % uuid.uuid4().hex[:8])
    assert_one_line(run(home, 'backupd-manage', '--config-file', absent,
                        'service', 'list'), DATABASE, 'Unknown database',
                    'db sync')
