"""List machinery every collection shares: filters, sorting, paging, links.

A collection's index and detail handlers are one call::

    index, detail = common.list_routes('volumes', policy.GET_ALL, FILTERS,
                                       SORT_KEYS, query, items)

(``list_response`` answers one of them) with what differs per collection:
``FILTERS`` maps a query parameter to the column it filters (``name`` ->
``display_name``), ``SORT_KEYS`` does the same for sort keys, ``query``
picks which rows a list shows (``visible_rows`` for volumes and snapshots,
``table_rows`` for collections without hidden rows) and ``items`` renders
them. Every list is a keyset page of at most ``osapi_max_limit`` rows with
a next link when it is full (db.listing). Unknown query
parameters are ignored, as Cinder ignores them; bad values of known ones are
a 400 naming the parameter and what it accepts.
"""
import ast
import collections
import json
import re
import urllib.parse

from oslo_config import cfg
import oslo_messaging as messaging

from backupd.api import request_body
from backupd.api import urls
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import listing
from backupd.db import metadata
from backupd.db import resources
from backupd import exception
from backupd import policies

# Query parameters whose value is a dict ("{'k': 'v'}" as cinderclient sends
# it, or JSON).
DICT_FILTERS = ('metadata',)
# Longest dict-valued query parameter (a metadata filter) read.
MAX_DICT_FILTER = 4096
SORT_DIRS = ('asc', 'desc')
DEFAULT_SORT_KEY = 'created_at'
DEFAULT_SORT_DIR = 'desc'
COUNT_VERSION = '3.45'

# ``columns``: what the page's rows hold (None: every column).
ListParams = collections.namedtuple(
    'ListParams',
    'filters sort_keys sort_dirs marker limit offset with_count columns')
# What a summary list (GET /volumes, /backups) prints of a row.
SUMMARY_COLUMNS = ('id', 'display_name')


def list_response(req, key, detailed, rule, allowed_filters,
                  allowed_sort_keys, query, items,
                  summary_columns=SUMMARY_COLUMNS, default_sort=None,
                  project=None, path=None, writes=False):
    """The response of GET /<key> (``detailed`` False) or /<key>/detail.

    ``query(ctx, project, params)`` returns the page of rows (at most
    ``params.limit``, which is never more than osapi_max_limit) and, when
    ``params.with_count``, how many rows match (else None);
    ``items(req, ctx, rows, detailed)`` returns their views (a row may
    have none: the next link follows the page's rows, not its items). The
    rows of a summary list hold ``summary_columns`` only (None: every
    column). All of it reads in one database transaction.

    ``default_sort``: (key, direction) when the request names no sort
    (Cinder's created_at, desc); ``project(ctx, req)``: whose rows
    (``project_filter``); ``path``: the collection's URL segment when it is
    not ``key``, or a function of the request that returns it; ``writes``:
    ``items`` may change rows (a group's status follows its members), so
    the transaction is a writer's.
    """
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, rule)
    params = list_params(req, allowed_filters, allowed_sort_keys,
                         default_sort)
    if not detailed:
        params = params._replace(columns=summary_columns)
    with (db.writer if writes else db.reader).using(ctx):
        rows, count = query(ctx, (project or project_filter)(ctx, req),
                            params)
        shown = items(req, ctx, rows, detailed)
    path = path(req) if callable(path) else path or key
    parts = (path, 'detail') if detailed else (path,)
    return wsgi.json_response(collection_body(
        req, key, parts, shown, rows, params, count=count))


def list_routes(key, rule, allowed_filters, allowed_sort_keys, query, items,
                check=None, **options):
    """(index, detail): the handlers of GET /<key> and /<key>/detail, each
    ``list_response`` after ``check(req)`` (e.g. the microversion the
    collection needs) when given. ``options`` as list_response's."""
    def route(detailed):
        def respond(req):
            if check is not None:
                check(req)
            return list_response(req, key, detailed, rule, allowed_filters,
                                 allowed_sort_keys, query, items, **options)
        respond.__name__ = 'detail' if detailed else 'index'
        return respond
    return route(False), route(True)


def table_rows(model, filters=None, project_column='project_id',
               where=None):
    """The ``query`` of a list that hides no rows: a keyset page
    (db.listing) of the rows matching ``filters`` and the request's, of
    the project in ``project_column`` (unless the project is None, or the
    rows belong to no project: ``project_column`` None), and of the
    clauses ``where()`` returns when given. No count (3.45's count is for
    volumes, snapshots and backups)."""
    def query(ctx, project, params):
        wanted = dict(filters or {}, **params.filters)
        if project is not None and project_column is not None:
            wanted[project_column] = project
        rows = listing.page(ctx, model, wanted, params.sort_keys,
                            params.sort_dirs, params.marker, params.limit,
                            params.offset, columns=params.columns,
                            where=where() if where is not None else ())
        return rows, None
    return query


def visible_rows(model):
    """The ``query`` of a volume or snapshot list: db.resources leaves out
    the temporary ones a backup reads from."""
    def query(ctx, project, params):
        rows = resources.get_all(ctx, model, project, params.filters,
                                 params.sort_keys, params.sort_dirs,
                                 params.marker, params.limit, params.offset,
                                 columns=params.columns)
        count = (resources.count(ctx, model, project, params.filters)
                 if params.with_count else None)
        return rows, count
    return query


def list_params(req, allowed_filters, allowed_sort_keys, default_sort=None):
    """The filters, sort, marker, limit, offset and with_count of a list call.

    ``allowed_filters`` and ``allowed_sort_keys`` map API names to column
    names; ``default_sort`` is the (key, direction) of a request that names
    none. ``limit`` is at most ``osapi_max_limit``, and that when the
    request gives none: no list is unbounded.
    """
    sort_keys, sort_dirs = _sort(req, allowed_sort_keys,
                                 *(default_sort or (DEFAULT_SORT_KEY,
                                                    DEFAULT_SORT_DIR)))
    return ListParams(
        filters=_filters(req, allowed_filters),
        sort_keys=sort_keys, sort_dirs=sort_dirs,
        marker=req.GET.get('marker') or None,
        limit=_limit(req),
        offset=_non_negative(req, 'offset'),
        with_count=(wsgi.at_least(req, COUNT_VERSION)
                    and wsgi.bool_param(req, 'with_count')),
        columns=None)


def project_filter(ctx, req):
    """Project whose rows a list shows; None = every project.

    Admins see every project with ``all_tenants`` (optionally narrowed by
    ``project_id``); for everybody else ``all_tenants`` is ignored, not
    rejected, because cinderclient sends it on every name lookup.
    """
    if ctx.is_admin and wsgi.bool_param(req, 'all_tenants'):
        return req.GET.get('project_id') or None
    return ctx.project_id


def next_link(req, parts, rows, limit):
    """``[{"rel": "next", "href": ...}]`` when a page is full, else ``[]``.

    The link repeats the request's query with ``marker`` set to the last
    row's id, so a client follows it to the next page.
    """
    if not rows or len(rows) < limit:
        return []
    query = [(k, v) for k, v in req.GET.items() if k != 'marker']
    query.append(('marker', rows[-1].id))
    href = '%s?%s' % (urls.url_for(req, *parts),
                      urllib.parse.urlencode(query))
    return [{'rel': 'next', 'href': href}]


def collection_body(req, key, parts, items, rows, params, count=None):
    """``{key: items}`` plus ``<key>_links`` when there is a next page and
    ``count`` when the microversion and ``with_count`` ask for it."""
    body = {key: items}
    links = next_link(req, parts, rows, params.limit)
    if links:
        body['%s_links' % key] = links
    if params.with_count and count is not None:
        body['count'] = count
    return body


def parse_dict(name, value):
    """A dict query value: JSON or the Python literal cinderclient sends.

    Bounded before parsing (length and nesting: ast.literal_eval recurses
    and would raise RecursionError or MemoryError on deep input)."""
    if isinstance(value, dict):
        return value
    if len(value) > MAX_DICT_FILTER:
        raise exception.InvalidInput(
            reason='query parameter %s is %d characters long; at most %d'
                   % (name, len(value), MAX_DICT_FILTER))
    request_body.check_depth(value, 'query parameter %s' % name)
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(value)
        except (ValueError, SyntaxError, TypeError, RecursionError,
                MemoryError):
            continue
        if isinstance(parsed, dict):
            return {str(k): str(v) for k, v in parsed.items()}
    raise exception.InvalidInput(
        reason='query parameter %s=%r is not a dictionary; send it as '
               '{"key": "value"}' % (name, value))


# --- helpers ---------------------------------------------------------------

def _filters(req, allowed):
    filters = {}
    for name, column in allowed.items():
        if name not in req.GET:
            continue
        value = req.GET[name]
        filters[column] = (parse_dict(name, value) if name in DICT_FILTERS
                           else value)
    return filters


def _sort(req, allowed, default_key, default_dir):
    """Cinder's sort syntax: ``sort=k1:dir,k2`` or ``sort_key``+``sort_dir``.
    """
    sort = req.GET.get('sort')
    if sort and ('sort_key' in req.GET or 'sort_dir' in req.GET):
        raise exception.InvalidInput(
            reason='use either sort=key:dir,... or sort_key/sort_dir, not '
                   'both')
    if sort:
        pairs = [part.strip().partition(':') for part in sort.split(',')
                 if part.strip()]
        keys = [k.strip() for k, _, _ in pairs]
        dirs = [d.strip() or default_dir for _, _, d in pairs]
    else:
        keys = [k.strip() for k in
                req.GET.get('sort_key', default_key).split(',')]
        dirs = [d.strip() for d in
                req.GET.get('sort_dir', default_dir).split(',')]
        dirs += [dirs[-1]] * (len(keys) - len(dirs))
    columns = []
    for key in keys:
        if key not in allowed:
            raise exception.InvalidInput(
                reason='sort key %r is not supported; use one of %s'
                       % (key, ', '.join(sorted(allowed))))
        columns.append(allowed[key])
    for direction in dirs:
        if direction.lower() not in SORT_DIRS:
            raise exception.InvalidInput(
                reason='sort direction %r is not supported; use asc or desc'
                       % direction)
    return columns, [d.lower() for d in dirs[:len(keys)]]


def _limit(req):
    limit = _non_negative(req, 'limit')
    if limit is None:
        return cfg.CONF.osapi_max_limit
    return min(limit, cfg.CONF.osapi_max_limit)


def _non_negative(req, name):
    return query_int(req, name, minimum=0)


def query_int(req, name, minimum=0, maximum=request_body.INT64_MAX):
    """An integer query parameter (None when absent or empty): ASCII digits
    only, within [minimum, maximum] (64 bits at most: what the database and
    SQL LIMIT/OFFSET take); else a 400 naming it."""
    value = req.GET.get(name)
    if value is None or value == '':
        return None
    text = value.strip()
    number = int(text) if _INTEGER.match(text) else None
    if number is None or not minimum <= number <= maximum:
        raise exception.InvalidInput(
            reason='query parameter %s=%s must be an integer from %d to %d'
                   % (name, _shown(value), minimum, maximum))
    return number


_INTEGER = re.compile(r'^-?[0-9]{1,19}$')
_DIGITS = re.compile(r'^-?[0-9]+$')
# Largest value of an Integer column on MariaDB and PostgreSQL (sizes,
# quota limits): a larger one would be a database error, not a 400.
INT32_MAX = 2 ** 31 - 1


def body_int(value, where, minimum=0, maximum=INT32_MAX):
    """An integer body field sent as a number or as its digits (clients
    send either), within [minimum, maximum]; else a 400 naming ``where``."""
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool) or not (
            isinstance(value, int) or (text and _DIGITS.match(text))):
        raise exception.InvalidInput(
            reason='%s=%s is not an integer' % (where, _shown(value)))
    number = int(value) if len(str(value)) <= 20 else maximum + 1
    if not minimum <= number <= maximum:
        raise exception.InvalidInput(
            reason='%s=%s is out of range: give an integer from %d to %d'
                   % (where, _shown(value), minimum, maximum))
    return number


def _shown(value, limit=40):
    """A query value as a message shows it: quoted, long ones cut."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


# --- request bodies and authorization --------------------------------------

def flag(body, key, where):
    """A boolean body field as clients send it (true, "True", "1", null)."""
    value = body.get(key)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered not in wsgi.TRUE_STRINGS + wsgi.FALSE_STRINGS:
            raise exception.InvalidInput(
                reason='%s/%s=%r is not a boolean' % (where, key, value))
        return lowered in wsgi.TRUE_STRINGS
    return bool(value)


def size_gb(value, where, minimum=1):
    """A size in whole GiB from a body (int or digit string), checked
    against ``minimum`` and the ``max_volume_size`` option."""
    maximum = cfg.CONF.max_volume_size
    if isinstance(value, str) and not _INTEGER.match(value.strip()):
        raise exception.InvalidInput(
            reason='%s=%s is not a whole number of GiB; give an integer '
                   'from %d to max_volume_size (%d)'
                   % (where, _shown(value), minimum, maximum))
    size = body_int(value, where, minimum=-INT32_MAX)
    if not minimum <= size <= maximum:
        raise exception.InvalidInput(
            reason='%s=%s GiB is out of range: it must be at least %d and at '
                   'most max_volume_size (%d GiB).'
                   % (where, value, minimum, maximum))
    return size


def allowed(ctx, action, target=None):
    """True when policy allows ``action`` (no exception)."""
    try:
        policies.authorize(ctx, action, target)
    except exception.Forbidden:
        return False
    return True


def action_of(req, handlers):
    """(name, handler) of a POST .../action body ``{name: {...}}``."""
    body = wsgi.extract_json(req)
    if not isinstance(body, dict) or len(body) != 1:
        raise exception.InvalidInput(
            reason='an action body is one object with exactly one key, the '
                   'action, e.g. {"os-force_delete": {}}; supported: %s'
                   % ', '.join(sorted(handlers)))
    name = next(iter(body))
    if name not in handlers:
        raise exception.InvalidInput(
            reason='action %r is not supported here; supported: %s'
                   % (name, ', '.join(sorted(handlers))))
    return name, handlers[name]


def cast(send, service, undo=None):
    """Send an RPC cast; when the bus fails, ``undo`` what the request
    changed and answer 503 naming ``service``."""
    try:
        send()
    except messaging.MessagingException as e:
        if undo is not None:
            undo()
        raise exception.ServiceUnavailable(
            reason='The %s service could not be reached over the message '
                   'bus: %s. Nothing was changed; try again.' % (service, e))


def update_fields(ctx, model, row_id, body):
    """What PUT on a volume, snapshot or backup changes, in one
    transaction: its name and description (``display_fields``) and, when
    ``body`` has them, its metadata (all replaced)."""
    values = display_fields(body)
    with db.writer.using(ctx):
        if values:
            db.update(ctx, model, row_id, values)
        if 'metadata' in body:
            metadata.replace(ctx, model, row_id, body['metadata'])


def update_route(key, model, schema, lookup, rules, view):
    """The handler of PUT /<collection>/{id} of a volume or snapshot: the
    ``key`` object of the body (``schema``) changes the fields of the row
    ``lookup(ctx, id, rules[0])`` gives (update_fields); the answer is
    ``view(req, ctx, row)`` of the row read again for ``rules[1]``."""
    def update(req, **ids):
        (row_id,) = ids.values()
        ctx = wsgi.context_of(req)
        body = wsgi.extract_json(req, schema)[key]
        update_fields(ctx, model, lookup(ctx, row_id, rules[0]).id, body)
        return wsgi.json_response(
            {key: view(req, ctx, lookup(ctx, row_id, rules[1]))})
    return update


def display_fields(body):
    """``display_name``/``display_description`` columns from a body that
    says ``name``/``description`` (or the v1 ``display_*`` names)."""
    values = {}
    for column, keys in (('display_name', ('name', 'display_name')),
                         ('display_description',
                          ('description', 'display_description'))):
        for key in reversed(keys):
            if key in body:
                values[column] = body[key]
    return values
