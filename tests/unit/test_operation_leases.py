"""Operation leases (backupd.db.leases, doc/reliability.rst) on SQLite,
MariaDB and PostgreSQL: a claim is exclusive until its lease expires, a run
that lost its lease loses its compare-and-swaps, and the reconciler's query
finds only rows no other live owner holds."""
import datetime

from oslo_utils import timeutils

from backupd import context as backupd_context
from backupd.db import api as db
from backupd.db import leases
from backupd.db import models
from backupd.manager import states


B = states.Backup
ME, OTHER = 'node/backupd-backup/1/me', 'node/backupd-backup/2/other'
OLD = datetime.timedelta(seconds=600)


def _backup(ctx, name, host='node', **values):
    return db.create(ctx, models.Backup, dict({
        'id': name, 'volume_id': 'v', 'host': host, 'status': B.CREATING,
        'project_id': 'p'}, **values)).id


def _row(ctx, backup_id):
    return db.get(ctx, models.Backup, backup_id)


def test_a_claim_is_exclusive_until_its_lease_expires(engine_db):  # noqa: F811,E501
    ctx = backupd_context.get_admin_context()
    bid = _backup(ctx, 'b-claim')
    assert leases.claim(ctx, models.Backup, bid, (B.CREATING,), ME, 60)
    assert not leases.claim(ctx, models.Backup, bid, (B.CREATING,), OTHER, 60)
    assert leases.claim(ctx, models.Backup, bid, (B.CREATING,), ME, 60)
    assert not leases.claim(ctx, models.Backup, bid, (B.AVAILABLE,), ME, 60)
    # the owner dies: its lease runs out, another process takes the row
    db.update(ctx, models.Backup, bid, {
        'lease_expires_at': timeutils.utcnow() - OLD})
    assert leases.claim(ctx, models.Backup, bid, (B.CREATING,), OTHER, 60)
    # the old owner's progress write (a CAS on its lease) now fails
    assert not db.conditional_update(
        ctx, models.Backup, bid, {'progress': 50},
        {'status': B.CREATING, 'lease_owner': ME})
    # release gives up only one's own lease
    assert not leases.release(ctx, models.Backup, bid, ME)
    assert _row(ctx, bid).lease_owner == OTHER
    assert leases.release(ctx, models.Backup, bid, OTHER)
    assert _row(ctx, bid).lease_owner is None


def test_renew_extends_own_leases_and_keeps_updated_at(engine_db):  # noqa: F811,E501
    ctx = backupd_context.get_admin_context()
    mine = _backup(ctx, 'b-mine')
    theirs = _backup(ctx, 'b-theirs')
    leases.claim(ctx, models.Backup, mine, (B.CREATING,), ME, 1)
    leases.claim(ctx, models.Backup, theirs, (B.CREATING,), OTHER, 1)
    before = _row(ctx, mine)
    assert leases.renew(ctx, models.Backup, ME, 600) == 1
    after = _row(ctx, mine)
    assert after.lease_expires_at > before.lease_expires_at
    assert after.updated_at == before.updated_at
    assert _row(ctx, theirs).lease_expires_at < after.lease_expires_at


def test_abandoned_rows_are_those_no_other_live_owner_holds(engine_db):  # noqa: F811,E501
    ctx = backupd_context.get_admin_context()
    past = timeutils.utcnow() - OLD
    future = timeutils.utcnow() + OLD
    rows = {
        'lost': dict(updated_at=past),                       # never claimed
        'fresh': {},                                         # may be queued
        'held': dict(updated_at=past, lease_owner=OTHER,
                     lease_expires_at=future),               # other, alive
        'dead': dict(updated_at=past, lease_owner=OTHER,
                     lease_expires_at=past),                 # other, dead
        'mine': dict(updated_at=past, lease_owner=ME,
                     lease_expires_at=future),               # caller checks
        'done': dict(updated_at=past, status=B.AVAILABLE),
    }
    for name, values in rows.items():
        _backup(ctx, name, **values)
    _backup(ctx, 'elsewhere', host='other-node', updated_at=past)
    found = {row.id for row in leases.abandoned(
        ctx, models.Backup, (B.CREATING,), ME, 60, host='node')}
    assert found == {'lost', 'dead', 'mine'}


def test_a_claim_met_by_a_database_blip_is_retried(engine_db, monkeypatch):  # noqa: F811,E501
    """An operation's first write, its claim, outlives a blip as the writes
    that end it do (the outage test met one: the delete of a backup failed
    at its claim instead of retrying). The blip is injected (one failed
    connection, at a moment no real outage can be aimed at)."""
    from oslo_config import cfg
    from oslo_db import exception as db_exc

    from backupd.manager import ownership

    ctx = backupd_context.get_admin_context()
    bid = _backup(ctx, 'b-blip')
    real, calls = leases.claim, []

    def blip_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise db_exc.DBConnectionError('connection refused')
        return real(*args, **kwargs)

    monkeypatch.setattr(leases, 'claim', blip_once)
    conf = cfg.ConfigOpts()
    owner = ownership.Owner(conf, 'node', 'backupd-backup')
    monkeypatch.setattr(ownership.Owner, 'seconds', 60)
    assert owner.claim(ctx, models.Backup, bid, (B.CREATING,))
    assert len(calls) == 2
    assert _row(ctx, bid).lease_owner == owner.token
