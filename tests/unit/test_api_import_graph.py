"""The import graph of backupd/api, read from the source (ast): no circle,
no handler importing another handler, and the router imported by nothing
but the paste app (its table imports every handler, so a module below it
that imported it would close a circle)."""
import ast
import pathlib

import backupd

PACKAGE = pathlib.Path(backupd.__file__).parent
API = PACKAGE / 'api'


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(parts)


def _modules(root):
    return {_module_name(path): path for path in root.rglob('*.py')}


def _imported(path, known):
    """The modules of ``known`` that ``path`` imports, at any level of the
    file (a function-level import counts as well)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from a.b import c": c may be a module or a name in a.b
            names = [node.module] + ['%s.%s' % (node.module, alias.name)
                                     for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def api_graph():
    """{module: modules of backupd.api it imports}, packages left out
    (their __init__ is empty, and "from backupd.api import x" names x)."""
    modules = {name: path for name, path in _modules(API).items()
               if path.name != '__init__.py'}
    return {name: _imported(path, modules) - {name}
            for name, path in modules.items()}


def cycles(graph):
    """The strongly connected components with more than one module, or
    one module importing itself (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read():
    """The graph sees the imports it should judge (so the checks below
    cannot pass on an empty graph)."""
    graph = api_graph()
    assert 'backupd.api.handlers.backups' in graph
    assert 'backupd.api.lookups' in graph['backupd.api.handlers.backups']
    assert 'backupd.api.handlers.volumes' in graph['backupd.api.router']
    assert 'backupd.api.urls' in graph['backupd.api.views.volumes']


def test_cycle_finder_finds_a_cycle():
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [
        ['a', 'b', 'c']]
    assert cycles({'a': {'a'}}) == [['a']]
    assert cycles({'a': {'b'}, 'b': set()}) == []


def test_backupd_api_has_no_import_cycle():
    assert cycles(api_graph()) == []


def test_no_handler_imports_another_handler():
    prefix = 'backupd.api.handlers.'
    offending = {module: sorted(m for m in imported if m.startswith(prefix))
                 for module, imported in api_graph().items()
                 if module.startswith(prefix)}
    assert {m: i for m, i in offending.items() if i} == {}


def test_only_the_paste_app_imports_the_router():
    """Nothing in backupd imports backupd.api.router; api-paste.ini loads
    it (its app and the versions filter)."""
    modules = _modules(PACKAGE)
    importers = sorted(name for name, path in modules.items()
                       if 'backupd.api.router' in _imported(path, modules))
    assert importers == []
    assert 'backupd.api.router:app_factory' in (
        API / 'api-paste.ini').read_text()
