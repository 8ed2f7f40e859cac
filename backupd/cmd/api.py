"""backupd-api: the REST API on eventlet's WSGI server."""
import backupd.cmd  # noqa: F401  (monkey-patches first)

import os

from backupd.api import app
from backupd.api import noauth_guard
from backupd import binaries
from backupd.cmd import common
from backupd.cmd import errors
from backupd import service


def build(conf):
    try:
        noauth_guard.check(conf, conf.osapi_volume_listen)
    except noauth_guard.NoauthExposed as e:
        raise errors.StartupError(str(e), errors.CONFIG)
    return service.WSGIService(conf, lambda: app.load_app(conf),
                               conf.osapi_volume_listen,
                               conf.osapi_volume_listen_port)


def _cpu_count():
    # What oslo.concurrency's processutils.get_worker_count() answers
    # (multiprocessing.cpu_count(), else 1), without importing processutils:
    # it loads oslo.utils' strutils, whose hundreds of regular expressions
    # cost each start about 0.1 s.
    return os.cpu_count() or 1


@errors.operator_errors(binaries.API)
def main():
    conf = common.prepare(binaries.API)
    common.require_database(conf)
    workers = conf.osapi_volume_workers or _cpu_count()
    return common.launch([build(conf)], workers=workers)
