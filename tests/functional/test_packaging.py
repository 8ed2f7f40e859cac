"""backupd as a deployer gets it: built into an sdist and a wheel, installed
into a fresh virtualenv, run from there with the source tree nowhere on
sys.path; and upgraded in place from an older release.

Every other test runs from the editable install, which reads migrations and
paste config from the source tree and so cannot see a file the package
lacks. Here the sdist is built from the tracked files only (as a fresh
clone has them), the wheel from that sdist (``python -m build``), and the
virtualenv gets backupd's dependencies from PyPI under constraints.txt (no
--system-site-packages: a missing dependency must fail here). The wheel
itself goes in with the venv's pip, as a deployer installs it.

Everything else is installed with uv, as tools/venv.sh does (with pip the
module burnt ~31 CPU-s instead of ~15, for the same files): the isolated
build environments (``build --installer uv``), and into the fresh venv
(``python -m venv --without-pip``) its dependencies and the wheels
ensurepip would have installed, running pip, for 3 CPU-s: its pip (and,
before Python 3.12, setuptools).

The upgrade starts from OLD_RELEASE, the last commit whose schema ends at
revision 0003, with this change's packaging fix added (its own wheel had no
migrations at all, so it could not be deployed from a wheel).
"""
import ensurepip
import glob
import os
import subprocess
import sys
from concurrent import futures
import tarfile
import zipfile

import pytest
import uv

from tests.fixtures import services
from tests.helpers import backup_support as bs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
OLD_RELEASE = '9b4704c3b97b81aa011bd2893b58bfe83142f7f0'
OLD_HEAD = '0003'
VERSIONS_INIT = 'backupd/db/migrations/versions/__init__.py'
CONSTRAINTS = os.path.join(REPO, 'constraints.txt')
UV = uv.find_uv_bin()


def _run(cmd, cwd, check=True, env=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL,
                          env=env or _clean_env())
    if check and proc.returncode:
        raise AssertionError('%s failed (%s):\n%s\n%s' % (
            ' '.join(map(str, cmd)), proc.returncode, proc.stdout[-3000:],
            proc.stderr[-3000:]))
    return proc


def _clean_env():
    """No PYTHONPATH or virtualenv of ours leaks into the new one. pip
    skips compiling .pyc files (most of an install's CPU time; Python
    compiles what it imports anyway)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME')}
    env['PIP_COMPILE'] = '0'   # what --no-compile sets (pip's env quirk)
    return env


def _tracked_files(commit=None):
    """Files a fresh clone has: at ``commit``, or the work tree's tracked
    and new (not ignored) files."""
    if commit:
        out = _run(['git', 'ls-tree', '-r', '--name-only', commit], REPO)
    else:
        out = _run(['git', 'ls-files', '-co', '--exclude-standard'], REPO)
    return [f for f in out.stdout.splitlines()
            if commit or os.path.isfile(os.path.join(REPO, f))]


def _export(dest, commit=None):
    """The source tree of a fresh clone (at ``commit``) in ``dest``."""
    os.makedirs(dest)
    if commit:
        if _run(['git', 'cat-file', '-e', commit + '^{commit}'], REPO,
                check=False).returncode:
            pytest.fail('commit %s (the old release) is not in this clone: '
                        'a shallow clone? git fetch --unshallow' % commit)
        tarball = dest + '.tar'
        _run(['git', 'archive', '-o', tarball, commit], REPO)
        _run(['tar', '-xf', tarball, '-C', dest], dest)
    else:
        _run(['cp', '--parents', '-t', dest] + _tracked_files(), REPO)
    return dest


def _files_under(root):
    return {os.path.relpath(os.path.join(d, f), root)
            for d, _, files in os.walk(root) for f in files}


def _build(src, outdir, *options):
    """(sdist, wheel) built the standard way: the wheel from the sdist
    (only the wheel, from the tree, with ``--wheel``)."""
    _run([sys.executable, '-m', 'build', '--installer', 'uv', '--outdir',
          outdir] + list(options) + [src], os.path.dirname(src))
    names = sorted(os.listdir(outdir))
    sdist = [os.path.join(outdir, n) for n in names if n.endswith('.tar.gz')]
    wheel = [os.path.join(outdir, n) for n in names if n.endswith('.whl')]
    assert len(wheel) == 1, names
    return (sdist or [None])[0], wheel[0]


class Venv:
    """A fresh virtualenv holding what ``python -m venv`` puts in and the
    dependencies in ``requirements``, installed with uv; commands run from
    its parent directory."""

    def __init__(self, path, requirements):
        self.path = str(path)
        self.bin = os.path.join(self.path, 'bin')
        self.python = os.path.join(self.bin, 'python')
        self.installed = None
        cwd = os.path.dirname(self.path)
        _run([sys.executable, '-m', 'venv', '--without-pip', self.path], cwd)
        # ensurepip's own wheels: what python -m venv installs with pip
        seed = glob.glob(os.path.join(
            os.path.dirname(ensurepip.__file__), '_bundled', '*.whl'))
        assert any(os.path.basename(w).startswith('pip-') for w in seed), \
            'no pip wheel in ensurepip/_bundled: %s' % seed
        _run([UV, 'pip', 'install', '-q', '--python', self.python, '-c',
              CONSTRAINTS, '-r', requirements] + seed, cwd)

    def pip(self, *args):
        _run([os.path.join(self.bin, 'pip'), 'install', '-q', '-c',
              CONSTRAINTS] + list(args), os.path.dirname(self.path))

    def install(self, wheel):
        """``wheel`` with the venv's pip, as a deployer installs it: into
        the fresh venv with whatever dependency is missing. Over another
        backupd of the same version number pip does nothing unless forced,
        and forced it reinstalls every dependency too: so forced without
        them, then every installed requirement must be met (the venv holds
        the new tree's requirements.txt, which setup.cfg makes the wheel's;
        pip resolving them again took 1.4 CPU-s, ``uv pip check`` 0.02)."""
        if self.installed == wheel:
            return
        if self.installed is None:
            self.pip(wheel)
        else:
            self.pip('--no-deps', '--force-reinstall', wheel)
            _run([UV, 'pip', 'check', '--python', self.python],
                 os.path.dirname(self.path))
        self.installed = wheel

    def manage(self, conf_path, *args, check=True):
        return _run([os.path.join(self.bin, 'backupd-manage'),
                     '--config-file', conf_path] + list(args),
                    os.path.dirname(self.path), check=check)


@pytest.fixture(scope='module')
def packages(tmp_path_factory):
    """This tree's sdist and wheel, the old release's wheel, and a fresh
    virtualenv holding the old release (the upgrade test, first in this
    module, installs the new wheel over it). The builds and the download of
    the dependencies wait mostly on the network: they run side by side."""
    work = tmp_path_factory.mktemp('packaging')
    src = _export(str(work / 'src'))
    old_src = _export(str(work / 'old-src'), OLD_RELEASE)
    with open(os.path.join(old_src, VERSIONS_INIT), 'w'):
        pass  # the packaging fix (see the module docstring)

    with futures.ThreadPoolExecutor(3) as pool:
        new = pool.submit(_build, src, str(work / 'dist'))
        old = pool.submit(_build, old_src, str(work / 'old-dist'), '--wheel')
        venv = pool.submit(Venv, work / 'venv',
                           os.path.join(src, 'requirements.txt'))
        (sdist, wheel), (_, old_wheel), venv = (
            new.result(), old.result(), venv.result())
    venv.install(old_wheel)
    return {'sdist': sdist, 'wheel': wheel, 'venv': venv,
            'files': _files_under(src), 'work': work}


def test_sdist_and_wheel_carry_every_package_file(packages):
    package_files = {f for f in packages['files']
                     if f.startswith('backupd/') and not f.endswith('.pyc')}
    assert VERSIONS_INIT in package_files
    with zipfile.ZipFile(packages['wheel']) as whl:
        in_wheel = set(whl.namelist())
    assert package_files - in_wheel == set()
    with tarfile.open(packages['sdist']) as sdist:
        root = sdist.getnames()[0].split('/')[0]
        in_sdist = {n.split('/', 1)[1] for n in sdist.getnames() if '/' in n}
    assert root == 'backupd-0.1.0'
    needed = package_files | {'requirements.txt', 'setup.cfg', 'setup.py',
                              'pyproject.toml', 'README.rst',
                              'etc/backupd/backupd.conf.sample',
                              'etc/backupd/policy.yaml.sample'}
    assert needed - in_sdist == set()


def _deployment(workdir, venv, conf=None):
    return services.Deployment(workdir, ['backupd-all'], conf,
                               bin_dir=venv.bin)


def test_upgrade_in_place_keeps_backups_and_serves(packages, tmp_path):
    """Old release: db sync, backupd-all, a backup. Services stopped, the
    new wheel installed over it, db sync to head, started again: the old
    backup restores byte-exact and new backups work."""
    venv = packages['venv']
    dep = _deployment(tmp_path / 'dep', venv)
    synced = venv.manage(dep.conf_path, 'db', 'sync')
    assert 'revision %s' % OLD_HEAD in synced.stdout
    try:
        dep.start()
        volume = bs.create_volume(dep)
        sha = bs.write_pattern(bs.volume_path(dep, volume), seed=7)
        old_backup = bs.create_backup(dep, volume)
    finally:
        dep.stop()

    venv.install(packages['wheel'])
    where = _run([os.path.join(venv.bin, 'python'), '-c',
                  'import backupd, sys; print(backupd.__file__); '
                  'print(sys.path)'], str(packages['work']))
    module_path, sys_path = where.stdout.splitlines()
    assert module_path.startswith(venv.path), module_path
    assert REPO not in sys_path, sys_path
    synced = venv.manage(dep.conf_path, 'db', 'sync')
    head = venv.manage(dep.conf_path, 'db', 'version').stdout.strip()
    assert head > OLD_HEAD and 'revision %s' % head in synced.stdout
    try:
        dep.start()
        target = bs.restore(dep, old_backup)
        bs.until(lambda: bs.volume_status(dep, target) == 'available',
                 what='restored volume available')
        assert bs.sha256_of(bs.volume_path(dep, target)) == sha
        new_backup = bs.create_backup(dep, volume)
        again = bs.restore(dep, new_backup)
        bs.until(lambda: bs.volume_status(dep, again) == 'available',
                 what='restored volume available')
        assert bs.sha256_of(bs.volume_path(dep, again)) == sha
    finally:
        dep.close()


def test_db_sync_on_mariadb_from_the_wheel(packages, tmp_path):
    venv = packages['venv']
    venv.install(packages['wheel'])
    database = services.Database('mariadb')
    try:
        dep = _deployment(tmp_path / 'dep', venv,
                          {'database': {'connection': database.url}})
        assert venv.manage(dep.conf_path, 'db', 'version').stdout.strip() \
            .startswith('None')
        synced = venv.manage(dep.conf_path, 'db', 'sync')
        head = venv.manage(dep.conf_path, 'db', 'version').stdout.strip()
        assert 'revision %s' % head in synced.stdout and head > OLD_HEAD
        dep.close()
    finally:
        database.drop()


def test_db_sync_fails_without_migration_scripts(packages, tmp_path):
    """An installation that lacks its migrations (the bug this module
    guards against) makes db sync exit 1 saying so, not 0 at revision
    None. The scripts are moved away for real and put back."""
    venv = packages['venv']
    venv.install(packages['wheel'])
    site = _run([os.path.join(venv.bin, 'python'), '-c',
                 'import backupd, os; print(os.path.dirname('
                 'backupd.__file__))'], str(tmp_path)).stdout.strip()
    versions = os.path.join(site, 'db', 'migrations', 'versions')
    aside = str(tmp_path / 'versions-aside')
    os.rename(versions, aside)
    try:
        dep = _deployment(tmp_path / 'dep', venv)
        refused = venv.manage(dep.conf_path, 'db', 'sync', check=False)
    finally:
        os.rename(aside, versions)
    assert refused.returncode == 1, refused
    assert 'No migration scripts found' in refused.stderr
    assert 'Reinstall backupd' in refused.stderr
