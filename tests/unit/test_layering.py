"""The dependency rules of doc/contributor/architecture.rst ("Dependency
rules"), checked on the import statements of every backupd module."""
import ast
import os

import backupd

ROOT = os.path.dirname(backupd.__file__)

# package -> modules (or packages) it may import besides its own
ALLOWED = {
    'backupd.drivers': ('backupd.exception', 'backupd.utils',
                        'backupd.names'),
    'backupd.db': ('backupd.exception',),
    'backupd.policies': ('backupd.exception',),
    'backupd.conf': ('backupd.binaries',),
    'backupd.client': ('backupd.version',),
}
# package -> what it must never import
FORBIDDEN = {
    'backupd.api': ('backupd.drivers', 'backupd.cmd'),
    'backupd.manager': ('backupd.api', 'backupd.cmd'),
}
# the only parts of backupd.manager the API may import
API_MAY_USE_OF_MANAGER = ('backupd.manager.states',
                          'backupd.manager.backup.rpcapi',
                          'backupd.manager.volume.rpcapi')
LAYERS = ('backupd.api', 'backupd.manager', 'backupd.drivers', 'backupd.cmd')


def _modules():
    for directory, _, files in os.walk(ROOT):
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, os.path.dirname(ROOT))
            module = relative[:-3].replace(os.sep, '.')
            if module.endswith('.__init__'):
                module = module[:-len('.__init__')]
            yield module, path


def _imports(path):
    """Dotted names a module imports from backupd (``from a import b``
    gives ``a.b``: b may be a module)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 \
                and node.module:
            names = ['%s.%s' % (node.module, alias.name)
                     for alias in node.names]
        else:
            continue
        for name in names:
            if name == 'backupd' or name.startswith('backupd.'):
                yield name


def _within(name, prefixes):
    return any(name == p or name.startswith(p + '.') for p in prefixes)


MODULES = sorted(_modules())


def test_the_walk_finds_every_layer():
    names = [m for m, _ in MODULES]
    assert all(any(_within(n, (layer,)) for n in names) for layer in LAYERS)


def _broken(module, name):
    """Why ``module`` may not import ``name``; None when it may."""
    for package, allowed in ALLOWED.items():
        if _within(module, (package,)) and not _within(
                name, (package,) + allowed):
            return '%s imports only %s' % (package, ', '.join(allowed))
    for package, never in FORBIDDEN.items():
        if _within(module, (package,)) and _within(name, never):
            return '%s never imports %s' % (package, ', '.join(never))
    if _within(module, ('backupd.api',)) and _within(
            name, ('backupd.manager',)) and not _within(
                name, API_MAY_USE_OF_MANAGER):
        return 'the API uses only states and the rpcapi clients of a manager'
    if _within(name, ('backupd.cmd',)) and not _within(
            module, ('backupd.cmd',)):
        return 'only console scripts import backupd.cmd'
    top_level = module.count('.') == 1 and not _within(
        module, LAYERS + tuple(ALLOWED))
    if top_level and _within(name, LAYERS):
        return 'top-level modules sit below api, manager, drivers and cmd'
    return None


def test_imports_follow_the_rules():
    broken = ['%s imports %s: %s' % (module, name, why)
              for module, path in MODULES for name in _imports(path)
              for why in [_broken(module, name)] if why]
    assert broken == []


def test_the_rules_catch_a_breach():
    assert _broken('backupd.drivers.volume.file', 'backupd.db.api')
    assert _broken('backupd.api.handlers.backups',
                   'backupd.manager.backup.create')
    assert _broken('backupd.quota', 'backupd.manager.states')
    assert _broken('backupd.api.lookups', 'backupd.manager.states') is None
