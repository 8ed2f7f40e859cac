"""Which volume type a new volume gets, and the backend it asks for.

The type named in the request (by name or id; 404 as in Cinder when there
is none, or when a non-admin names a private type not shared with the
project), else the source
volume's type, else ``default_volume_type``. Its ``volume_backend_name``
extra spec, if any, restricts placement to volume hosts reporting that
backend (backupd.api.host_selection.place_volume).
"""
import collections

from oslo_config import cfg

from backupd.api import lookups
from backupd.db import volume_types as types_db
from backupd import exception

BACKEND_SPEC = 'volume_backend_name'
DEFAULT_TYPE = '__DEFAULT__'

Choice = collections.namedtuple('Choice', 'id name backend')


def choose(ctx, requested=None, source_type_id=None):
    if requested:
        row = lookups.volume_type(ctx, requested)
    elif source_type_id:
        try:
            row = types_db.get(ctx, source_type_id)
        except exception.VolumeTypeNotFound:
            row = default(ctx)
    else:
        row = default(ctx)
    specs = types_db.specs_of(ctx, [row.id])[row.id]
    return Choice(row.id, row.name, specs.get(BACKEND_SPEC))


def default(ctx):
    try:
        return types_db.find(ctx, cfg.CONF.default_volume_type)
    except exception.VolumeTypeNotFound:
        return types_db.find(ctx, DEFAULT_TYPE)


def require_backend(choice, service, what):
    """400 when the host of a source (snapshot, volume, backup) does not
    serve the backend the type asks for: the copy must stay on it."""
    if choice.backend and service.volume_backend_name != choice.backend:
        raise exception.InvalidInput(
            reason='Cannot %s with volume type %s: it asks for backend %s, '
                   'but the copy is made on host %s, whose backend is %s. '
                   'Choose a type of that backend or leave volume_type out.'
                   % (what, choice.name, choice.backend, service.host,
                      service.volume_backend_name or 'not reported yet'))
