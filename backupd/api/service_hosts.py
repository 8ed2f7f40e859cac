"""The services a host name in an admin request names.

Cinder names a volume service's host ``host@backend``; backupd's services
rows hold the plain host. Either form is accepted; the backend part, when
given, must be this deployment's backend.
"""
from oslo_config import cfg

from backupd import binaries
from backupd import context as backupd_context
from backupd.db import api as db

# What a volume backend reports about itself (get_pools, /capabilities).
VENDOR_NAME = 'backupd'
STORAGE_PROTOCOL = 'local'


def backend_name():
    conf = cfg.CONF
    return conf.volume_backend_name or conf.volume_driver


def backend_host(host):
    """``host@backend``, a volume service's host as Cinder names it."""
    return '%s@%s' % (host, backend_name())


def plain_host(name):
    """The services row's host of ``name`` (``host`` or ``host@backend``,
    a ``#pool`` suffix dropped); None when the backend is not ours."""
    host, _, backend = (name or '').split('#', 1)[0].partition('@')
    if backend and backend != backend_name():
        return None
    return host


def services(name, binary=None):
    """The services rows on the host ``name`` names (of ``binary``, a
    stored or shown binary name, if given)."""
    host = plain_host(name)
    if not host:
        return []
    filters = {'host': host}
    if binary is not None:
        filters['binary'] = binaries.stored(binary)
    return db.service_get_all(backupd_context.get_admin_context(), filters)
