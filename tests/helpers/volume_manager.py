"""Rows and configuration for tests of the volume manager on a real
SQLite database and the real file driver (tests/fixtures/
volume_manager.py gives the ``ctx`` and ``manager`` fixtures)."""
from oslo_config import cfg

from backupd import conf as backupd_conf
from backupd.db import api as db
from backupd.db import models
from backupd.db import snapshots as snapshot_db
from backupd.db import volumes as volume_db
from backupd.manager import states

V = states.Volume
S = states.Snapshot
HOST = 'node1'


def manager_conf(state_path):
    """A private ConfigOpts with every core option, state under
    ``state_path`` (file volumes there)."""
    conf = cfg.ConfigOpts()
    backupd_conf.register_all(conf)
    conf([], project='backupd-test')
    conf.set_override('state_path', str(state_path))
    return conf


def new_volume(ctx, status=V.CREATING, size=1, **values):
    return volume_db.create(ctx, dict({
        'size': size, 'status': status, 'host': HOST, 'project_id': 'p',
        'user_id': 'u', 'id': 'vol-%d' % len(db.get_all(
            ctx, models.Volume, {}))}, **values)).id


def new_snapshot(ctx, volume_id, status=S.CREATING):
    return snapshot_db.create(ctx, {
        'id': 'snap-%s' % volume_id, 'volume_id': volume_id,
        'status': status, 'volume_size': 1, 'project_id': 'p'},
        (V.AVAILABLE,)).id
