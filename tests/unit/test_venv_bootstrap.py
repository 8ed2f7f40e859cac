"""tools/venv.sh keeps ONE virtualenv for tools/run-embedded (no --test)
and tools/run-tests (--test): switching between them installs nothing and
prints nothing.

The installers (pip, which puts uv into the venv, and uv) are replaced by
stubs that record their calls (a fake, said here: a real install needs the
network); the script, its stamp and its decisions are the real ones. A real run measured 0.02 s per switch.
"""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_one_venv_serves_both_commands_silently(tmp_path):
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    calls = tmp_path / 'pip-calls'
    for tool in ('python', 'pip', 'uv'):
        path = venv / 'bin' / tool
        path.write_text('#!/bin/sh\necho "$@" >>%s\n'
                        'echo "a setuptools editable-install notice"\n'
                        % calls)
        path.chmod(0o755)

    def bootstrap(*args):
        return subprocess.run(
            [os.path.join(ROOT, 'tools', 'venv.sh')] + list(args),
            env=dict(os.environ, BACKUPD_VENV=str(venv)),
            capture_output=True, text=True, timeout=60, check=True)

    first = bootstrap('--test')
    assert first.stdout == ''
    assert len(first.stderr.splitlines()) == 1      # "installing ..."
    assert 'notice' not in first.stderr    # the installers' talk: pip.log
    assert 'notice' in (venv / 'pip.log').read_text()
    installs = calls.read_text()
    assert '-r test-requirements.txt' in installs and '-e .' in installs
    for args in ((), ('--test',), (), ()):
        again = bootstrap(*args)
        assert (again.stdout, again.stderr) == ('', '')
    assert calls.read_text() == installs            # nothing reinstalled


def test_a_refresh_keeps_the_test_requirements(tmp_path):
    venv = tmp_path / 'venv'
    shutil.copytree(os.path.join(ROOT, 'tools'), tmp_path / 'repo' / 'tools')
    for name in ('requirements.txt', 'test-requirements.txt',
                 'constraints.txt', 'setup.cfg', 'pyproject.toml'):
        shutil.copy(os.path.join(ROOT, name), tmp_path / 'repo' / name)
    (venv / 'bin').mkdir(parents=True)
    calls = tmp_path / 'pip-calls'
    for tool in ('python', 'pip', 'uv'):
        path = venv / 'bin' / tool
        path.write_text('#!/bin/sh\necho "$@" >>%s\n' % calls)
        path.chmod(0o755)

    def bootstrap(*args):
        return subprocess.run(
            [str(tmp_path / 'repo' / 'tools' / 'venv.sh')] + list(args),
            env=dict(os.environ, BACKUPD_VENV=str(venv)),
            capture_output=True, text=True, timeout=60, check=True)
    bootstrap('--test')
    with open(tmp_path / 'repo' / 'constraints.txt', 'a') as f:
        f.write('\n# a pin changed\n')
    calls.write_text('')
    bootstrap()                 # run-embedded after the change
    assert '-r test-requirements.txt' in calls.read_text()
    calls.write_text('')
    bootstrap('--test')         # then run-tests: nothing left to do
    assert calls.read_text() == ''
